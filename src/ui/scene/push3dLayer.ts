// The moving parts of one push-3d lane, drawn in 3D from its live frame: the pillar placed from its keypoint
// tokens (its local axes from the crossbar's bottom edge and a vertical edge, so it tips on screen as it tips in
// the simulator), the pusher ball, per token its position, Φ's prediction Ŝ (a wire ball), the residual Δz as a
// 3D arrow from Ŝ towards S (it points up or down when the object tips; coloured by ‖Δz‖, on its own scale,
// arrowScale.ts; a spike leaves a fading afterimage) and the reflex's attention (a halo growing with the weight),
// the executed action's terms from the pusher in 3D (as Push-T's layer: prior, then reflex, strategy and, when
// shown, noise tip to tail, and the total), and the trails on the table.
import * as THREE from 'three';
import { DECOMPOSITION_TERMS, decompositionTerm, type DecompositionTerm, type LaneLayout, type LaneViews } from '../../engine/liveFrame';
import { FOOTPRINT_CORNERS, PUSHER_RADIUS } from '../../sim/push3d/geometry';
import { push3dSpec } from '../../sim/push3d/push3dSpec';
import { denormaliseCoord } from '../../sim/tokens';
import { Afterimage } from './afterimage';
import { Arrow } from './arrow';
import { autoScales, drawnLength, type ArrowOptions } from './arrowScale';
import { residualColor } from './colorScale';
import { TERM_COLORS, TOKEN_COLORS, TRAIL_COLORS, fillTrail, shownIncrements, termArrows, trailLine } from './liveLayer';
import { COLORS, Z, disposeTree } from './pushtTable';
import { SCENE_PER_M, pillarGeometry, worldToScene } from './push3dTable';

/** Scene position of a trail point: on the table top (world metres, z = 0), drawn at the trail's layer. */
const tableToScene = (x: number, y: number, out: THREE.Vector3) => {
  worldToScene(x, y, 0, out);
  out.z = Z.trail;
};

/** Tokens 0 and 1 are the crossbar's bottom corners (local x = ∓0.06 m, y = z = 0), token 6 is above token 0. */
const EDGE_START = 0;
const EDGE_END = 1;
const ABOVE_START = 6;
const EDGE_START_LOCAL_X = FOOTPRINT_CORNERS[EDGE_START][0] * SCENE_PER_M;
const TOKEN_RADIUS = 4;
const GHOST_RADIUS = 6;
const ATTENTION_BASE = 6;
const ATTENTION_GAIN = 24;
const TARGET_RADIUS = 5;
/** Scene units per normalised unit (isotropic: 0.3 m on every axis). */
const UNIT = push3dSpec.worldScale[0] * SCENE_PER_M;

export class Push3dLayer {
  readonly group = new THREE.Group();
  /** The object, placed from its tokens (its matrix is the pose: read by the tests). */
  readonly pillar = new THREE.Group();
  private readonly pusher: THREE.Mesh;
  private readonly target: THREE.Mesh;
  private readonly tokens: THREE.Mesh[] = [];
  private readonly ghosts: THREE.Mesh[] = [];
  private readonly halos: THREE.Mesh[] = [];
  /** The Δz arrows, one per token (read by the tests). */
  readonly residuals: Arrow[] = [];
  private readonly afterimages: Afterimage[] = [];
  private readonly terms: Record<DecompositionTerm, Arrow>;
  private readonly agentTrail: THREE.Line;
  private readonly objectTrail: THREE.Line;
  private readonly points: THREE.Vector3[];
  private readonly basis = { x: new THREE.Vector3(), y: new THREE.Vector3(), z: new THREE.Vector3(), origin: new THREE.Vector3() };
  private readonly a = new THREE.Vector3();
  private readonly b = new THREE.Vector3();

  constructor(
    readonly numTokens: number,
    maxTrail: number,
  ) {
    const body = new THREE.Mesh(pillarGeometry(), new THREE.MeshLambertMaterial({ color: COLORS.block }));
    const edges = new THREE.LineSegments(new THREE.EdgesGeometry(body.geometry), new THREE.LineBasicMaterial({ color: 0x4a5561 }));
    this.pillar.add(body, edges);
    this.pillar.matrixAutoUpdate = false;

    this.pusher = new THREE.Mesh(new THREE.SphereGeometry(PUSHER_RADIUS * SCENE_PER_M, 24, 16), new THREE.MeshLambertMaterial({ color: COLORS.pusher }));
    this.target = new THREE.Mesh(new THREE.SphereGeometry(TARGET_RADIUS, 12, 8), new THREE.MeshBasicMaterial({ color: TERM_COLORS.total, wireframe: true }));

    const ball = new THREE.SphereGeometry(TOKEN_RADIUS, 12, 8);
    const ghostBall = new THREE.SphereGeometry(GHOST_RADIUS, 8, 6);
    const halo = new THREE.SphereGeometry(1, 16, 12);
    this.points = Array.from({ length: numTokens }, () => new THREE.Vector3());
    for (let k = 0; k < numTokens; k++) {
      const agent = k === numTokens - 1;
      this.tokens.push(new THREE.Mesh(ball, new THREE.MeshBasicMaterial({ color: agent ? TOKEN_COLORS.agent : TOKEN_COLORS.keypoint })));
      this.ghosts.push(new THREE.Mesh(ghostBall, new THREE.MeshBasicMaterial({ color: TOKEN_COLORS.ghost, wireframe: true, transparent: true, opacity: 0.75 })));
      this.halos.push(new THREE.Mesh(halo, new THREE.MeshBasicMaterial({ color: TOKEN_COLORS.attention, transparent: true, opacity: 0.3, depthWrite: false })));
      this.residuals.push(new Arrow(0xffffff));
      this.afterimages.push(new Afterimage());
    }
    this.terms = termArrows();

    this.agentTrail = trailLine(maxTrail, TRAIL_COLORS.agent);
    this.objectTrail = trailLine(maxTrail, TRAIL_COLORS.object);

    this.group.add(this.pillar, this.pusher, this.target, this.agentTrail, this.objectTrail, ...this.tokens, ...this.ghosts, ...this.halos);
    for (const r of this.residuals) this.group.add(r.object);
    for (const a of this.afterimages) this.group.add(a.arrow.object);
    for (const t of DECOMPOSITION_TERMS) this.group.add(this.terms[t].object);
  }

  /** Same signature as Push-T's layer (push-3d has no shove preview); returns whether an afterimage is fading. */
  update(v: LaneViews, layout: LaneLayout, trail: Float32Array, _pending: unknown, opts: ArrowOptions): boolean {
    const s = v.scalar;
    const N = this.numTokens;
    const tokenPoint = (src: Float32Array, k: number, out: THREE.Vector3) =>
      worldToScene(denormaliseCoord(push3dSpec, 0, src[3 * k]), denormaliseCoord(push3dSpec, 1, src[3 * k + 1]), denormaliseCoord(push3dSpec, 2, src[3 * k + 2]), out);
    for (let k = 0; k < N; k++) tokenPoint(v.tokens, k, this.points[k]);
    this.placePillar();
    const agent = this.points[N - 1];
    this.pusher.position.copy(agent);

    const hasPrediction = s('hasPrediction') === 1;
    const hasReflex = s('hasReflex') === 1;
    const residual = (k: number, out: THREE.Vector3) => out.set(v.deltaZ[3 * k], v.deltaZ[3 * k + 1], v.deltaZ[3 * k + 2]).multiplyScalar(UNIT);
    if (hasPrediction) for (let k = 0; k < N; k++) autoScales.deltaZ.see(residual(k, this.a).length(), opts.now);
    const deltaZGain = autoScales.deltaZ.gain(opts.now);
    let animating = false;
    for (let k = 0; k < N; k++) {
      const p = this.points[k];
      this.tokens[k].position.copy(p);
      const ghost = this.ghosts[k];
      ghost.visible = hasPrediction;
      const arrow = this.residuals[k];
      if (hasPrediction) {
        tokenPoint(v.predicted, k, ghost.position);
        const d = residual(k, this.a);
        const m = d.length();
        const color = residualColor(m);
        arrow.setColor(...color);
        const to = this.b.copy(ghost.position).addScaledVector(d.normalize(), drawnLength(opts.deltaZ, m, deltaZGain));
        arrow.set(ghost.position, to);
        this.afterimages[k].offer(m, ghost.position, to, color, opts.now);
      } else arrow.hide();
      if (this.afterimages[k].draw(opts.now)) animating = true;
      const halo = this.halos[k];
      halo.visible = hasReflex;
      if (hasReflex) {
        const w = Math.max(0, v.attention[k]);
        halo.position.copy(p);
        halo.scale.setScalar(ATTENTION_BASE + ATTENTION_GAIN * Math.sqrt(w));
        (halo.material as THREE.MeshBasicMaterial).opacity = Math.min(0.6, 0.1 + w);
      }
    }

    const A = layout.actionDim;
    const point = (t: Float32Array, out: THREE.Vector3) => worldToScene(t[0], t[1], t[2], out);
    const total = decompositionTerm(v, 'total', A);
    point(total, this.target.position);
    this.terms.total.set(agent, this.target.position);
    if (s('hasDecomposition') === 1) {
      const at = point(decompositionTerm(v, 'prior', A), this.a);
      this.terms.prior.set(agent, at);
      const increments = shownIncrements(opts);
      for (const t of increments) autoScales.terms.see(Math.hypot(...decompositionTerm(v, t, A)) * SCENE_PER_M, opts.now);
      const termGain = autoScales.terms.gain(opts.now);
      for (const t of increments) {
        const d = decompositionTerm(v, t, A);
        const step = this.b.set(d[0], d[1], d[2]).multiplyScalar(SCENE_PER_M);
        const next = step.normalize().multiplyScalar(drawnLength(opts.terms, Math.hypot(d[0], d[1], d[2]) * SCENE_PER_M, termGain)).add(at);
        this.terms[t].set(at, next);
        at.copy(next);
      }
      if (!opts.showNoise) this.terms.noise.hide();
    } else for (const t of ['prior', 'reflex', 'strategy', 'noise'] as const) this.terms[t].hide();

    fillTrail(this.agentTrail, trail, 0, tableToScene);
    fillTrail(this.objectTrail, trail, 2, tableToScene);
    return animating;
  }

  /** The pillar's frame from its tokens: x along the crossbar's bottom edge, z up its vertical edge, y = z × x. */
  private placePillar(): void {
    const { x, y, z, origin } = this.basis;
    const p = this.points;
    x.subVectors(p[EDGE_END], p[EDGE_START]).normalize();
    z.subVectors(p[ABOVE_START], p[EDGE_START]).normalize();
    y.crossVectors(z, x).normalize();
    z.crossVectors(x, y);
    origin.copy(x).multiplyScalar(-EDGE_START_LOCAL_X).add(p[EDGE_START]);
    this.pillar.matrix.makeBasis(x, y, z).setPosition(origin);
    this.pillar.matrixWorldNeedsUpdate = true;
  }

  dispose(): void {
    for (const r of this.residuals) r.dispose();
    for (const a of this.afterimages) a.dispose();
    for (const t of DECOMPOSITION_TERMS) this.terms[t].dispose();
    disposeTree(this.group);
  }
}

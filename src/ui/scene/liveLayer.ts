// The moving parts of one lane, drawn from its live frame: the T block and the pusher, per token its position,
// Φ's prediction Ŝ (a ghost ring), the residual Δz (an arrow from Ŝ towards S, coloured by ‖Δz‖, on its own
// scale, arrowScale.ts; a spike leaves a fading afterimage) and the reflex's attention (a thin ring growing with
// the weight), the executed action's terms at the pusher, the trails of agent and block, and the outline of a
// shove that lands at the next step.
//
// Action terms: the prior arrow runs from the pusher to the prior's point; the reflex, strategy and noise
// (when shown) increments follow it tip to tail on the terms' scale, ending at the total target at ×1; the
// total arrow runs from the pusher to the commanded target.
import * as THREE from 'three';
import { DECOMPOSITION_TERMS, TRAIL_STRIDE, decompositionTerm, type DecompositionTerm, type LaneLayout, type LaneViews } from '../../engine/liveFrame';
import { AGENT_RADIUS, type Pose } from '../../sim/pusht/geometry';
import { pushTSpec } from '../../sim/pusht/pushTSpec';
import { denormaliseCoord } from '../../sim/tokens';
import { Afterimage } from './afterimage';
import { Arrow } from './arrow';
import { autoScales, drawnLength, type ArrowOptions } from './arrowScale';
import { residualColor } from './colorScale';
import { COLORS, HEIGHT, Z, disposeTree, placeAtPose, tOutlineGeometry, tShape } from './pushtTable';

export const TERM_COLORS: Record<DecompositionTerm, number> = {
  prior: 0x9775fa,
  reflex: 0x22d3ee,
  strategy: 0xf783ac,
  noise: 0xadb5bd,
  total: 0xffffff,
};

/** Trail colours of the agent and the object, in both views. */
export const TRAIL_COLORS = { agent: 0x74c0fc, object: 0xb2bec3 } as const;

/** A line of up to `maxTrail` points, drawn as it fills. */
export function trailLine(maxTrail: number, color: number): THREE.Line {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(maxTrail * 3), 3));
  g.setDrawRange(0, 0);
  return new THREE.Line(g, new THREE.LineBasicMaterial({ color, transparent: true, opacity: 0.7 }));
}

/** Scene position of a trail point: the 2D view draws pixels with y up. */
const pixelsToScene = (x: number, y: number, out: THREE.Vector3) => out.set(x, -y, Z.trail);

const trailPoint = new THREE.Vector3();

/** Fills a trailLine with the lane's trail (world x, y at `offset` in each TRAIL_STRIDE record), placed by `toScene`. */
export function fillTrail(line: THREE.Line, trail: Float32Array, offset: number, toScene: (x: number, y: number, out: THREE.Vector3) => void): void {
  const pos = line.geometry.getAttribute('position') as THREE.BufferAttribute;
  const n = Math.min(trail.length / TRAIL_STRIDE, pos.count);
  for (let i = 0; i < n; i++) {
    toScene(trail[i * TRAIL_STRIDE + offset], trail[i * TRAIL_STRIDE + offset + 1], trailPoint);
    pos.setXYZ(i, trailPoint.x, trailPoint.y, trailPoint.z);
  }
  pos.needsUpdate = true;
  line.geometry.setDrawRange(0, n);
}

/** The increments drawn after the prior's point, in order: the noise only when asked for. */
export function shownIncrements(opts: Pick<ArrowOptions, 'showNoise'>): readonly ('reflex' | 'strategy' | 'noise')[] {
  return opts.showNoise ? ['reflex', 'strategy', 'noise'] : ['reflex', 'strategy'];
}

/** One arrow per action term (prior, reflex, strategy, noise, total), the noise a little transparent. */
export function termArrows(): Record<DecompositionTerm, Arrow> {
  return Object.fromEntries(DECOMPOSITION_TERMS.map((t) => [t, new Arrow(TERM_COLORS[t], t === 'noise' ? 0.85 : 1)])) as Record<DecompositionTerm, Arrow>;
}
export const TOKEN_COLORS = { keypoint: 0xf1f3f5, agent: 0xffa94d, ghost: 0xced4da, attention: 0x22d3ee } as const;

const TOKEN_RADIUS = 3.2;
const GHOST_RADIUS = 4.5;
/** Attention ring, thin so it hides nothing: inner radius, and outer radius base + gain·√w. */
const ATTENTION_INNER = 5;
const ATTENTION_WIDTH = 0.6;
const ATTENTION_BASE = 6;
const ATTENTION_GAIN = 14;
const TARGET_RADIUS = 5;
const PX = pushTSpec.worldScale[0];

/** Three.js position of a table point (px, y down) at height z. */
export function tableToWorld(x: number, y: number, z: number, out = new THREE.Vector3()): THREE.Vector3 {
  return out.set(x, -y, z);
}

/** Where `from` + the direction of (dx, dy) at drawn length `length` ends, into `out` (the table's px). */
function along(from: THREE.Vector3, dx: number, dy: number, length: number, out: THREE.Vector3): THREE.Vector3 {
  const m = Math.hypot(dx, dy);
  return m > 0 ? out.set(from.x + (dx / m) * length, from.y - (dy / m) * length, from.z) : out.copy(from);
}

export class LiveLayer {
  readonly group = new THREE.Group();
  private readonly block: THREE.Group;
  private readonly pusher: THREE.Mesh;
  private readonly target: THREE.Mesh;
  private readonly pendingOutline: THREE.LineLoop;
  private readonly tokens: THREE.Mesh[] = [];
  private readonly ghosts: THREE.Mesh[] = [];
  private readonly rings: THREE.Mesh[] = [];
  private readonly residuals: Arrow[] = [];
  private readonly afterimages: Afterimage[] = [];
  private readonly terms: Record<DecompositionTerm, Arrow>;
  private readonly agentTrail: THREE.Line;
  private readonly blockTrail: THREE.Line;
  private readonly a = new THREE.Vector3();
  private readonly b = new THREE.Vector3();
  private readonly c = new THREE.Vector3();

  constructor(
    readonly numTokens: number,
    maxTrail: number,
  ) {
    const blockMesh = new THREE.Mesh(new THREE.ExtrudeGeometry(tShape(), { depth: HEIGHT.block, bevelEnabled: false }), new THREE.MeshLambertMaterial({ color: COLORS.block }));
    const blockEdges = new THREE.LineSegments(new THREE.EdgesGeometry(blockMesh.geometry), new THREE.LineBasicMaterial({ color: 0x4a5561 }));
    this.block = new THREE.Group();
    this.block.add(blockMesh, blockEdges);

    this.pusher = new THREE.Mesh(new THREE.CylinderGeometry(AGENT_RADIUS, AGENT_RADIUS, HEIGHT.pusher, 32), new THREE.MeshLambertMaterial({ color: COLORS.pusher }));
    this.pusher.rotation.x = Math.PI / 2; // the cylinder's axis from y to z

    this.target = new THREE.Mesh(new THREE.RingGeometry(TARGET_RADIUS - 1.5, TARGET_RADIUS, 24), new THREE.MeshBasicMaterial({ color: TERM_COLORS.total, side: THREE.DoubleSide }));

    const dashed = new THREE.LineDashedMaterial({ color: 0xffd43b, dashSize: 6, gapSize: 4, depthTest: false });
    this.pendingOutline = new THREE.LineLoop(tOutlineGeometry(), dashed);
    this.pendingOutline.computeLineDistances();
    this.pendingOutline.renderOrder = 11;

    const disc = new THREE.CircleGeometry(TOKEN_RADIUS, 16);
    const ghostRing = new THREE.RingGeometry(GHOST_RADIUS - 1.2, GHOST_RADIUS, 20);
    const attentionRing = new THREE.RingGeometry(ATTENTION_INNER, ATTENTION_INNER + ATTENTION_WIDTH, 32);
    for (let k = 0; k < numTokens; k++) {
      const agent = k === numTokens - 1;
      this.tokens.push(new THREE.Mesh(disc, new THREE.MeshBasicMaterial({ color: agent ? TOKEN_COLORS.agent : TOKEN_COLORS.keypoint })));
      this.ghosts.push(new THREE.Mesh(ghostRing, new THREE.MeshBasicMaterial({ color: TOKEN_COLORS.ghost, transparent: true, opacity: 0.75, side: THREE.DoubleSide })));
      this.rings.push(new THREE.Mesh(attentionRing, new THREE.MeshBasicMaterial({ color: TOKEN_COLORS.attention, transparent: true, opacity: 0.5, side: THREE.DoubleSide, depthWrite: false })));
      this.residuals.push(new Arrow(0xffffff));
      this.afterimages.push(new Afterimage());
    }
    this.terms = termArrows();

    this.agentTrail = trailLine(maxTrail, TRAIL_COLORS.agent);
    this.blockTrail = trailLine(maxTrail, TRAIL_COLORS.object);

    this.group.add(this.block, this.pusher, this.target, this.pendingOutline, this.agentTrail, this.blockTrail, ...this.tokens, ...this.ghosts, ...this.rings);
    for (const r of this.residuals) this.group.add(r.object);
    for (const a of this.afterimages) this.group.add(a.arrow.object);
    for (const t of DECOMPOSITION_TERMS) this.group.add(this.terms[t].object);
  }

  /** Draws the lane's frame; returns whether something is still animating (an afterimage fading). */
  update(v: LaneViews, layout: LaneLayout, trail: Float32Array, pending: { dx: number; dy: number; dtheta: number }, opts: ArrowOptions): boolean {
    const s = v.scalar;
    const pose: Pose = { x: s('blockX'), y: s('blockY'), angle: s('blockAngle') };
    placeAtPose(this.block, pose, 0);
    this.pusher.position.set(s('agentX'), -s('agentY'), HEIGHT.pusher / 2);

    const moving = pending.dx !== 0 || pending.dy !== 0 || pending.dtheta !== 0;
    this.pendingOutline.visible = moving;
    if (moving) placeAtPose(this.pendingOutline, { x: pose.x + pending.dx, y: pose.y + pending.dy, angle: pose.angle + pending.dtheta }, HEIGHT.block + 1);

    const N = this.numTokens;
    const hasPrediction = s('hasPrediction') === 1;
    const hasReflex = s('hasReflex') === 1;
    const residualPx = (k: number) => Math.hypot(v.deltaZ[3 * k] * PX, v.deltaZ[3 * k + 1] * PX, v.deltaZ[3 * k + 2] * PX);
    if (hasPrediction) for (let k = 0; k < N; k++) autoScales.deltaZ.see(residualPx(k), opts.now);
    const deltaZGain = autoScales.deltaZ.gain(opts.now);
    let animating = false;
    for (let k = 0; k < N; k++) {
      const z = (k === N - 1 ? HEIGHT.pusher : HEIGHT.block) + 0.6;
      const x = denormaliseCoord(pushTSpec, 0, v.tokens[3 * k]);
      const y = denormaliseCoord(pushTSpec, 1, v.tokens[3 * k + 1]);
      this.tokens[k].position.copy(tableToWorld(x, y, z + 0.2, this.a));

      const ghost = this.ghosts[k];
      ghost.visible = hasPrediction;
      const arrow = this.residuals[k];
      if (hasPrediction) {
        ghost.position.copy(tableToWorld(denormaliseCoord(pushTSpec, 0, v.predicted[3 * k]), denormaliseCoord(pushTSpec, 1, v.predicted[3 * k + 1]), z, this.a));
        const m = residualPx(k);
        const color = residualColor(m);
        arrow.setColor(...color);
        const from = this.b.copy(ghost.position).setZ(z + 0.4);
        const to = along(from, v.deltaZ[3 * k], v.deltaZ[3 * k + 1], drawnLength(opts.deltaZ, m, deltaZGain), this.c);
        arrow.set(from, to);
        this.afterimages[k].offer(m, from, to, color, opts.now);
      } else arrow.hide();
      if (this.afterimages[k].draw(opts.now)) animating = true;

      const ring = this.rings[k];
      ring.visible = hasReflex;
      if (hasReflex) {
        const w = Math.max(0, v.attention[k]);
        const outer = ATTENTION_BASE + ATTENTION_GAIN * Math.sqrt(w);
        // RingGeometry is inner..inner+1; scaling it sets both radii, so keep the width via the ratio.
        ring.scale.setScalar(outer / (ATTENTION_INNER + 1));
        ring.position.copy(tableToWorld(x, y, z - 0.1, this.a));
        (ring.material as THREE.MeshBasicMaterial).opacity = Math.min(0.45, 0.1 + w);
      }
    }

    const A = layout.actionDim;
    const total = decompositionTerm(v, 'total', A);
    const zTerms = HEIGHT.pusher + 2;
    this.target.position.copy(tableToWorld(total[0], total[1], Z.trail + 0.2, this.a));
    const agent = tableToWorld(s('agentX'), s('agentY'), zTerms, this.b);
    this.terms.total.set(agent, tableToWorld(total[0], total[1], zTerms, this.c));
    if (s('hasDecomposition') === 1) {
      const prior = decompositionTerm(v, 'prior', A);
      this.terms.prior.set(agent, tableToWorld(prior[0], prior[1], zTerms, this.c));
      const increments = shownIncrements(opts);
      for (const t of increments) autoScales.terms.see(Math.hypot(...decompositionTerm(v, t, A)), opts.now);
      const termGain = autoScales.terms.gain(opts.now);
      const at = tableToWorld(prior[0], prior[1], zTerms, this.a);
      for (const t of increments) {
        const d = decompositionTerm(v, t, A);
        const next = along(at, d[0], d[1], drawnLength(opts.terms, Math.hypot(d[0], d[1]), termGain), this.c);
        this.terms[t].set(at, next);
        at.copy(next);
      }
      if (!opts.showNoise) this.terms.noise.hide();
    } else for (const t of ['prior', 'reflex', 'strategy', 'noise'] as const) this.terms[t].hide();

    fillTrail(this.agentTrail, trail, 0, pixelsToScene);
    fillTrail(this.blockTrail, trail, 2, pixelsToScene);
    return animating;
  }


  dispose(): void {
    for (const r of this.residuals) r.dispose();
    for (const a of this.afterimages) a.dispose();
    for (const t of DECOMPOSITION_TERMS) this.terms[t].dispose();
    disposeTree(this.group);
  }
}

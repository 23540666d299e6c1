// The Push-T expert: a privileged push planner that produces the demonstrations and the "expert" row of
// every evaluation table.
//
// Each decision it tries every push primitive (a contact point on the T and a push direction, tShape.ts)
// in its own copy of the simulator: the block is put at its current pose, the pusher just off the contact
// point, and the pusher driven through the block along the push line for a few control steps. Because
// the block is quasi-static, its pose depends only on how far the pusher has travelled, so every recorded
// control step of that rollout is a candidate push depth. The primitive and depth with the fastest
// progress, log(cost before / cost after) per control step (travel to the contact included), wins.
// Execution: travel round the block to the push line (route.ts), push to the chosen depth, replan
// (the plan and its constants are shared with push-3d's expert: expertGeometry/pushPlan.ts).
// Primitives whose first half pixel of push (the frictionless quasi-static twist: v = dir/m,
// ω = (r × dir)/I) would raise the cost are skipped without simulating them. Disturbances (the block
// moving while the pusher travels) trigger a replan.
//
// A target bias (a miscalibrated arm) is estimated from the pusher's own motion: the PD law is linear,
// so the gap between where the pusher went and where the commanded target should have taken it is a
// fixed multiple of the bias. The expert subtracts its estimate from every command.
//
// Deterministic: no randomness; its simulator copy is its own, so results do not depend on other envs.
import { AGENT_RADIUS, BLOCK_COG, BLOCK_INERTIA, BLOCK_MASS, K_P, K_V, SUBSTEPS_PER_ACTION, SUBSTEP_DT, WORKSPACE_SIZE, type Pose } from './pusht/geometry';
import { PushTEnv, zeroState, type PushTState } from './pusht/pushTEnv';
import { ROLLOUT_DEPTHS, ROLLOUT_STEPS, drifted, followPlan, newPlan, progressRate, pushCandidates, type PushPlan } from './expertGeometry/pushPlan';
import { estimateBias, type PdGains } from './pdBias';
import { dirToWorld, poseCost, toWorld, type PushContact } from './expertGeometry/tShape';

const PD_GAINS: PdGains = { kp: K_P, kv: K_V, dt: SUBSTEP_DT, substeps: SUBSTEPS_PER_ACTION };

export class PushTExpert {
  private readonly sim: PushTEnv;
  private readonly scratch: PushTState = zeroState();
  private plan: PushPlan | null = null;
  // Target-bias estimate and what it needs from the previous step.
  private biasX = 0;
  private biasY = 0;
  private prev: { x: number; y: number; vx: number; vy: number; tx: number; ty: number } | null = null;

  /** `sim` is the expert's private simulator copy (requires Rapier initialised). */
  constructor(sim: PushTEnv = new PushTEnv()) {
    this.sim = sim;
  }

  /** Forget the plan and the bias estimate: a new episode starts. */
  reset(): void {
    this.plan = null;
    this.biasX = 0;
    this.biasY = 0;
    this.prev = null;
  }

  /** The target (pixels) to command for the observed state. */
  act(s: PushTState): [number, number] {
    this.updateBias(s);
    const block: Pose = { x: s.blockX, y: s.blockY, angle: s.blockAngle };
    let target = this.follow(s, block);
    if (target === null) {
      this.plan = this.decide(s, block);
      target = this.follow(s, block);
    }
    const [x, y] = target ?? [s.agentX, s.agentY];
    // Command the point that, after the bias is added, lands on the intended target.
    const tx = clamp(x - this.biasX);
    const ty = clamp(y - this.biasY);
    this.prev = { x: s.agentX, y: s.agentY, vx: s.agentVx, vy: s.agentVy, tx, ty };
    return [tx, ty];
  }

  /** The current estimate of the target bias (pixels). */
  get biasEstimate(): [number, number] {
    return [this.biasX, this.biasY];
  }

  /** Frees the simulator copy. */
  free(): void {
    this.sim.free();
  }

  // ── executing a plan ───────────────────────────────────────────────────────────────────────────────
  /** The next target under the current plan, or null when a new decision is needed. */
  private follow(s: PushTState, block: Pose): [number, number] | null {
    const plan = this.plan;
    if (plan === null) return null;
    if (plan.phase === 'travel' && drifted(plan.pose, block)) return null;
    return followPlan(plan, block, { x: s.agentX, y: s.agentY, speed: Math.hypot(s.agentVx, s.agentVy) }, AGENT_RADIUS, true);
  }

  // ── deciding ───────────────────────────────────────────────────────────────────────────────────────
  private decide(s: PushTState, block: Pose): PushPlan | null {
    const cost0 = poseCost(block);
    const reachable = (lx: number, ly: number) => {
      const [wx, wy] = toWorld(block, lx, ly);
      return wx >= 0 && wx <= WORKSPACE_SIZE && wy >= 0 && wy <= WORKSPACE_SIZE;
    };
    const promising = (c: PushContact) => poseCost(nudge(block, c)) < cost0;
    let best: PushPlan | null = null;
    let bestRate = 0;
    for (const p of pushCandidates(block, s.agentX, s.agentY, AGENT_RADIUS, reachable, promising)) {
      for (const depth of ROLLOUT_DEPTHS) {
        this.scratch.agentX = p.wqx;
        this.scratch.agentY = p.wqy;
        this.scratch.agentVx = 0;
        this.scratch.agentVy = 0;
        this.scratch.blockX = block.x;
        this.scratch.blockY = block.y;
        this.scratch.blockAngle = block.angle;
        this.sim.setState(this.scratch);
        const tx = p.wqx + p.wdx * depth;
        const ty = p.wqy + p.wdy * depth;
        for (let k = 1; k <= ROLLOUT_STEPS; k++) {
          this.sim.step(tx, ty);
          const rate = progressRate(cost0, poseCost(this.sim.block), p.travel, k);
          if (rate > bestRate) {
            bestRate = rate;
            best = newPlan(p, block, (this.sim.agentX - p.wqx) * p.wdx + (this.sim.agentY - p.wqy) * p.wdy);
          }
        }
      }
    }
    return best;
  }

  // ── target bias ────────────────────────────────────────────────────────────────────────────────────
  /** The bias that explains the pusher's last step (pdBias.ts: the PD law is affine in the target). */
  private updateBias(s: PushTState): void {
    const prev = this.prev;
    if (prev === null) return;
    // Commands clamped at the workspace edge do not show the bias linearly; skip them.
    const edge = (t: number) => t <= 0 || t >= WORKSPACE_SIZE;
    if (!edge(prev.tx + this.biasX)) this.biasX = estimateBias(prev.x, prev.vx, prev.tx, s.agentX, PD_GAINS);
    if (!edge(prev.ty + this.biasY)) this.biasY = estimateBias(prev.y, prev.vy, prev.ty, s.agentY, PD_GAINS);
  }
}

/** Pose after an infinitesimal frictionless push at contact c (a 0.5 px step of the contact's twist). */
function nudge(block: Pose, c: PushContact): Pose {
  const eps = 0.5;
  // Impulse along the push direction at the contact: v = dir/m, ω = (r × dir)/I about the centre of gravity.
  const rx = c.px - BLOCK_COG[0];
  const ry = c.py - BLOCK_COG[1];
  const omega = ((rx * c.dy - ry * c.dx) * BLOCK_MASS) / BLOCK_INERTIA;
  const [wx, wy] = dirToWorld(block, c.dx, c.dy);
  const [gx, gy] = toWorld(block, BLOCK_COG[0], BLOCK_COG[1]);
  const da = eps * omega;
  const cos = Math.cos(da);
  const sin = Math.sin(da);
  const ox = block.x - gx;
  const oy = block.y - gy;
  return { x: gx + cos * ox - sin * oy + eps * wx, y: gy + sin * ox + cos * oy + eps * wy, angle: block.angle + da };
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > WORKSPACE_SIZE ? WORKSPACE_SIZE : v;
}

// One policy driving one live environment, with everything the playground draws: the closed loop of
// src/policy/closedLoop.ts (the code stage 2 trains and `eval` runs) for B = 1, keeping each term of the action
// apart. The executed action splits into the prior's point (a_0 plus the prior's Euler increments), the reflex,
// strategy and noise increments, which add up to the total. The expert (a privileged planner with its own
// simulator copy) has no decomposition; Φ, when trained, still predicts next to it so its residuals can be watched.
// expert-chunks and expert-chunks-reflex execute the expert's plans n actions at a time: the plan's action stands
// where the prior's point does, the reflex (when the policy has one) corrects it.
import type { Config } from '../core/config';
import { ClosedLoop, type ChunkPlanner, type LoopParams } from '../policy/closedLoop';
import type { SdeParams } from '../policy/sde';
import { expertPlanner } from '../eval/expertPolicy';
import type { TaskExpert, TaskState } from '../sim/simTask';
import { simTask, type TaskName } from '../sim/tasks';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord, normaliseCoord } from '../sim/tokens';
import { PLANNED_CHUNK_POLICIES, type LivePolicyName } from './livePolicies';
import type { ModuleSet } from './policyModules';

/** The executed action's terms, pixels: the prior's point, then increments; prior + reflex + strategy + noise = total. */
export interface ActionTerms {
  prior: Float32Array;
  reflex: Float32Array;
  strategy: Float32Array;
  noise: Float32Array;
  total: Float32Array;
}

export function sdeParams(c: Config): SdeParams {
  const { sdeSteps, sdeMode, sigmaSchedule, sigmaMax, sigmaMin, sigmaFloor, reflexGain, strategyGain } = c;
  return { sdeSteps, sdeMode, sigmaSchedule, sigmaMax, sigmaMin, sigmaFloor, reflexGain, strategyGain };
}

/** The loop's parameters from the live config (σ, gains, n and the Δz-triggered re-plan change while it runs). */
function loopParams(c: Config, horizon: number): LoopParams {
  return { ...sdeParams(c), executeSteps: Math.min(c.executeSteps, horizon), replanThreshold: c.replanThreshold };
}

export class LivePolicy {
  readonly numTokens: number;
  readonly actionDim: number;
  /** Ŝ_t, what Φ predicted for the current observation (valid when hasPrediction). */
  readonly predicted: Float32Array;
  /** Δz_t = S_t − Ŝ_t (zero when nothing was predicted). */
  readonly deltaZ: Float32Array;
  hasPrediction = false;
  /** b_ψ(Δz, S_t) of the last action, before its gain, and its attention over the tokens (mean over heads and queries). */
  readonly reflexOut: Float32Array;
  readonly attention: Float32Array;
  /** The terms of the action executed last (pixels). */
  readonly terms: ActionTerms;
  /** True when the last act() sampled a new chunk. */
  decided = false;

  private readonly obsSize: number;
  private readonly expert: TaskExpert<TaskState> | null;
  private readonly expertTarget: Float64Array;
  private readonly expertAction: Float32Array;
  private readonly planner: ChunkPlanner | null;
  private readonly loop: ClosedLoop;

  constructor(
    readonly name: LivePolicyName,
    /** The modules this policy runs (see livePolicies.ts); shared with other lanes, never disposed here. */
    private readonly modules: ModuleSet,
    readonly spec: TaskSpec,
    /** The longest chunk a planner lane plans (the config's horizon, which bounds n). */
    planHorizon = 16,
  ) {
    this.numTokens = spec.numTokens;
    this.actionDim = spec.actionDim;
    this.obsSize = spec.numTokens * TOKEN_DIM;
    this.predicted = new Float32Array(this.obsSize);
    this.deltaZ = new Float32Array(this.obsSize);
    this.reflexOut = new Float32Array(this.actionDim);
    this.attention = new Float32Array(this.numTokens);
    const a = () => new Float32Array(this.actionDim);
    this.terms = { prior: a(), reflex: a(), strategy: a(), noise: a(), total: a() };
    this.expertTarget = new Float64Array(this.actionDim);
    this.expertAction = new Float32Array(this.actionDim);
    // The task's own expert (Push-T's or push-3d's planner); its physics engine is loaded before lanes are built.
    this.expert = name === 'expert' ? simTask(spec.name).createExpert() : null;
    this.planner = PLANNED_CHUNK_POLICIES.includes(name) ? expertPlanner(spec.name as TaskName, planHorizon) : null;
    if (!this.expert && !this.planner && !modules.prior) throw new Error(`policy ${name}: needs a prior`);
    const prior = this.expert || this.planner ? null : modules.prior!;
    const horizon = this.planner ? { horizon: planHorizon } : {};
    this.loop = new ClosedLoop({ prior, world: modules.world ?? null, reflex: modules.reflex ?? null, strategy: modules.strategy ?? null }, spec, 1, { recordTerms: true, ...horizon });
  }

  get hasReflex(): boolean {
    return this.modules.reflex !== undefined;
  }
  get hasWorld(): boolean {
    return this.modules.world !== undefined;
  }
  get hasDecomposition(): boolean {
    return this.expert === null;
  }

  /** A new episode with seed `episodeSeed`: the chunk, prediction, residual and reflex are forgotten, the noise reseeded. */
  reset(episodeSeed: number): void {
    this.expert?.reset();
    this.loop.resetEnv(0, episodeSeed);
    this.hasPrediction = false;
    this.predicted.fill(0);
    this.deltaZ.fill(0);
    this.reflexOut.fill(0);
    this.attention.fill(0);
    for (const t of Object.values(this.terms)) t.fill(0);
    this.decided = false;
  }

  /**
   * The action for observation `tokens` (S_t, normalised; `state` is the privileged state, read by the expert
   * only), written to `action` (normalised). Φ, when the policy has it, predicts Ŝ_{t+1}.
   */
  async act(tokens: Float32Array, state: TaskState, config: Config, action: Float32Array): Promise<void> {
    const A = this.actionDim;
    if (this.expert) {
      this.expert.act(state, this.expertTarget);
      for (let d = 0; d < A; d++) this.expertAction[d] = normaliseCoord(this.spec, d, this.expertTarget[d]);
    }
    const p = loopParams(config, this.loop.horizon || 1);
    const planned = this.planner !== null && this.loop.planChunks(this.planner, [state], p.executeSteps)[0] === 1;
    const j = this.expert ? 0 : this.loop.needsDecision(0) ? 0 : this.loop.chunkPosition(0);
    const { decision, step } = await this.loop.step(tokens, p, this.expert ? this.expertAction : null);
    this.decided = decision !== null || planned;
    action.set(step.actions);
    this.reflexOut.set(step.reflex);
    this.attention.set(step.attention);
    for (let d = 0; d < A; d++) this.terms.total[d] = denormaliseCoord(this.spec, d, action[d]);
    if (this.expert) return;

    // The chunk's terms at this step (a planned chunk is its own prior term), with the per-step corrections added
    // to the strategy and the reflex.
    const HA = this.loop.horizon * A;
    const c = this.loop.chunkTerms;
    for (let d = 0; d < A; d++) {
      const scale = this.spec.worldScale[d];
      this.terms.prior[d] = denormaliseCoord(this.spec, d, c[j * A + d]);
      this.terms.strategy[d] = (c[HA + j * A + d] + p.strategyGain * step.strategy[d]) * scale;
      this.terms.noise[d] = c[2 * HA + j * A + d] * scale;
      this.terms.reflex[d] = p.reflexGain * step.reflex[d] * scale;
    }
  }

  /** After the physics step: Δz = S_{t+1} − Ŝ_{t+1}. */
  observe(tokens: Float32Array): void {
    this.hasPrediction = this.loop.hasPrediction[0] === 1;
    if (this.hasPrediction) this.predicted.set(this.loop.predicted.subarray(0, this.obsSize));
    this.loop.observe(tokens);
    this.deltaZ.set(this.loop.deltaZ.subarray(0, this.obsSize));
  }

  dispose(): void {
    this.expert?.free();
    this.planner?.dispose();
  }
}

// The learned policies behind the eval runner's RolloutPolicy interface: each is the closed loop
// (src/policy/closedLoop.ts, the same code stage 2 trains and the playground runs) with some modules:
//
//   prior     v_θ alone: every n = executeSteps control steps an env samples a new H-step chunk (K Euler steps
//             from a_0 ~ N(0, I); σ = 0 is the deterministic ODE). Each env's noise stream is seeded by its
//             episode, so an episode's actions do not depend on which other envs share the batch.
//   reflex    the prior's chunk plus the reflex, every control step: a_t = chunk[j] + g_b·b_ψ(Δz history, S_t).
//   strategy  the prior with the PPO-trained strategy η_φ (per chunk in the sampler's drift, or per step, as it
//             was trained), reflex off.
//   sagr      strategy and reflex together: the full method.
//   Controls (src/policy/closedLoop.ts): integral (the prior with the non-learned integral reflex on the agent
//   token's residual), anchor (the prior whose chunk follows the object's unpredicted rigid motion, no network),
//   shuffled (sagr whose reflex reads another env's residuals), residual (the prior with a
//   strategy trained per control step, no reflex: residual RL without Δz).
//   Baselines: dsrl (the frozen prior whose initial noise a_0 ~ N(μ_φ(s), σ_φ²) a latent-rate strategy chooses, DSRL);
//   reinflow (ReinFlow's fine-tuned v_θ; its learned noise σ_k(s) joins the chain only when σ ≠ 0, so at σ = 0 it is
//   the fine-tuned prior's ODE, sampled as the prior's); rwfm and grpo (the prior alone, its weights fine-tuned by
//   reward-weighted flow matching or its GRPO variant); meanflow (a one-step prior distilled from the prior, MeanFlow
//   as in MP1: a = a_0 + u(a_0, 0, 1), one network evaluation per chunk).
//   Plans in place of the prior (a ChunkPlanner: src/eval/expertPolicy.ts): expert-chunks-reflex,
//   expert-chunks-integral and expert-chunks-shuffled run the expert's open-loop chunks through the same loop,
//   corrected from Δz by the reflex, the integral control, or the reflex on another env's residuals.
import type { Config } from '../core/config';
import { ClosedLoop, networkFreeSource, type ChunkPlanner, type LoopModules, type LoopParams, type ReflexSource, type StepOutput } from '../policy/closedLoop';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export type LearnedPolicyParams = LoopParams & Pick<Config, 'seed' | 'integralDecay'>;

// isDeterministic lives beside σ(τ) in policy/sde.ts (the closed loop reads it too: ReinFlow's learned noise is off at σ = 0).
export { isDeterministic } from '../policy/sde';

export interface ChunkedFlowOptions {
  reflexSource?: ReflexSource;
  /** Plans the chunks where `modules.prior` is null. */
  planner?: ChunkPlanner | null;
  /** dispose() frees the modules too (true: the CLI's, loaded for this policy; false: the playground's, shared). */
  ownsModules?: boolean;
}

export class ChunkedFlowPolicy implements RolloutPolicy {
  private readonly loop: ClosedLoop;
  private readonly obsSize: number;
  private readonly planner: ChunkPlanner | null;
  private readonly ownsModules: boolean;

  /** `modules.prior` samples the chunks, or, when it is null, `options.planner` plans them. */
  constructor(
    readonly name: string,
    private readonly modules: LoopModules,
    private readonly spec: TaskSpec,
    readonly numEnvs: number,
    private readonly params: LearnedPolicyParams,
    options: ChunkedFlowOptions = {},
  ) {
    this.planner = options.planner ?? null;
    this.ownsModules = options.ownsModules ?? true;
    if ((modules.prior === null) === (this.planner === null)) throw new Error(`${name}: chunks come from a prior or from a planner, one of the two`);
    const H = modules.prior?.config.horizon ?? this.planner!.horizon;
    if (!Number.isInteger(params.executeSteps) || params.executeSteps < 1 || params.executeSteps > H) {
      throw new Error(`executeSteps: ${params.executeSteps} is not in [1, ${H}] (${modules.prior ? "the checkpoint's horizon" : "the planner's"})`);
    }
    const horizon = this.planner ? { horizon: H } : {};
    this.loop = new ClosedLoop(modules, spec, numEnvs, { reflexSource: options.reflexSource, integralDecay: params.integralDecay, seed: params.seed, ...horizon });
    this.obsSize = spec.numTokens * TOKEN_DIM;
  }

  resetEnv(env: number, episodeSeed: number): void {
    this.loop.resetEnv(env, episodeSeed);
  }

  async act(obs: PolicyObservation): Promise<PolicyOutput> {
    const B = this.numEnvs;
    if (obs.numEnvs !== B || obs.tokens.length !== B * this.obsSize) throw new Error(`${this.name}: observation for ${obs.numEnvs} envs, policy built for ${B}`);
    // ‖Δz_t‖, the residual the corrections react to now (before act moves the history on).
    const deltaZNorm = this.modules.world ? this.loop.newestResidualNorms() : undefined;
    let replanned: Uint8Array;
    let step: StepOutput;
    if (this.planner) {
      replanned = this.loop.planChunks(this.planner, obs.states, this.params.executeSteps);
      step = await this.loop.act(obs.tokens, this.params);
    } else {
      const out = await this.loop.step(obs.tokens, this.params);
      replanned = new Uint8Array(B);
      for (const env of out.decision?.envs ?? []) replanned[env] = 1;
      step = out.step;
    }
    const A = this.spec.actionDim;
    const hasReflex = networkFreeSource(this.loop.reflexSource) || this.modules.reflex !== null;
    const reflexNorm = hasReflex ? Float32Array.from({ length: B }, (_, i) => Math.hypot(...step.reflex.subarray(i * A, (i + 1) * A))) : undefined;
    const predicted = this.modules.world ? this.loop.predicted.slice() : undefined;
    return { actions: step.actions, deltaZNorm, predicted, reflexNorm, replanned };
  }

  observe(tokens: Float32Array, dones: Uint8Array, finalTokens: Float32Array): void {
    this.loop.observe(tokens, dones, finalTokens);
  }

  dispose(): void {
    this.planner?.dispose();
    if (!this.ownsModules) return;
    const { prior, world, reflex, strategy } = this.modules;
    for (const m of new Set([prior, world, reflex, strategy])) m?.dispose();
  }
}

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
import type { Config } from '../core/config';
import { ClosedLoop, networkFreeSource, type LoopModules, type LoopParams, type ReflexSource } from '../policy/closedLoop';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export type LearnedPolicyParams = LoopParams & Pick<Config, 'seed' | 'integralDecay'>;

// isDeterministic lives beside σ(τ) in policy/sde.ts (the closed loop reads it too: ReinFlow's learned noise is off at σ = 0).
export { isDeterministic } from '../policy/sde';

export class ChunkedFlowPolicy implements RolloutPolicy {
  private readonly loop: ClosedLoop;
  private readonly obsSize: number;

  constructor(
    readonly name: string,
    private readonly modules: LoopModules & { prior: NonNullable<LoopModules['prior']> },
    private readonly spec: TaskSpec,
    readonly numEnvs: number,
    private readonly params: LearnedPolicyParams,
    reflexSource: ReflexSource = 'learned',
  ) {
    const H = modules.prior.config.horizon;
    if (!Number.isInteger(params.executeSteps) || params.executeSteps < 1 || params.executeSteps > H) {
      throw new Error(`executeSteps: ${params.executeSteps} is not in [1, ${H}] (the checkpoint's horizon)`);
    }
    this.loop = new ClosedLoop(modules, spec, numEnvs, { reflexSource, integralDecay: params.integralDecay, seed: params.seed });
    this.obsSize = spec.numTokens * TOKEN_DIM;
  }

  resetEnv(env: number, episodeSeed: number): void {
    this.loop.resetEnv(env, episodeSeed);
  }

  async act(obs: PolicyObservation): Promise<PolicyOutput> {
    const B = this.numEnvs;
    if (obs.numEnvs !== B || obs.tokens.length !== B * this.obsSize) throw new Error(`${this.name}: observation for ${obs.numEnvs} envs, policy built for ${B}`);
    // ‖Δz_t‖, the residual the corrections react to now (before act moves the history on).
    const deltaZNorm = this.modules.world ? this.newestResidualNorms() : undefined;
    const { decision, step } = await this.loop.step(obs.tokens, this.params);
    const replanned = new Uint8Array(B);
    for (const env of decision?.envs ?? []) replanned[env] = 1;
    const A = this.spec.actionDim;
    const hasReflex = networkFreeSource(this.loop.reflexSource) || this.modules.reflex !== null;
    const reflexNorm = hasReflex ? Float32Array.from({ length: B }, (_, i) => Math.hypot(...step.reflex.subarray(i * A, (i + 1) * A))) : undefined;
    const predicted = this.modules.world ? this.loop.predicted.slice() : undefined;
    return { actions: step.actions, deltaZNorm, predicted, reflexNorm, replanned };
  }

  observe(tokens: Float32Array, dones: Uint8Array, finalTokens: Float32Array): void {
    this.loop.observe(tokens, dones, finalTokens);
  }

  private newestResidualNorms(): Float32Array {
    const n = this.obsSize;
    const h = this.loop.history * n;
    return Float32Array.from({ length: this.numEnvs }, (_, i) => Math.hypot(...this.loop.deltaZ.subarray(i * h, i * h + n)));
  }

  dispose(): void {
    const { prior, world, reflex, strategy } = this.modules;
    for (const m of new Set([prior, world, reflex, strategy])) m?.dispose();
  }
}

// The learned policies behind the eval runner's RolloutPolicy interface.
//
//   prior   v_θ alone. When an env has executed n = executeSteps actions of its chunk (or has none), the
//           prior samples a new H-step chunk for it: the observation is encoded once, then K = sdeSteps
//           Euler steps of the velocity field run from a_0 ~ N(0, I). With σ = 0 this is the deterministic ODE
//           sample, and a_0 comes from the env's own stream (seeded by its episode), so an episode's actions do
//           not depend on which other envs share the batch. With σ > 0 the Euler–Maruyama chain of sde.ts runs
//           (zero reflex and strategy) on the policy's stream, seeded once per policy.
//   reflex  the prior's chunk plus the reflex, every control step: a_t = chunk[j] + g_b·b_ψ(Δz_t, S_t), where
//           Δz_t = S_t − Ŝ_t and Ŝ_t = S_{t−1} + Φ(S_{t−1}, a_{t−1}) was predicted at the previous step (Δz = 0
//           at reset). b is constant in flow time, so adding g_b·b to the sampled chunk is what the SDE's drift
//           term does (sde.ts: the constant terms add exactly g_b·b to the final action); adding it per executed
//           step lets the reflex react at the control rate while the chunk is replanned every n steps.
//   strategy the prior with the PPO-trained strategy in the sampler's drift: the chunk is sampled with
//           g_η·η_φ(S) added to the velocity at every Euler step (σ = 0: the ODE of v + g_η·η), reflex off.
//   sagr    strategy and reflex together: the full method, exactly as stage 2 trains it (src/train/closedLoop.ts).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { sampleOde, type FlowPrior } from '../policy/flowPrior';
import type { Reflex } from '../policy/reflex';
import type { Strategy } from '../policy/strategy';
import { goalTokensBatch } from '../policy/stateTokens';
import { sampleSde, sigmaAt, type SdeParams } from '../policy/sde';
import type { WorldPredictor } from '../policy/worldPredictor';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export type LearnedPolicyParams = SdeParams & Pick<Config, 'executeSteps' | 'seed'>;

/** The reflex's learned parts; without them the policy is the prior alone. */
export interface ReflexParts {
  world: WorldPredictor;
  reflex: Reflex;
}

/** True when σ(τ) is 0 at every step the sampler takes, i.e. the sample is the prior's ODE. */
export function isDeterministic(p: SdeParams): boolean {
  if (p.sdeMode === 'terminal') return p.sigmaMax === 0;
  return Array.from({ length: p.sdeSteps }, (_, k) => sigmaAt(k / p.sdeSteps, p)).every((s) => s === 0);
}

export class ChunkedFlowPolicy implements RolloutPolicy {
  readonly name: string;
  private readonly horizon: number;
  private readonly actionDim: number;
  private readonly obsSize: number;
  private readonly executeSteps: number;
  /** Per env: the current chunk [H·A], how many of its actions ran, its noise stream. */
  private readonly chunks: Float32Array[];
  private readonly executed: Int32Array;
  private readonly envRngs: Rng[];
  /** The policy's stream for the stochastic sampler (σ > 0). */
  private readonly sdeRng: Rng;
  /** Per env: Φ's prediction of the next observation [N·3], and whether there is one (none after a reset). */
  private readonly predicted: Float32Array;
  private readonly hasPrediction: Uint8Array;

  constructor(
    private readonly prior: FlowPrior,
    private readonly spec: TaskSpec,
    readonly numEnvs: number,
    private readonly params: LearnedPolicyParams,
    private readonly reflexParts: ReflexParts | null = null,
    private readonly strategy: Strategy | null = null,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new Error(`numEnvs: ${numEnvs} is not a positive integer`);
    this.name = strategy ? (reflexParts ? 'sagr' : 'strategy') : reflexParts ? 'reflex' : 'prior';
    this.horizon = prior.config.horizon;
    this.actionDim = spec.actionDim;
    this.obsSize = spec.numTokens * TOKEN_DIM;
    if (!Number.isInteger(params.executeSteps) || params.executeSteps < 1 || params.executeSteps > this.horizon) {
      throw new Error(`executeSteps: ${params.executeSteps} is not in [1, ${this.horizon}] (the checkpoint's horizon)`);
    }
    this.executeSteps = params.executeSteps;
    this.chunks = Array.from({ length: numEnvs }, () => new Float32Array(this.horizon * this.actionDim));
    this.executed = new Int32Array(numEnvs).fill(this.executeSteps); // no chunk yet: plan on the first act
    this.envRngs = Array.from({ length: numEnvs }, (_, i) => new Rng(deriveSeed(params.seed, 'policy/env', i)));
    this.sdeRng = new Rng(deriveSeed(params.seed, 'policy/sde'));
    this.predicted = new Float32Array(numEnvs * this.obsSize);
    this.hasPrediction = new Uint8Array(numEnvs);
  }

  resetEnv(env: number, episodeSeed: number): void {
    if (!Number.isInteger(env) || env < 0 || env >= this.numEnvs) throw new Error(`env index: ${env} is not in [0, ${this.numEnvs})`);
    this.executed[env] = this.executeSteps;
    this.envRngs[env] = new Rng(deriveSeed(episodeSeed, 'policy/noise'));
    this.hasPrediction[env] = 0;
  }

  async act(obs: PolicyObservation): Promise<PolicyOutput> {
    const B = this.numEnvs;
    if (obs.numEnvs !== B || obs.tokens.length !== B * this.obsSize) throw new Error(`${this.name}: observation for ${obs.numEnvs} envs, policy built for ${B}`);
    const replan: number[] = [];
    for (let i = 0; i < B; i++) if (this.executed[i] >= this.executeSteps) replan.push(i);
    if (replan.length) await this.plan(obs.tokens, replan);

    const A = this.actionDim;
    const actions = new Float32Array(B * A);
    for (let i = 0; i < B; i++) actions.set(this.chunks[i].subarray(this.executed[i] * A, (this.executed[i] + 1) * A), i * A);
    for (let i = 0; i < B; i++) this.executed[i]++;
    if (!this.reflexParts) return { actions };
    return this.addReflex(obs.tokens, actions);
  }

  /** Samples new chunks for envs `rows`. */
  private async plan(allTokens: Float32Array, rows: number[]): Promise<void> {
    const R = rows.length;
    const { horizon: H, actionDim: A, obsSize } = this;
    const tokens = new Float32Array(R * obsSize);
    rows.forEach((i, r) => tokens.set(allTokens.subarray(i * obsSize, (i + 1) * obsSize), r * obsSize));
    const deterministic = isDeterministic(this.params);
    const a0 = new Float32Array(R * H * A);
    if (deterministic) rows.forEach((i, r) => this.envRngs[i].fillNormal(a0.subarray(r * H * A, (r + 1) * H * A)));
    const chunk = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [R, this.spec.numTokens, TOKEN_DIM]);
      const goal = goalTokensBatch(this.spec, R);
      const velocity = this.prior.velocityFn(this.prior.encode(s, goal));
      const zeros = tf.zeros([R, A]) as tf.Tensor2D;
      const eta = this.strategy && this.params.strategyGain !== 0 ? this.strategy.apply(s, goal) : zeros;
      if (deterministic) {
        const drift = tf.reshape(tf.mul(eta, this.params.strategyGain), [R, 1, A]);
        return sampleOde((aTau, tau) => tf.add(velocity(aTau, tau), drift) as tf.Tensor3D, tf.tensor3d(a0, [R, H, A]), this.params.sdeSteps);
      }
      return sampleSde({ prior: velocity, horizon: H, reflex: zeros, strategy: eta }, this.params, this.sdeRng).action;
    });
    const values = (await chunk.data()) as Float32Array;
    chunk.dispose();
    rows.forEach((i, r) => {
      this.chunks[i].set(values.subarray(r * H * A, (r + 1) * H * A));
      this.executed[i] = 0;
    });
  }

  /** a_t += g_b·b_ψ(Δz_t, S_t); then Φ predicts the next observation for the next step's Δz. */
  private async addReflex(tokens: Float32Array, prior: Float32Array): Promise<PolicyOutput> {
    const { world, reflex } = this.reflexParts!;
    const B = this.numEnvs;
    const N = this.spec.numTokens;
    const deltaZ = new Float32Array(B * this.obsSize);
    for (let i = 0; i < B; i++) {
      if (!this.hasPrediction[i]) continue; // Δz = 0 at reset
      for (let j = i * this.obsSize; j < (i + 1) * this.obsSize; j++) deltaZ[j] = tokens[j] - this.predicted[j];
    }
    const out = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [B, N, TOKEN_DIM]);
      const b = reflex.apply(tf.tensor3d(deltaZ, [B, N, TOKEN_DIM]), s).correction;
      const action = tf.add(tf.tensor2d(prior, [B, this.actionDim]), tf.mul(b, this.params.reflexGain)) as tf.Tensor2D;
      return { action, b, next: world.predict(s, action) };
    });
    const [actions, b, next] = (await Promise.all([out.action.data(), out.b.data(), out.next.data()])) as Float32Array[];
    tf.dispose(out);
    this.predicted.set(next);
    this.hasPrediction.fill(1);
    const deltaZNorm = new Float32Array(B);
    const reflexNorm = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      let dz = 0;
      for (let j = i * this.obsSize; j < (i + 1) * this.obsSize; j++) dz += deltaZ[j] ** 2;
      deltaZNorm[i] = Math.sqrt(dz);
      let bb = 0;
      for (let d = 0; d < this.actionDim; d++) bb += b[i * this.actionDim + d] ** 2;
      reflexNorm[i] = Math.sqrt(bb);
    }
    return { actions, deltaZNorm, reflexNorm };
  }

  dispose(): void {
    this.prior.dispose();
    this.reflexParts?.world.dispose();
    this.reflexParts?.reflex.dispose();
    this.strategy?.dispose();
  }
}

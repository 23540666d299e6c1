// One policy driving one live environment, with everything the playground draws: the data path of DESIGN §3
// for B = 1, keeping each term of the action apart.
//
//   decision (every n = executeSteps control steps, or when there is no chunk):
//       η = η_φ(S_t) (strategy policies), then the SDE sampler draws an H-step chunk from the frozen prior v_θ
//       with η in its drift and the reflex left out (it is added per step, below);
//   every control step t:
//       b_t = b_ψ(Δz_t, S_t)             the reflex's reaction to the latest residual (and its attention)
//       a_t = chunk[j] + g_b·b_t
//       Ŝ_{t+1} = S_t + Φ(S_t, a_t)       (before the physics step)
//   after the physics step (observe):
//       Δz_{t+1} = S_{t+1} − Ŝ_{t+1}      (zero after a reset: nothing was predicted)
//
// This is the evaluation's policy (src/eval/learnedPolicies.ts: reflex per control step on a chunk replanned
// every n steps; b is constant in flow time, so adding g_b·b to the sampled action is the SDE drift's exact
// contribution), computed as one graph per step with one read-back. The executed action splits into the
// prior's point (a_0 plus the prior's Euler increments), the reflex, strategy and noise increments, which add up
// to the total. The expert (a privileged planner with its own simulator copy) has no decomposition; Φ, when
// trained, still predicts next to it so its residuals can be watched.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { sampleSde, type SdeParams } from '../policy/sde';
import { goalTokensBatch } from '../policy/stateTokens';
import type { TaskExpert, TaskState } from '../sim/simTask';
import { simTask } from '../sim/tasks';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord, normaliseCoord } from '../sim/tokens';
import type { LivePolicyName } from './livePolicies';
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

/** Chunk terms stored per decision, each [H, A] normalised: the prior's point, strategy, noise, and the sampled action. */
const CHUNK_PARTS = 4;

export class LivePolicy {
  readonly numTokens: number;
  readonly actionDim: number;
  /** Ŝ_t, what Φ predicted for the current observation (valid when hasPrediction). */
  readonly predicted: Float32Array;
  /** Δz_t = S_t − Ŝ_t (zero when nothing was predicted). */
  readonly deltaZ: Float32Array;
  hasPrediction = false;
  /** b_ψ(Δz_t, S_t) of the last action, before its gain, and its attention over the tokens (mean over heads and queries). */
  readonly reflexOut: Float32Array;
  readonly attention: Float32Array;
  /** The terms of the action executed last (pixels). */
  readonly terms: ActionTerms;
  /** True when the last act() sampled a new chunk. */
  decided = false;

  private readonly obsSize: number;
  private readonly expert: TaskExpert<TaskState> | null;
  private readonly expertTarget: Float64Array;
  private horizon = 0;
  /** [CHUNK_PARTS, H, A] of the current chunk, normalised. */
  private chunk = new Float32Array(0);
  private chunkStep = 0;
  private chunkLeft = 0;
  private rng = new Rng(0);
  private nextPrediction: Float32Array;

  constructor(
    readonly name: LivePolicyName,
    /** The modules this policy runs (see livePolicies.ts); shared with other lanes, never disposed here. */
    private readonly modules: ModuleSet,
    readonly spec: TaskSpec,
  ) {
    this.numTokens = spec.numTokens;
    this.actionDim = spec.actionDim;
    this.obsSize = spec.numTokens * TOKEN_DIM;
    this.predicted = new Float32Array(this.obsSize);
    this.nextPrediction = new Float32Array(this.obsSize);
    this.deltaZ = new Float32Array(this.obsSize);
    this.reflexOut = new Float32Array(this.actionDim);
    this.attention = new Float32Array(this.numTokens);
    const a = () => new Float32Array(this.actionDim);
    this.terms = { prior: a(), reflex: a(), strategy: a(), noise: a(), total: a() };
    this.expertTarget = new Float64Array(this.actionDim);
    // The task's own expert (Push-T's or push-3d's planner); its physics engine is loaded before lanes are built.
    if (name === 'expert') this.expert = simTask(spec.name).createExpert();
    else {
      if (!modules.prior) throw new Error(`policy ${name}: needs a prior`);
      this.expert = null;
      this.horizon = modules.prior.config.horizon;
      this.chunk = new Float32Array(CHUNK_PARTS * this.horizon * this.actionDim);
    }
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
    this.rng = new Rng(deriveSeed(episodeSeed, 'policy/noise'));
    this.chunkLeft = 0;
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
   * only), written to `action` (normalised). Also predicts Ŝ_{t+1} when the policy has Φ.
   */
  async act(tokens: Float32Array, state: TaskState, config: Config, action: Float32Array): Promise<void> {
    if (this.expert) return this.actExpert(tokens, state, action);
    const A = this.actionDim;
    const N = this.numTokens;
    const H = this.horizon;
    const { prior, strategy, reflex, world } = this.modules;
    const decide = this.chunkLeft === 0;
    const gain = reflex ? config.reflexGain : 0;
    // One graph, one read-back: [new chunk parts], [b, attention], [Ŝ], a.
    const out = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [1, N, TOKEN_DIM]);
      const parts: tf.Tensor[] = [];
      let chunkAction: tf.Tensor;
      if (decide) {
        const goal = goalTokensBatch(this.spec, 1);
        const eta = strategy ? strategy.apply(s, goal) : (tf.zeros([1, A]) as tf.Tensor2D);
        const sample = sampleSde({ prior: prior!.velocityFn(prior!.encode(s, goal)), horizon: H, reflex: tf.zeros([1, A]) as tf.Tensor2D, strategy: eta }, sdeParams(config), this.rng);
        const c = sample.contributions;
        parts.push(...[tf.add(c.initial, c.prior), c.strategy, c.noise, sample.action].map((t) => tf.reshape(t, [-1])));
        chunkAction = tf.slice(tf.reshape(sample.action, [H, A]), [0, 0], [1, A]);
      } else chunkAction = tf.tensor2d(this.chunk.subarray(3 * H * A + this.chunkStep * A, 3 * H * A + (this.chunkStep + 1) * A), [1, A]);
      let a = chunkAction;
      if (reflex) {
        const r = reflex.apply(tf.tensor3d(this.deltaZ, [1, N, TOKEN_DIM]), s);
        a = tf.add(a, tf.mul(r.correction, gain));
        parts.push(tf.reshape(r.correction, [-1]), tf.reshape(tf.mean(r.attention, [0, 1, 2]), [-1]));
      }
      if (world) parts.push(tf.reshape(world.predict(s, a as tf.Tensor2D), [-1]));
      parts.push(tf.reshape(a, [-1]));
      return tf.concat(parts);
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();

    let at = 0;
    const take = (n: number) => values.subarray(at, (at += n));
    if (decide) {
      this.chunk.set(take(CHUNK_PARTS * H * A));
      this.chunkStep = 0;
      this.chunkLeft = Math.min(config.executeSteps, H);
    }
    this.decided = decide;
    if (reflex) {
      this.reflexOut.set(take(A));
      this.attention.set(take(N));
    }
    if (world) this.nextPrediction.set(take(this.obsSize));
    action.set(take(A));

    const HA = H * A;
    const j = this.chunkStep * A;
    for (let d = 0; d < A; d++) {
      const scale = this.spec.worldScale[d];
      this.terms.prior[d] = denormaliseCoord(this.spec, d, this.chunk[j + d]);
      this.terms.strategy[d] = this.chunk[HA + j + d] * scale;
      this.terms.noise[d] = this.chunk[2 * HA + j + d] * scale;
      this.terms.reflex[d] = gain * this.reflexOut[d] * scale;
      this.terms.total[d] = denormaliseCoord(this.spec, d, action[d]);
    }
    this.chunkStep++;
    this.chunkLeft--;
  }

  private async actExpert(tokens: Float32Array, state: TaskState, action: Float32Array): Promise<void> {
    const target = this.expertTarget;
    this.expert!.act(state, target);
    for (let d = 0; d < this.actionDim; d++) {
      action[d] = normaliseCoord(this.spec, d, target[d]);
      this.terms.total[d] = target[d];
    }
    const world = this.modules.world;
    if (!world) return;
    const next = tf.tidy(() => world.predict(tf.tensor3d(tokens, [1, this.numTokens, TOKEN_DIM]), tf.tensor2d(action, [1, this.actionDim])));
    this.nextPrediction.set((await next.data()) as Float32Array);
    next.dispose();
  }

  /** After the physics step: Δz = S_{t+1} − Ŝ_{t+1}. */
  observe(tokens: Float32Array): void {
    if (!this.modules.world) return;
    this.predicted.set(this.nextPrediction);
    for (let j = 0; j < this.obsSize; j++) this.deltaZ[j] = tokens[j] - this.predicted[j];
    this.hasPrediction = true;
  }

  dispose(): void {
    this.expert?.free();
  }
}

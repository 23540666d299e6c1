// The SA-GR policy at run time for B environments, as stage 2 trains it: the data path of DESIGN §3 with its
// memory. The same mechanics as the evaluation's learned policies (src/eval/learnedPolicies.ts) and the
// playground's live policy (src/engine/livePolicy.ts):
//
//   decision step (every n = executeSteps control steps):
//     η = η_φ(S_t); the SDE sampler draws an H-step chunk from the frozen prior v_θ with g_η·η in its drift
//     (and no reflex: the reflex acts per control step, below). Stored: the chain residuals and log-prob.
//   every control step t (j-th action of the chunk):
//     b_t = b_ψ(Δz_t, S_t),   a_t = chunk[j] + g_b·b_t,   Ŝ_{t+1} = S_t + Φ(S_t, a_t)  (before the physics step)
//   after the physics step:
//     Δz_{t+1} = S_{t+1} − Ŝ_{t+1}   (zero after a reset, where nothing was predicted).
//
// Adding g_b·b_t to the sampled action is the reflex entering the drift of the chain's LAST Euler step (whose
// Gaussian noise is independent of b_t): the executed action is N(a_{K−1} + v·Δτ + g_η·η·Δτ + g_b·b_t, s_{K−1}²)
// given the chain so far. That keeps an exact likelihood in which b_t, computed from the residual observed
// when the action runs, is differentiable (ppoSagr.ts), while the reflex reacts at the control rate.
// A gain of 0 (or a missing module) switches a correction off without running its network.
// Everything per env lives in flat Float32Arrays; tensors exist only inside decide() and act().
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { FlowPrior } from '../policy/flowPrior';
import type { Reflex } from '../policy/reflex';
import { chainLogProb, sampleSde, stepGaussians, type SdeParams } from '../policy/sde';
import { goalTokensBatch } from '../policy/stateTokens';
import type { Strategy } from '../policy/strategy';
import type { WorldPredictor } from '../policy/worldPredictor';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';

export interface SagrModules {
  prior: FlowPrior;
  world: WorldPredictor;
  /** null: the reflex is off (prior and strategy ablations). */
  reflex: Reflex | null;
  /** null: the strategy is off (prior and reflex ablations). */
  strategy: Strategy | null;
}

/** What one decision produced for envs `envs` (row r of every array belongs to env envs[r]). */
export interface Decision {
  envs: Int32Array;
  /** M×K'×H×A chain residuals (K' = K for chain mode, 1 for terminal), sampled without the reflex. */
  residuals: Float32Array;
  /** log π of each chain, computed by chainLogProb as PPO will recompute it. */
  logProbs: Float32Array;
  /** M×A: η_φ before its gain (zero where switched off). */
  strategy: Float32Array;
}

/** What one control step did, per env. */
export interface StepOutput {
  /** B×A executed actions. */
  actions: Float32Array;
  /** B×A: b_ψ(Δz_t, S_t) before its gain (zero where the reflex is off or the env had no chunk). */
  reflex: Float32Array;
  /** Which action of its chunk each env executed (−1: none, the caller's idle action was used). */
  chunkStep: Int32Array;
}

/** Rows of a flat [B, rowSize] array, for the envs listed. */
export function gatherRows(source: Float32Array, rowSize: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let r = 0; r < rows.length; r++) out.set(source.subarray(rows[r] * rowSize, (rows[r] + 1) * rowSize), r * rowSize);
  return out;
}

/**
 * log π of stored decisions under (new) η and per-step b: `residuals` [M, K', H, A] were sampled without the
 * reflex; the executed action j < n got g_b·bOld_j in the chain's last step, so its last-step residual is
 * r + g_b·bOld_j with mean g_η·η·Δτ + g_b·bNew_j. Written as r + g_b·(bOld − bNew) against the chain's own mean,
 * it equals the stored residual exactly while b is unchanged. bOld, bNew: [M·n, A] in (decision, j) order;
 * executed: [M·n, 1], 0 for steps after the episode ended (they carried no reflex). Differentiable in η and bNew.
 */
export function executedLogProb(residuals: tf.Tensor4D, strategy: tf.Tensor2D, bOld: tf.Tensor2D, bNew: tf.Tensor2D, executed: tf.Tensor2D, sde: SdeParams): tf.Tensor1D {
  const [m, k, h, a] = residuals.shape;
  const n = bOld.shape[0] / m;
  if (!Number.isInteger(n) || n > h) throw new Error(`executedLogProb: ${bOld.shape[0]} reflex rows do not split into ${m} decisions of at most ${h} steps`);
  return tf.tidy(() => {
    const shift = tf.reshape(tf.mul(tf.mul(tf.sub(bOld, bNew), sde.reflexGain), executed), [m, 1, n, a]);
    const adjusted = tf.add(residuals, tf.pad(shift, [[0, 0], [k - 1, 0], [0, h - n], [0, 0]])) as tf.Tensor4D;
    return chainLogProb(adjusted, tf.zeros([m, a]), strategy, sde);
  });
}

/** K' of the stored residuals (K for chain mode, 1 for terminal). */
export function residualSteps(sde: SdeParams): number {
  return stepGaussians(sde).stds.length;
}

export class ClosedLoop {
  readonly numEnvs: number;
  readonly horizon: number;
  /** Per env, the latest residual Δz (B×N×3); zero after a reset. */
  readonly deltaZ: Float32Array;
  private readonly obsSize: number;
  private readonly actionDim: number;
  private readonly chunks: Float32Array;
  /** Actions of the current chunk still to execute; 0 means the env needs a decision. */
  private readonly chunkLeft: Int32Array;
  private readonly chunkStep: Int32Array;
  private readonly predicted: Float32Array;
  private readonly hasPrediction: Uint8Array;

  constructor(
    readonly modules: SagrModules,
    readonly spec: TaskSpec,
    numEnvs: number,
    readonly executeSteps: number,
  ) {
    this.numEnvs = numEnvs;
    this.horizon = modules.prior.config.horizon;
    if (!Number.isInteger(executeSteps) || executeSteps < 1 || executeSteps > this.horizon) throw new Error(`executeSteps: ${executeSteps} is not in [1, horizon ${this.horizon}]`);
    this.obsSize = spec.numTokens * TOKEN_DIM;
    this.actionDim = spec.actionDim;
    this.deltaZ = new Float32Array(numEnvs * this.obsSize);
    this.chunks = new Float32Array(numEnvs * this.horizon * this.actionDim);
    this.chunkLeft = new Int32Array(numEnvs);
    this.chunkStep = new Int32Array(numEnvs);
    this.predicted = new Float32Array(numEnvs * this.obsSize);
    this.hasPrediction = new Uint8Array(numEnvs);
  }

  needsDecision(env: number): boolean {
    return this.chunkLeft[env] === 0;
  }

  /** Forgets env `env`'s chunk, prediction and residual (a new episode starts there). */
  resetEnv(env: number): void {
    this.chunkLeft[env] = 0;
    this.hasPrediction[env] = 0;
    this.deltaZ.fill(0, env * this.obsSize, (env + 1) * this.obsSize);
  }

  /** Samples a new chunk for each env in `envs` from its tokens (B×N×3, all envs); `rng` gives the noise. */
  async decide(tokens: Float32Array, envs: Int32Array, sde: SdeParams, rng: Rng): Promise<Decision> {
    const m = envs.length;
    const { prior, strategy } = this.modules;
    const useStrategy = strategy !== null && sde.strategyGain !== 0;
    const [action, residuals, logProb, eta] = tf.tidy(() => {
      const s = tf.tensor3d(gatherRows(tokens, this.obsSize, envs), [m, this.spec.numTokens, TOKEN_DIM]);
      const goal = goalTokensBatch(this.spec, m);
      const noReflex = tf.zeros([m, this.actionDim]) as tf.Tensor2D;
      const eta = useStrategy ? strategy.apply(s, goal) : noReflex;
      const sample = sampleSde({ prior: prior.velocityFn(prior.encode(s, goal)), horizon: this.horizon, reflex: noReflex, strategy: eta }, sde, rng);
      return [sample.action, sample.residuals, chainLogProb(sample.residuals, noReflex, eta, sde), eta];
    });
    const [chunkValues, residualValues, logProbs, strategyValues] = (await Promise.all([action, residuals, logProb, eta].map((t) => t.data()))) as Float32Array[];
    tf.dispose([action, residuals, logProb, eta]);
    const chunkSize = this.horizon * this.actionDim;
    for (let r = 0; r < m; r++) {
      const env = envs[r];
      this.chunks.set(chunkValues.subarray(r * chunkSize, (r + 1) * chunkSize), env * chunkSize);
      this.chunkLeft[env] = this.executeSteps;
      this.chunkStep[env] = 0;
    }
    return { envs, residuals: residualValues, logProbs, strategy: strategyValues };
  }

  /**
   * One control step for every env: a_t = chunk[j] + g_b·b_ψ(Δz_t, S_t), then Φ predicts S_{t+1}. An env without
   * a chunk left executes its row of `idleActions` (no reflex) and must be given one.
   */
  async act(tokens: Float32Array, reflexGain: number, idleActions: Float32Array | null = null): Promise<StepOutput> {
    const B = this.numEnvs;
    const A = this.actionDim;
    const N = this.spec.numTokens;
    const base = new Float32Array(B * A);
    const gain = new Float32Array(B);
    const chunkStep = new Int32Array(B).fill(-1);
    for (let i = 0; i < B; i++) {
      if (this.chunkLeft[i] > 0) {
        chunkStep[i] = this.chunkStep[i];
        const from = (i * this.horizon + this.chunkStep[i]) * A;
        base.set(this.chunks.subarray(from, from + A), i * A);
        gain[i] = reflexGain;
        this.chunkStep[i]++;
        this.chunkLeft[i]--;
      } else {
        if (!idleActions) throw new Error(`closed loop: env ${i} has no chunk to execute (decide first)`);
        base.set(idleActions.subarray(i * A, (i + 1) * A), i * A);
      }
    }
    const { reflex, world } = this.modules;
    const useReflex = reflex !== null && reflexGain !== 0;
    const out = tf.tidy(() => {
      const s = tf.tensor3d(tokens, [B, N, TOKEN_DIM]);
      const b = useReflex ? reflex.apply(tf.tensor3d(this.deltaZ, [B, N, TOKEN_DIM]), s).correction : tf.zeros([B, A]);
      const action = tf.add(tf.tensor2d(base, [B, A]), tf.mul(b, tf.tensor2d(gain, [B, 1]))) as tf.Tensor2D;
      return { action, b, next: world.predict(s, action) };
    });
    const [actions, b, next] = (await Promise.all([out.action.data(), out.b.data(), out.next.data()])) as Float32Array[];
    tf.dispose(out);
    for (let i = 0; i < B; i++) if (chunkStep[i] < 0) b.fill(0, i * A, (i + 1) * A);
    this.predicted.set(next);
    this.hasPrediction.fill(1);
    return { actions, reflex: b, chunkStep };
  }

  /**
   * After a step: Δz = S_actual − Ŝ per env, where S_actual is `tokens`, or `finalTokens` for envs flagged in
   * `dones` (their tokens already show the next episode). Done envs are then reset. Returns ‖Δz‖² per env.
   */
  observe(tokens: Float32Array, dones?: Uint8Array, finalTokens?: Float32Array): Float32Array {
    const sq = new Float32Array(this.numEnvs);
    const n = this.obsSize;
    for (let env = 0; env < this.numEnvs; env++) {
      const actual = dones && dones[env] && finalTokens ? finalTokens : tokens;
      if (this.hasPrediction[env]) {
        let s = 0;
        for (let j = env * n; j < (env + 1) * n; j++) {
          const d = actual[j] - this.predicted[j];
          this.deltaZ[j] = d;
          s += d * d;
        }
        sq[env] = s;
      }
      this.hasPrediction[env] = 0;
      if (dones && dones[env]) this.resetEnv(env);
    }
    return sq;
  }
}

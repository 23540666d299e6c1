// Demonstrations → training examples, for every stage-0/1 learner.
//
//   split        episodes are divided into training and held-out sets by a seeded shuffle (never steps of
//                one episode on both sides: neighbouring steps are near-duplicates).
//   prior        example = (S_t, goal, a_{t:t+H}): the observation before step t and the next H demonstrated
//                actions (normalised). Past the episode's end the chunk repeats the last action, as Diffusion
//                Policy pads its sequences, so the prior learns to hold still once the task is done.
//   transitions  (S_{t−1}, a_{t−1}, S_t, a_t, S_{t+1}): Φ's dynamics data (Φ with motion reads the previous step
//                too) and the stage-1 hindsight data. At an episode's first step S_{t−1} = S_t and a_{t−1} holds the
//                agent still (its own position), as the closed loop has it after a reset.
//
// Batches are gathered into flat Float32Arrays (row-major [B, …]); the caller makes tensors from them.
import { deriveSeed, Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import { holdStillActions } from '../policy/stateTokens';
import { TOKEN_DIM } from '../sim/taskSpec';
import { taskSpec } from '../sim/tasks';

/** Fraction of episodes held out for validation metrics (at least one episode when there are two or more). */
export const HELD_OUT_FRACTION = 0.1;

export interface EpisodeSplit {
  train: number[];
  heldOut: number[];
}

/** Seeded split of `numEpisodes` episode indices; both lists are sorted. */
export function splitEpisodes(numEpisodes: number, seed: number, heldOutFraction = HELD_OUT_FRACTION): EpisodeSplit {
  if (!Number.isInteger(numEpisodes) || numEpisodes < 1) throw new Error(`demos: need at least one episode, got ${numEpisodes}`);
  const order = Array.from({ length: numEpisodes }, (_, i) => i);
  new Rng(deriveSeed(seed, 'train/episode-split')).shuffle(order);
  const numHeldOut = numEpisodes < 2 ? 0 : Math.max(1, Math.round(heldOutFraction * numEpisodes));
  const byIndex = (a: number, b: number) => a - b;
  return { heldOut: order.slice(0, numHeldOut).sort(byIndex), train: order.slice(numHeldOut).sort(byIndex) };
}

/**
 * The steps of some episodes, one entry per step row t: where its observation is, and where its episode's last
 * step row is (for chunk padding and for S_{t+1}).
 */
export interface StepIndex {
  /** Step rows (index into actions/states). */
  stepRows: Int32Array;
  /** Observation row of S_t (S_{t+1} is the next row). */
  obsRows: Int32Array;
  /** First and last step rows of the same episode. */
  firstStepRows: Int32Array;
  lastStepRows: Int32Array;
  count: number;
}

export function indexSteps(demos: DemoDataset, episodes: readonly number[]): StepIndex {
  const m = demos.manifest;
  const count = episodes.reduce((n, e) => n + m.episodeLengths[e], 0);
  const stepRows = new Int32Array(count);
  const obsRows = new Int32Array(count);
  const firstStepRows = new Int32Array(count);
  const lastStepRows = new Int32Array(count);
  let i = 0;
  for (const e of episodes) {
    if (!Number.isInteger(e) || e < 0 || e >= m.episodes) throw new Error(`demos: episode ${e} is not in [0, ${m.episodes})`);
    const first = m.stepOffsets[e];
    const last = first + m.episodeLengths[e] - 1;
    for (let s = first; s <= last; s++, i++) {
      stepRows[i] = s;
      obsRows[i] = s + e; // episode e's observation rows start at stepOffsets[e] + e
      firstStepRows[i] = first;
      lastStepRows[i] = last;
    }
  }
  return { stepRows, obsRows, firstStepRows, lastStepRows, count };
}

/** `count` indices drawn uniformly with replacement from [0, size). */
export function sampleIndices(rng: Rng, size: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.int(0, size);
  return out;
}

export interface PriorBatch {
  /** [B, N, 3]. */
  tokens: Float32Array;
  /** [B, H, A], normalised, padded past the episode's end with its last action. */
  chunks: Float32Array;
  size: number;
}

/** Gathers prior examples `picks` (indices into `index`) with chunk length `horizon`. */
export function gatherPriorBatch(demos: DemoDataset, index: StepIndex, picks: ArrayLike<number>, horizon: number): PriorBatch {
  const n = demos.manifest.numTokens * TOKEN_DIM;
  const a = demos.manifest.actionDim;
  const size = picks.length;
  const tokens = new Float32Array(size * n);
  const chunks = new Float32Array(size * horizon * a);
  for (let b = 0; b < size; b++) {
    const i = picks[b];
    const obs = index.obsRows[i];
    tokens.set(demos.tokens.subarray(obs * n, (obs + 1) * n), b * n);
    for (let k = 0; k < horizon; k++) {
      const row = Math.min(index.stepRows[i] + k, index.lastStepRows[i]);
      chunks.set(demos.actions.subarray(row * a, (row + 1) * a), (b * horizon + k) * a);
    }
  }
  return { tokens, chunks, size };
}

/** Transitions as flat arrays: prevTokens, tokens and next [M, N, 3] (S_{t−1}, S_t, S_{t+1}), prevActions and actions [M, A] normalised. */
export interface Transitions {
  prevTokens: Float32Array;
  prevActions: Float32Array;
  tokens: Float32Array;
  actions: Float32Array;
  next: Float32Array;
  count: number;
  numTokens: number;
  actionDim: number;
}

const TOKEN_FIELDS = ['prevTokens', 'tokens', 'next'] as const;
const ACTION_FIELDS = ['prevActions', 'actions'] as const;
const FIELDS = [...TOKEN_FIELDS, ...ACTION_FIELDS] as const;

/** `count` zeroed transitions. */
export function emptyTransitions(count: number, numTokens: number, actionDim: number): Transitions {
  const n = numTokens * TOKEN_DIM;
  const tokens = () => new Float32Array(count * n);
  const actions = () => new Float32Array(count * actionDim);
  return { prevTokens: tokens(), prevActions: actions(), tokens: tokens(), actions: actions(), next: tokens(), count, numTokens, actionDim };
}

/** Copies row `from` of `source` into row `to` of `target` (every field). */
function copyTransition(source: Transitions, from: number, target: Transitions, to: number): void {
  const n = source.numTokens * TOKEN_DIM;
  const a = source.actionDim;
  for (const f of TOKEN_FIELDS) target[f].set(source[f].subarray(from * n, (from + 1) * n), to * n);
  for (const f of ACTION_FIELDS) target[f].set(source[f].subarray(from * a, (from + 1) * a), to * a);
}

/** The demonstrated transitions of the indexed steps. */
export function demoTransitions(demos: DemoDataset, index: StepIndex): Transitions {
  return gatherTransitions(demos, index, Int32Array.from({ length: index.count }, (_, i) => i));
}

/** The demonstrated transitions at `picks` (indices into `index`). */
export function gatherTransitions(demos: DemoDataset, index: StepIndex, picks: ArrayLike<number>): Transitions {
  const n = demos.manifest.numTokens * TOKEN_DIM;
  const a = demos.manifest.actionDim;
  const out = emptyTransitions(picks.length, demos.manifest.numTokens, a);
  const spec = taskSpec(demos.manifest.task);
  for (let b = 0; b < picks.length; b++) {
    const i = picks[b];
    const obs = index.obsRows[i];
    const step = index.stepRows[i];
    const first = step === index.firstStepRows[i];
    out.tokens.set(demos.tokens.subarray(obs * n, (obs + 1) * n), b * n);
    out.next.set(demos.tokens.subarray((obs + 1) * n, (obs + 2) * n), b * n);
    out.actions.set(demos.actions.subarray(step * a, (step + 1) * a), b * a);
    out.prevTokens.set(demos.tokens.subarray((first ? obs : obs - 1) * n, (first ? obs + 1 : obs) * n), b * n);
    if (first) holdStillActions(spec, out.tokens.subarray(b * n, (b + 1) * n), 1, out.prevActions.subarray(b * a, (b + 1) * a));
    else out.prevActions.set(demos.actions.subarray((step - 1) * a, step * a), b * a);
  }
  return out;
}

/** Rows `picks` of a transition set. */
export function pickTransitions(t: Transitions, picks: ArrayLike<number>): Transitions {
  const out = emptyTransitions(picks.length, t.numTokens, t.actionDim);
  for (let b = 0; b < picks.length; b++) {
    const i = picks[b];
    if (!(i >= 0 && i < t.count)) throw new Error(`transitions: row ${i} is not in [0, ${t.count})`);
    copyTransition(t, i, out, b);
  }
  return out;
}

/** Several transition sets (of one task) as one. */
export function concatTransitions(parts: readonly Transitions[]): Transitions {
  if (parts.length === 0) throw new Error('transitions: nothing to concatenate');
  const { numTokens, actionDim } = parts[0];
  if (parts.some((p) => p.numTokens !== numTokens || p.actionDim !== actionDim)) throw new Error('transitions: parts differ in token count or action dimension');
  const out = emptyTransitions(parts.reduce((s, p) => s + p.count, 0), numTokens, actionDim);
  for (const key of FIELDS) {
    let at = 0;
    for (const p of parts) {
      out[key].set(p[key], at);
      at += p[key].length;
    }
  }
  return out;
}

// Φ's counterfactual data: transitions with perturbed actions, collected by replaying demonstration states in
// the simulator. Demonstrations alone show one action per state, so a predictor trained on them alone can
// ignore the action; here each stored state is restored exactly (a dataset row holds the task's whole
// physical state in the manifest's stateLayout: Push-T's quasi-static agent and block, push-3d's pusher and
// object with their velocities), a* + ε is executed with ε ~ N(0, σ²) in normalised units, and the
// observation that follows is recorded. Actions go through the task's vectorised env exactly as a policy's do
// (denormalised, clamped to the action space).
// Event replays add what no demonstration shows: the motion that follows a one-shot disturbance (push-3d's tipped
// pillar falling back, a kicked or displaced object), so that Φ predicts it instead of reading it as the action's.
import type { Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import { rowState, type AnySimTask } from '../sim/simTask';
import { TOKEN_DIM } from '../sim/taskSpec';
import { simTask } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { emptyTransitions, gatherTransitions, pickTransitions, type StepIndex, type Transitions } from './demoData';

/** Environments stepped together while replaying. Fixed, so a replay is deterministic: Rapier's contact cache
 * (warm starts) carries over between the states one env replays, so another value changes the last bits. */
const REPLAY_ENVS = 64;
/** Never truncate: replayed steps are single transitions, not episodes. */
const NO_STEP_LIMIT = 2 ** 30;

/**
 * For each of `copies` passes over the indexed steps: restore the state before a*_t, execute a*_t + ε (fresh
 * ε ~ N(0, noiseStd²) per transition, drawn from `rng` in order), record (S_t, a*_t + ε, S_{t+1}). The previous
 * step (S_{t−1}, a*_{t−1}) is the demonstration's: the restored state is where it led.
 */
export async function replayPerturbedTransitions(demos: DemoDataset, index: StepIndex, noiseStd: number, copies: number, rng: Rng): Promise<Transitions> {
  if (!(noiseStd >= 0)) throw new Error(`replay: noise std must be ≥ 0, got ${noiseStd}`);
  if (!Number.isInteger(copies) || copies < 0) throw new Error(`replay: copies must be a non-negative integer, got ${copies}`);
  const m = demos.manifest;
  const task = replayTask(demos);
  const n = m.numTokens * TOKEN_DIM;
  const a = m.actionDim;
  const S = m.stateLayout.length;
  const count = index.count * copies;
  const out = gatherTransitions(demos, index, Int32Array.from({ length: count }, (_, k) => k % index.count));
  if (count === 0) return out;
  const envs = Math.min(REPLAY_ENVS, count);
  const env = await createVecEnv(task, { numEnvs: envs, seed: 0, maxSteps: NO_STEP_LIMIT });
  const state = task.zeroState();
  const actions = new Float32Array(envs * a);
  try {
    for (let start = 0; start < count; start += envs) {
      const used = Math.min(envs, count - start);
      for (let j = 0; j < used; j++) {
        const k = start + j;
        const i = k % index.count;
        const row = index.stepRows[i];
        env.setState(j, rowState(task, demos.states, row * S, state));
        out.tokens.set(env.tokens.subarray(j * n, (j + 1) * n), k * n);
        for (let d = 0; d < a; d++) {
          const action = demos.actions[row * a + d] + noiseStd * rng.normal();
          actions[j * a + d] = action;
          out.actions[k * a + d] = action;
        }
      }
      // Envs past `used` replay their previous action; their results are not read.
      env.step(actions);
      for (let j = 0; j < used; j++) {
        // An env whose episode just ended (success, or push-3d's failure) has auto-reset: its transition's outcome is in finalTokens.
        const source = env.dones[j] ? env.finalTokens : env.tokens;
        out.next.set(source.subarray(j * n, (j + 1) * n), (start + j) * n);
      }
    }
  } finally {
    env.free();
  }
  return out;
}

/** The demonstrations' task, refusing a file whose state rows are not laid out as the task restores them. */
function replayTask(demos: DemoDataset): AnySimTask {
  const m = demos.manifest;
  const task = simTask(m.task);
  if (m.stateLayout.join(',') !== task.stateLayout.join(',')) throw new Error(`demos: stateLayout (${m.stateLayout.join(', ')}) is not ${m.task}'s (${task.stateLayout.join(', ')})`);
  return task;
}

/** Transitions after events, with the kind of event (`tilt`, `kick`, …) each row follows and how long after it. */
export interface EventTransitions extends Transitions {
  kinds: string[];
  /** Control steps since the event's step: 1 for the transition right after it, up to `steps − 1`. */
  sinceEvent: Int32Array;
}

/** A one-shot disturbance (an event at control step `at`: displace, kick, push-3d's tilt) from the task's training distribution. */
function drawEvent(task: AnySimTask, rng: Rng): TaskPerturbation & { at: number } {
  for (;;) {
    const p = task.trainingDisturbance(rng, 1);
    if ('at' in p && typeof p.at === 'number') return p as TaskPerturbation & { at: number };
  }
}

/**
 * `rollouts` short rollouts after one-shot disturbances: restore a demonstrated state (uniform over the indexed
 * steps), apply an event drawn from the task's training distribution (the sizes and directions stage 2 trains
 * under, never the evaluation suites' exact values) before its action, then execute the demonstration's next
 * actions + ε for `steps` control steps. Recorded: the transitions that follow the event's step (its own jump
 * cannot be predicted from S_t and is what Δz is for), up to `steps − 1` per rollout, fewer where the episode ends
 * (success, or push-3d's toppled pillar). Each transition's previous step is the rollout's, so the step right after
 * the event sees the jump in its motion inputs as it does at run time.
 */
export async function replayEventTransitions(demos: DemoDataset, index: StepIndex, noiseStd: number, rollouts: number, steps: number, rng: Rng): Promise<EventTransitions> {
  if (!(noiseStd >= 0)) throw new Error(`replay: noise std must be ≥ 0, got ${noiseStd}`);
  if (!Number.isInteger(rollouts) || rollouts < 0) throw new Error(`replay: rollouts must be a non-negative integer, got ${rollouts}`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`replay: an event rollout needs at least 2 steps, got ${steps}`);
  const m = demos.manifest;
  const task = replayTask(demos);
  const n = m.numTokens * TOKEN_DIM;
  const a = m.actionDim;
  const S = m.stateLayout.length;
  if (rollouts === 0 || index.count === 0) return { ...gatherTransitions(demos, index, []), kinds: [], sinceEvent: new Int32Array(0) };
  const envs = Math.min(REPLAY_ENVS, rollouts);
  const env = await createVecEnv(task, { numEnvs: envs, seed: 0, maxSteps: NO_STEP_LIMIT });
  const state = task.zeroState();
  const actions = new Float32Array(envs * a);
  const current = new Float32Array(envs * n); // S_k, before step k
  const prevTokens = new Float32Array(envs * n); // S_{k−1}
  const prevActions = new Float32Array(envs * a); // A_{k−1}
  const live = new Uint8Array(envs);
  const rows = new Int32Array(envs);
  const lastRows = new Int32Array(envs);
  const eventKinds: string[] = new Array(envs);
  // Room for every rollout's full length; trimmed to what was recorded at the end.
  const out = emptyTransitions(rollouts * (steps - 1), m.numTokens, a);
  const kinds: string[] = [];
  const sinceEvent: number[] = [];
  try {
    for (let start = 0; start < rollouts; start += envs) {
      const used = Math.min(envs, rollouts - start);
      // Draws in a fixed order: each rollout's start and event, then ε step by step.
      for (let j = 0; j < used; j++) {
        const i = rng.int(0, index.count);
        rows[j] = index.stepRows[i];
        lastRows[j] = index.lastStepRows[i];
        env.setState(j, rowState(task, demos.states, rows[j] * S, state));
        const event = { ...drawEvent(task, rng), at: env.episodeStep[j], jitter: 1 }; // now, exactly (jitter 1: no delay)
        env.setEpisodePerturbation(j, event);
        eventKinds[j] = event.kind;
        live[j] = 1;
      }
      for (let k = 0; k < steps; k++) {
        current.set(env.tokens);
        for (let j = 0; j < used; j++) {
          const row = Math.min(rows[j] + k, lastRows[j]);
          for (let d = 0; d < a; d++) actions[j * a + d] = demos.actions[row * a + d] + noiseStd * rng.normal();
        }
        // Envs past `used` replay their previous action; their results are not read.
        env.step(actions);
        for (let j = 0; j < used; j++) {
          if (!live[j]) continue;
          const tokens = (f: Float32Array) => f.subarray(j * n, (j + 1) * n);
          const action = (f: Float32Array) => f.subarray(j * a, (j + 1) * a);
          if (k > 0) {
            const r = kinds.length;
            out.prevTokens.set(tokens(prevTokens), r * n);
            out.prevActions.set(action(prevActions), r * a);
            out.tokens.set(tokens(current), r * n);
            out.actions.set(action(actions), r * a);
            out.next.set(tokens(env.dones[j] ? env.finalTokens : env.tokens), r * n);
            kinds.push(eventKinds[j]);
            sinceEvent.push(k);
          }
          prevTokens.set(tokens(current), j * n);
          prevActions.set(action(actions), j * a);
          if (env.dones[j]) live[j] = 0; // auto-reset: the rest of this rollout belongs to no state of the demonstrations
        }
      }
    }
  } finally {
    env.free();
  }
  return { ...pickTransitions(out, Int32Array.from(kinds, (_, r) => r)), kinds, sinceEvent: Int32Array.from(sinceEvent) };
}

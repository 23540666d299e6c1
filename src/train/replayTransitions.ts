// Φ's counterfactual data: transitions with perturbed actions, collected by replaying demonstration states in
// the simulator. Demonstrations alone show one action per state, so a predictor trained on them alone can
// ignore the action; here each stored state is restored exactly (a dataset row holds the task's whole
// physical state in the manifest's stateLayout: Push-T's quasi-static agent and block, push-3d's pusher and
// object with their velocities), a* + ε is executed with ε ~ N(0, σ²) in normalised units, and the
// observation that follows is recorded. Actions go through the task's vectorised env exactly as a policy's do
// (denormalised, clamped to the action space).
import type { Rng } from '../core/rng';
import type { DemoDataset } from '../sim/dataset';
import { rowState } from '../sim/simTask';
import { TOKEN_DIM } from '../sim/taskSpec';
import { simTask } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { gatherTransitions, type StepIndex, type Transitions } from './demoData';

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
  const task = simTask(m.task);
  if (m.stateLayout.join(',') !== task.stateLayout.join(',')) throw new Error(`demos: stateLayout (${m.stateLayout.join(', ')}) is not ${m.task}'s (${task.stateLayout.join(', ')})`);
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

// Φ's counterfactual data: transitions with perturbed actions, collected by replaying demonstration states in
// the simulator. Demonstrations alone show one action per state, so a predictor trained on them alone can
// ignore the action; here each stored state is restored exactly (Push-T's quasi-static block makes the
// stored (agent, velocity, block pose) a full state), a* + ε is executed with ε ~ N(0, σ²) in normalised
// units, and the observation that follows is recorded. Actions go through the vectorised env exactly as a
// policy's do (denormalised, clamped to the workspace).
import type { Rng } from '../core/rng';
import { STATE_DIM, type DemoDataset } from '../sim/dataset';
import { zeroState, type PushTState } from '../sim/pusht/pushTEnv';
import { TOKEN_DIM } from '../sim/taskSpec';
import { PushTVecEnv } from '../sim/vecEnv';
import type { StepIndex, Transitions } from './demoData';

/** Environments stepped together while replaying (any value gives the same transitions). */
const REPLAY_ENVS = 64;
/** Never truncate: replayed steps are single transitions, not episodes. */
const NO_STEP_LIMIT = 2 ** 30;

function stateAt(states: Float64Array, row: number, out: PushTState): PushTState {
  const s = row * STATE_DIM; // STATE_LAYOUT order
  out.agentX = states[s];
  out.agentY = states[s + 1];
  out.agentVx = states[s + 2];
  out.agentVy = states[s + 3];
  out.blockX = states[s + 4];
  out.blockY = states[s + 5];
  out.blockAngle = states[s + 6];
  return out;
}

/**
 * For each of `copies` passes over the indexed steps: restore the state before a*_t, execute a*_t + ε (fresh
 * ε ~ N(0, noiseStd²) per transition, drawn from `rng` in order), record (S_t, a*_t + ε, S_{t+1}).
 */
export async function replayPerturbedTransitions(demos: DemoDataset, index: StepIndex, noiseStd: number, copies: number, rng: Rng): Promise<Transitions> {
  if (!(noiseStd >= 0)) throw new Error(`replay: noise std must be ≥ 0, got ${noiseStd}`);
  if (!Number.isInteger(copies) || copies < 0) throw new Error(`replay: copies must be a non-negative integer, got ${copies}`);
  const m = demos.manifest;
  const n = m.numTokens * TOKEN_DIM;
  const a = m.actionDim;
  const count = index.count * copies;
  const out: Transitions = { tokens: new Float32Array(count * n), actions: new Float32Array(count * a), next: new Float32Array(count * n), count, numTokens: m.numTokens, actionDim: a };
  if (count === 0) return out;
  const envs = Math.min(REPLAY_ENVS, count);
  const env = await PushTVecEnv.create({ numEnvs: envs, seed: 0, maxSteps: NO_STEP_LIMIT });
  const state = zeroState();
  const actions = new Float32Array(envs * a);
  try {
    for (let start = 0; start < count; start += envs) {
      const used = Math.min(envs, count - start);
      for (let j = 0; j < used; j++) {
        const k = start + j;
        const i = k % index.count;
        const row = index.stepRows[i];
        env.setState(j, stateAt(demos.states, row, state));
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
        // An env that just succeeded has auto-reset: its transition's outcome is in finalTokens.
        const source = env.dones[j] ? env.finalTokens : env.tokens;
        out.next.set(source.subarray(j * n, (j + 1) * n), (start + j) * n);
      }
    }
  } finally {
    env.free();
  }
  return out;
}

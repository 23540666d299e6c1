// Generalised advantage estimation (Schulman et al. 2016), as in CleanRL's ppo_continuous_action.py, over flat
// rollout buffers laid out [T × B] (index t·B + b: step t of env b).
//
//   δ_t = r_t + γ·V(s_{t+1})·(1 − done_t) − V(s_t)
//   A_t = δ_t + γ·λ·(1 − done_t)·A_{t+1},      returns_t = A_t + V(s_t)
//
// Convention: done_t = 1 when the episode ENDED with transition t, so nothing flows back across it; V(s_T) is
// `lastValues`. A time-limit cut is not a true end: the caller folds γ·V(final observation) into r_t there
// and marks it done (the standard fix for truncation), so this function needs one flag, not two.
// In an SMDP (one transition spans n control steps) the caller passes γ^n as `discount`.

export interface GaeInputs {
  /** T, transitions per env. */
  numSteps: number;
  /** B, parallel envs. */
  numEnvs: number;
  rewards: Float32Array;
  values: Float32Array;
  /** 1 where the episode ended with this transition, else 0. */
  dones: Float32Array;
  /** V(s_T) [B], the bootstrap after the last transition. */
  lastValues: Float32Array;
  discount: number;
  gaeLambda: number;
}

export interface GaeResult {
  advantages: Float32Array;
  returns: Float32Array;
}

export function computeGae({ numSteps, numEnvs, rewards, values, dones, lastValues, discount, gaeLambda }: GaeInputs): GaeResult {
  const n = numSteps * numEnvs;
  for (const [name, arr] of [['rewards', rewards], ['values', values], ['dones', dones]] as const) {
    if (arr.length !== n) throw new Error(`gae: ${name} has ${arr.length} entries, expected T·B = ${numSteps}·${numEnvs}`);
  }
  if (lastValues.length !== numEnvs) throw new Error(`gae: lastValues has ${lastValues.length} entries, expected B = ${numEnvs}`);
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  for (let b = 0; b < numEnvs; b++) {
    let lastGaeLam = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + b;
      const nextNonTerminal = 1 - dones[i];
      const nextValue = t === numSteps - 1 ? lastValues[b] : values[i + numEnvs];
      const delta = rewards[i] + discount * nextValue * nextNonTerminal - values[i];
      lastGaeLam = delta + discount * gaeLambda * nextNonTerminal * lastGaeLam;
      advantages[i] = lastGaeLam;
      returns[i] = lastGaeLam + values[i];
    }
  }
  return { advantages, returns };
}

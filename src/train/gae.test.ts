import { describe, expect, it } from 'vitest';
import { computeGae } from './gae';

describe('computeGae', () => {
  // T = 3, B = 3, layout [t·B + b]. γ = 0.9, λ = 0.8, so γλ = 0.72.
  //   env 0: an episode ends after t = 1, so A_0 sees t = 1 but nothing of t = 2.
  //     δ2 = 3 + 0.9·2 − 1.5 = 3.3;  δ1 = 2 − 1 = 1 (done: no bootstrap);  δ0 = 1 + 0.9·1 − 0.5 = 1.4
  //     A = [1.4 + 0.72·1, 1, 3.3] = [2.12, 1, 3.3]
  //   env 1: no done, bootstrap V(s_T) = 1:  δ = [0, 0, 1.9] → A = [0.72²·1.9, 0.72·1.9, 1.9]
  //   env 2: done on the last step, so the bootstrap value 5 is ignored: A = [0.72², 0.72, 1]
  const T = 3;
  const B = 3;
  const interleave = (perEnv: number[][]) => Float32Array.from({ length: T * B }, (_, i) => perEnv[i % B][Math.floor(i / B)]);
  const inputs = {
    numSteps: T,
    numEnvs: B,
    rewards: interleave([[1, 2, 3], [0, 0, 1], [0, 0, 1]]),
    values: interleave([[0.5, 1, 1.5], [0, 0, 0], [0, 0, 0]]),
    dones: interleave([[0, 1, 0], [0, 0, 0], [0, 0, 1]]),
    lastValues: Float32Array.from([2, 1, 5]),
    discount: 0.9,
    gaeLambda: 0.8,
  };

  it('matches the hand-computed advantages and returns, with a done in the middle', () => {
    const { advantages, returns } = computeGae(inputs);
    const expectedAdv = interleave([[2.12, 1, 3.3], [0.72 * 0.72 * 1.9, 0.72 * 1.9, 1.9], [0.72 * 0.72, 0.72, 1]]);
    const expectedRet = interleave([[2.62, 2, 4.8], [0.72 * 0.72 * 1.9, 0.72 * 1.9, 1.9], [0.72 * 0.72, 0.72, 1]]);
    expectedAdv.forEach((x, i) => expect(advantages[i]).toBeCloseTo(x, 5));
    expectedRet.forEach((x, i) => expect(returns[i]).toBeCloseTo(x, 5));
  });

  it('λ = 1 gives discounted returns to the episode end (Monte Carlo), λ = 0 one-step TD', () => {
    const mc = computeGae({ ...inputs, gaeLambda: 1 });
    expect(mc.returns[0]).toBeCloseTo(1 + 0.9 * 2, 5); // env 0, t = 0: the episode ends at t = 1
    expect(mc.returns[1]).toBeCloseTo(0.81 * (1 + 0.9 * 1), 5); // env 1, t = 0: r2 + bootstrap, discounted twice
    const td = computeGae({ ...inputs, gaeLambda: 0 });
    expect(td.advantages[0]).toBeCloseTo(1.4, 5);
  });

  it('names the buffer whose length is wrong', () => {
    expect(() => computeGae({ ...inputs, dones: new Float32Array(4) })).toThrow(/dones/);
    expect(() => computeGae({ ...inputs, lastValues: new Float32Array(2) })).toThrow(/lastValues/);
  });
});

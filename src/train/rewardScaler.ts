// Reward scaling (CleanRL's gym.wrappers.NormalizeReward, detail 4 of "The 37 implementation details of PPO"):
// rewards are divided by the running standard deviation of each env's discounted return, so the critic's
// targets and the clipped value loss work at a scale of ~1 whatever α, β, γ and the chunk length make them.
// Only the learner sees scaled rewards; every log reports the raw ones.

const EPS = 1e-8;

/** Running mean and variance over a stream of batches (Chan et al.'s parallel update, as in gym). */
export interface RunningMoments {
  mean: number;
  var: number;
  count: number;
}

export class RewardScaler {
  private readonly discountedReturns: Float64Array;
  moments: RunningMoments = { mean: 0, var: 1, count: EPS };

  constructor(
    numEnvs: number,
    /** Discount between two transitions (γ^n for an n-step chunk). */
    private readonly discount: number,
  ) {
    this.discountedReturns = new Float64Array(numEnvs);
  }

  /** Scales one transition's rewards [B] in place; `dones` [B] marks transitions that ended an episode. */
  scale(rewards: Float32Array, dones: Float32Array): void {
    const b = rewards.length;
    let batchMean = 0;
    for (let i = 0; i < b; i++) {
      this.discountedReturns[i] = this.discountedReturns[i] * this.discount + rewards[i];
      batchMean += this.discountedReturns[i];
    }
    batchMean /= b;
    let batchVar = 0;
    for (let i = 0; i < b; i++) batchVar += (this.discountedReturns[i] - batchMean) ** 2;
    batchVar /= b;
    this.update(batchMean, batchVar, b);
    const std = Math.sqrt(this.moments.var + EPS);
    for (let i = 0; i < b; i++) {
      rewards[i] /= std;
      if (dones[i]) this.discountedReturns[i] = 0;
    }
  }

  /** The scale applied to rewards now. */
  get std(): number {
    return Math.sqrt(this.moments.var + EPS);
  }

  private update(batchMean: number, batchVar: number, batchCount: number): void {
    const { mean, var: variance, count } = this.moments;
    const delta = batchMean - mean;
    const total = count + batchCount;
    const m2 = variance * count + batchVar * batchCount + (delta * delta * count * batchCount) / total;
    this.moments = { mean: mean + (delta * batchCount) / total, var: m2 / total, count: total };
  }
}

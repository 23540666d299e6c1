// Paired comparison of two policies run on the same seeded episodes (every suite but shifted-init starts each
// episode from the same state for every policy, and its disturbance from the same draws). McNemar's exact test:
// only the discordant episodes carry information, and under "no difference" each of them is equally likely to
// favour either policy, so the count won by A is Binomial(discordant, ½). Two-sided p-value, exact.

export interface PairedTest {
  /** Episodes A solved and B did not, and the reverse. */
  aOnly: number;
  bOnly: number;
  /** (A − B) in points of success. */
  differencePoints: number;
  /** Two-sided exact p-value (1 when there are no discordant episodes). */
  pValue: number;
}

/** log C(n, k) via a running sum of logs (n is at most a few thousand here). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X ≤ k) for X ~ Binomial(n, ½). */
export function binomialHalfCdf(k: number, n: number): number {
  let p = 0;
  for (let i = 0; i <= k; i++) p += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, p);
}

/** McNemar's exact test on per-episode outcomes ('1' success, '0' failure, in episode order). */
export function mcnemarExact(a: string, b: string): PairedTest {
  if (a.length !== b.length || a.length === 0) throw new Error(`paired test: outcome strings of ${a.length} and ${b.length} episodes (need the same episodes)`);
  if (/[^01]/.test(a + b)) throw new Error('paired test: outcomes must be strings of 0 and 1');
  let aOnly = 0;
  let bOnly = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '1' && b[i] === '0') aOnly++;
    if (a[i] === '0' && b[i] === '1') bOnly++;
    diff += Number(a[i]) - Number(b[i]);
  }
  const n = aOnly + bOnly;
  const pValue = n === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(aOnly, bOnly), n));
  return { aOnly, bOnly, differencePoints: (100 * diff) / a.length, pValue };
}

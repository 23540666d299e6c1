// The claims the evaluation exists to check, computed from eval summaries rather than written by hand. Policies
// run on the same seeded episodes, so "A beats B" is decided by a paired test (McNemar's exact test on the
// episodes one solved and the other did not, paired.ts), not by comparing Wilson intervals. The targets, for the
// executed chunk lengths n that were evaluated. Push-T (issue #15):
//   - at the default n, the reflex policy ≥ prior + 25 points on the random-direction offset suite, and within
//     10 points of its own nominal success;
//   - at the default n, sagr ≥ prior + 10 points on displace and kick, and sagr's nominal drop ≤ 2 points;
//   - at long chunks (n ≥ 8), sagr ≥ prior + 20 points on displace, kick and offset with paired p < 0.01, and
//     sagr ≥ prior on nominal;
//   - at long chunks, sagr beats each control (integral reflex, anchored chunk, shuffled Δz, residual PPO) that was evaluated.
// push-3d (issue #17): at n = 8, sagr ≥ prior + 15 points on tilt, displace and offset (paired p < 0.05), and
// sagr's nominal drop ≤ 3 points.
import type { Interval } from './metrics';
import { mcnemarExact } from './paired';

/** The part of a suite summary the claims read. */
export interface SuccessSummary {
  episodes: number;
  successRate: number;
  successCI: Interval;
  /** Per-episode outcomes, '1'/'0' in episode order. */
  outcomes: string;
}

/** policy → cell (cellKey) → summary, as `eval --json` reports it. */
export type SummaryTable = Record<string, Record<string, SuccessSummary>>;

/** The results key of a suite at chunk length n: the suite alone when one n was run, else "suite n=N". */
export function cellKey(suite: string, n: number, executeSteps: readonly number[]): string {
  return executeSteps.length === 1 ? suite : `${suite} n=${n}`;
}

/** Chunk lengths from which the long-chunk targets apply. */
export const LONG_CHUNK = 8;
/** Significance levels: the long-chunk claims ask for p < 0.01, the others for p < 0.05. */
export const ALPHA_LONG = 0.01;
export const ALPHA = 0.05;
export const CONTROLS = ['integral', 'anchor', 'shuffled', 'residual'] as const;

export interface Claim {
  /** What is claimed, e.g. "sagr ≥ prior + 20 points on kick at n = 8 (paired p < 0.01)". */
  target: string;
  /** null when a policy or cell it needs was not evaluated. */
  met: boolean | null;
  /** The figures (or what is missing). */
  evidence: string;
}

const pct = (x: number) => (100 * x).toFixed(1);
const points = (d: number) => `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} points`;
const pText = (p: number) => (p < 1e-4 ? 'p < 0.0001' : `p = ${p.toPrecision(2)}`);
const describe = (name: string, s: SuccessSummary) => `${name} ${pct(s.successRate)}% [${pct(s.successCI.lo)}, ${pct(s.successCI.hi)}]`;

interface ClaimInput {
  table: SummaryTable;
  executeSteps: readonly number[];
  defaultN: number;
}

function lookup(x: ClaimInput, policy: string, suite: string, n: number): SuccessSummary | null {
  return x.table[policy]?.[cellKey(suite, n, x.executeSteps)] ?? null;
}

/** "A ≥ B + lead points on suite at n" with a paired test at level alpha (alpha null: the difference alone). */
function leadClaim(x: ClaimInput, a: string, b: string, suite: string, n: number, lead: number, alpha: number | null): Claim {
  const target = `${a} ≥ ${b}${lead > 0 ? ` + ${lead} points` : ''} on ${suite} at n = ${n}${alpha === null ? '' : ` (paired p < ${alpha})`}`;
  const [sa, sb] = [lookup(x, a, suite, n), lookup(x, b, suite, n)];
  if (!sa || !sb) return { target, met: null, evidence: `needs ${[!sa && a, !sb && b].filter(Boolean).join(' and ')} on ${suite} at n = ${n}` };
  const t = mcnemarExact(sa.outcomes, sb.outcomes);
  const met = t.differencePoints >= lead && (alpha === null || t.pValue < alpha);
  return { target, met, evidence: `${describe(a, sa)} vs ${describe(b, sb)} of ${sa.episodes}: ${points(t.differencePoints)}; ${t.aOnly} episodes solved by ${a} only, ${t.bOnly} by ${b} only, ${pText(t.pValue)}` };
}

function nominalDropClaim(x: ClaimInput, n: number, maxDrop: number): Claim {
  return { ...leadClaim(x, 'sagr', 'prior', 'nominal', n, -maxDrop, null), target: `sagr's nominal success at n = ${n} is at most ${maxDrop} points below prior's` };
}

function ownNominalClaim(x: ClaimInput, n: number): Claim {
  const target = `reflex's offset success at n = ${n} is within 10 points of its own nominal success`;
  const [offset, nominal] = [lookup(x, 'reflex', 'offset', n), lookup(x, 'reflex', 'nominal', n)];
  if (!offset || !nominal) return { target, met: null, evidence: `needs reflex on offset and nominal at n = ${n}` };
  const gap = 100 * (nominal.successRate - offset.successRate);
  return { target, met: gap <= 10, evidence: `${describe('offset', offset)} vs ${describe('nominal', nominal)}: ${gap >= 0 ? 'a drop' : 'a gain'} of ${Math.abs(gap).toFixed(1)} points` };
}

/** push-3d's targets hold at this chunk length. */
export const PUSH_3D_CHUNK = 8;

function push3dClaims(x: ClaimInput): Claim[] {
  if (!x.executeSteps.includes(PUSH_3D_CHUNK)) return [];
  return [...['tilt', 'displace', 'offset'].map((suite) => leadClaim(x, 'sagr', 'prior', suite, PUSH_3D_CHUNK, 15, ALPHA)), nominalDropClaim(x, PUSH_3D_CHUNK, 3)];
}

function pushTClaims(x: ClaimInput): Claim[] {
  const out: Claim[] = [];
  if (x.executeSteps.includes(x.defaultN)) {
    out.push(leadClaim(x, 'reflex', 'prior', 'offset', x.defaultN, 25, ALPHA), ownNominalClaim(x, x.defaultN));
    for (const suite of ['displace', 'kick']) out.push(leadClaim(x, 'sagr', 'prior', suite, x.defaultN, 10, ALPHA));
    out.push(nominalDropClaim(x, x.defaultN, 2));
  }
  for (const n of x.executeSteps.filter((m) => m >= LONG_CHUNK)) {
    for (const suite of ['displace', 'kick', 'offset']) out.push(leadClaim(x, 'sagr', 'prior', suite, n, 20, ALPHA_LONG));
    out.push(leadClaim(x, 'sagr', 'prior', 'nominal', n, 0, null));
    for (const control of CONTROLS) {
      if (!x.table[control]) continue;
      for (const suite of ['displace', 'kick', 'offset']) out.push(leadClaim(x, 'sagr', control, suite, n, 0, ALPHA));
    }
  }
  return out;
}

/** Every claim of `task`'s targets that the evaluated cells allow (Push-T: default n first, then each long n). */
export function claims(table: SummaryTable, executeSteps: readonly number[], defaultN: number, task = 'push-t'): Claim[] {
  const x: ClaimInput = { table, executeSteps, defaultN };
  const out = task === 'push-3d' ? push3dClaims(x) : pushTClaims(x);
  // Only the claims whose policies were all evaluated, unless nothing at all could be checked.
  const checked = out.filter((c) => c.met !== null);
  return checked.length ? checked : out;
}

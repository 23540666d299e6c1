// The claims the stage-2 evaluation exists to check, computed from eval summaries rather than written by hand.
// "A beats B" only when A's Wilson 95% interval lies wholly above B's; overlapping intervals are "no significant
// difference", whatever the point estimates say. Targets (issue #5): sagr beats prior by ≥ 15 points on displace
// and on kick, beats strategy there too (else the reflex adds nothing), and loses ≤ 3 points on nominal.
import type { Interval } from './metrics';

/** The part of a suite summary the claims read. */
export interface SuccessSummary {
  episodes: number;
  successRate: number;
  successCI: Interval;
}

/** policy → suite → summary, as `eval --json` reports it. */
export type SummaryTable = Record<string, Record<string, SuccessSummary>>;

export type Verdict = 'beats' | 'is beaten by' | 'no significant difference';

export interface Comparison {
  /** (A − B) in percentage points of success. */
  differencePoints: number;
  verdict: Verdict;
}

/** A vs B on success: "beats" / "is beaten by" only when the intervals do not overlap. */
export function compareSuccess(a: SuccessSummary, b: SuccessSummary): Comparison {
  const differencePoints = 100 * (a.successRate - b.successRate);
  const verdict: Verdict = a.successCI.lo > b.successCI.hi ? 'beats' : a.successCI.hi < b.successCI.lo ? 'is beaten by' : 'no significant difference';
  return { differencePoints, verdict };
}

/** Minimum lead of sagr over prior on the perturbation suites, in points. */
export const MIN_LEAD_POINTS = 15;
/** Maximum nominal drop of sagr below prior, in points. */
export const MAX_NOMINAL_DROP_POINTS = 3;
/** The suites on which the closed loop must pay off. */
export const CLAIM_SUITES = ['displace', 'kick'] as const;

export interface Claim {
  /** What is claimed, e.g. "sagr beats prior by ≥ 15 points on displace". */
  target: string;
  /** null when a policy or suite it needs was not evaluated. */
  met: boolean | null;
  /** The figures: both success rates with intervals, the difference, the verdict (or what is missing). */
  evidence: string;
}

const pct = (x: number) => (100 * x).toFixed(1);
const points = (d: number) => `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} points`;
const sentence = (a: string, v: Verdict, b: string) => (v === 'no significant difference' ? 'no significant difference (the intervals overlap)' : `${a} ${v} ${b}`);
const describe = (name: string, s: SuccessSummary) => `${name} ${pct(s.successRate)}% [${pct(s.successCI.lo)}, ${pct(s.successCI.hi)}] of ${s.episodes}`;

function pair(table: SummaryTable, a: string, b: string, suite: string): [SuccessSummary, SuccessSummary] | string {
  const missing = [a, b].filter((p) => !table[p]?.[suite]);
  return missing.length ? `needs ${missing.join(' and ')} on ${suite}` : [table[a][suite], table[b][suite]];
}

/** "sagr beats B on suite" (by at least `minLead` points when given). */
function beatsClaim(table: SummaryTable, b: string, suite: string, minLead: number | null): Claim {
  const target = `sagr beats ${b}${minLead === null ? '' : ` by ≥ ${minLead} points`} on ${suite}`;
  const p = pair(table, 'sagr', b, suite);
  if (typeof p === 'string') return { target, met: null, evidence: p };
  const c = compareSuccess(p[0], p[1]);
  const met = c.verdict === 'beats' && (minLead === null || c.differencePoints >= minLead);
  return { target, met, evidence: `${describe('sagr', p[0])} vs ${describe(b, p[1])}: ${points(c.differencePoints)}, ${sentence('sagr', c.verdict, b)}` };
}

function nominalDropClaim(table: SummaryTable): Claim {
  const target = `sagr's nominal success is at most ${MAX_NOMINAL_DROP_POINTS} points below prior's`;
  const p = pair(table, 'sagr', 'prior', 'nominal');
  if (typeof p === 'string') return { target, met: null, evidence: p };
  const c = compareSuccess(p[0], p[1]);
  const drop = -c.differencePoints;
  return {
    target,
    met: drop <= MAX_NOMINAL_DROP_POINTS,
    evidence: `${describe('sagr', p[0])} vs ${describe('prior', p[1])}: ${drop >= 0 ? 'drop' : 'gain'} of ${Math.abs(drop).toFixed(1)} points, ${sentence('sagr', c.verdict, 'prior')}`,
  };
}

/** Every claim of the stage-2 targets, in the issue's order. */
export function stage2Claims(table: SummaryTable): Claim[] {
  return [
    ...CLAIM_SUITES.map((suite) => beatsClaim(table, 'prior', suite, MIN_LEAD_POINTS)),
    ...CLAIM_SUITES.map((suite) => beatsClaim(table, 'strategy', suite, null)),
    nominalDropClaim(table),
  ];
}

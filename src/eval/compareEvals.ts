// Two evaluations' policies compared on the episodes they share: a policy of one `eval --json` run against a
// policy of another (a new checkpoint against the shipped one, a setting against the default), cell by cell and
// pooled, with McNemar's exact test (paired.ts). Episodes are paired only when both runs drew them the same way:
// the same task, seed, episode count, episode length and env count, and per cell the same disturbance. Cells
// are matched by suite and executed chunk length n, so a one-n run (cells keyed "tilt") pairs with a sweep's
// "tilt n=8".
import { mcnemarExact } from './paired';

/** The part of an `eval --json` report that pairing and the test read. */
export interface EvalRun {
  task: string;
  seed: number;
  episodes: number;
  maxSteps: number;
  numEnvs: number;
  executeSteps: number[];
  /** policy → cell → per-episode outcomes ('1'/'0') and the disturbance's description. */
  results: Record<string, Record<string, { outcomes: string; perturbation: string }>>;
}

/** The fields of two evaluations that must agree for their episodes to be the same ones. */
const PAIRING_FIELDS = ['task', 'seed', 'episodes', 'maxSteps', 'numEnvs'] as const;

export interface ComparedSide {
  successes: number;
  episodes: number;
}

export interface ComparedCell {
  suite: string;
  n: number;
  a: ComparedSide;
  b: ComparedSide;
  /** B − A in points of success. */
  differencePoints: number;
  /** Episodes only B solved, only A solved. */
  bOnly: number;
  aOnly: number;
  pValue: number;
}

export interface Comparison {
  cells: ComparedCell[];
  /** Over all compared cells' episodes together. */
  pooled: Omit<ComparedCell, 'suite' | 'n'>;
}

/** One policy's cell of a report, with the suite and n its key stands for. */
interface RunCell {
  suite: string;
  n: number;
  outcomes: string;
  perturbation: string;
}

/** suite and n of each results key of a report (claims.ts cellKey's inverse), keyed "suite n=N" whatever the sweep. */
function cellsOf(report: EvalRun, policy: string): Map<string, RunCell> {
  const cells = new Map<string, RunCell>();
  for (const [key, summary] of Object.entries(report.results[policy])) {
    const swept = /^(.*) n=(\d+)$/.exec(key);
    const suite = report.executeSteps.length === 1 ? key : swept?.[1];
    const n = report.executeSteps.length === 1 ? report.executeSteps[0] : Number(swept?.[2]);
    if (suite === undefined) throw new Error(`cell "${key}" of a sweep over n = ${report.executeSteps.join(', ')} names no n`);
    cells.set(`${suite} n=${n}`, { suite, n, outcomes: summary.outcomes, perturbation: summary.perturbation });
  }
  return cells;
}

function side(outcomes: string): ComparedSide {
  return { successes: [...outcomes].filter((o) => o === '1').length, episodes: outcomes.length };
}

function paired(a: string, b: string): Omit<ComparedCell, 'suite' | 'n'> {
  const t = mcnemarExact(b, a);
  return { a: side(a), b: side(b), differencePoints: t.differencePoints, bOnly: t.aOnly, aOnly: t.bOnly, pValue: t.pValue };
}

/**
 * Policy `policyB` of report `b` against policy `policyA` of report `a` (each must be in its report), on the cells
 * both ran. Throws, naming what differs, when the episodes are not the same ones or no cell is shared.
 */
export function compareEvals(a: EvalRun, policyA: string, b: EvalRun, policyB: string): Comparison {
  for (const field of PAIRING_FIELDS) {
    if (a[field] !== b[field]) throw new Error(`the two evaluations differ in ${field} (${a[field]} against ${b[field]}), so their episodes are not the same ones`);
  }
  const cellsA = cellsOf(a, policyA);
  const cellsB = cellsOf(b, policyB);
  const cells: ComparedCell[] = [];
  let allA = '';
  let allB = '';
  for (const [key, cb] of cellsB) {
    const ca = cellsA.get(key);
    if (!ca) continue;
    if (ca.perturbation !== cb.perturbation) throw new Error(`cell ${key}: the two evaluations ran different disturbances (${ca.perturbation} against ${cb.perturbation})`);
    cells.push({ suite: cb.suite, n: cb.n, ...paired(ca.outcomes, cb.outcomes) });
    allA += ca.outcomes;
    allB += cb.outcomes;
  }
  if (cells.length === 0) throw new Error(`no cell is in both evaluations (first: ${[...cellsA.keys()].join(', ')}; second: ${[...cellsB.keys()].join(', ')})`);
  return { cells, pooled: paired(allA, allB) };
}

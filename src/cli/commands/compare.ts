// `sagr compare --a FILE[:POLICY] --b FILE[:POLICY] [--json]`: policy B of one `eval --json` file against policy A
// of another on the episodes both ran (src/eval/compareEvals.ts), e.g. a new sagr checkpoint against the shipped
// evaluation: a line per shared cell (suite, n) and the pooled line, each with B − A in points and McNemar's exact
// p. POLICY may be left out when the file holds one policy.
import { existsSync, readFileSync } from 'node:fs';
import { compareEvals, type ComparedCell, type EvalRun } from '../../eval/compareEvals';
import { UsageError, type Command } from '../command';

interface Side {
  file: string;
  policy: string;
  report: EvalRun;
}

function readSide(flags: Record<string, string>, flag: 'a' | 'b'): Side {
  const raw = flags[flag];
  if (raw === undefined || raw.trim() === '') throw new UsageError(`--${flag} is required: an eval --json file, optionally :POLICY (e.g. runs/eval.json:sagr)`);
  // FILE:POLICY, unless the whole value is a file (a path may hold a colon).
  const colon = raw.lastIndexOf(':');
  const [file, named] = existsSync(raw) || colon < 0 ? [raw, undefined] : [raw.slice(0, colon), raw.slice(colon + 1)];
  let report: EvalRun;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as EvalRun;
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read "${file.slice(0, 80)}" as JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const policies = report && typeof report.results === 'object' && report.results !== null ? Object.keys(report.results) : [];
  if (policies.length === 0 || !Array.isArray(report.executeSteps)) throw new UsageError(`--${flag}: "${file.slice(0, 80)}" is not what eval --json prints (no results)`);
  if (named === undefined && policies.length > 1) throw new UsageError(`--${flag}: "${file.slice(0, 80)}" holds ${policies.join(', ')}; name one as FILE:POLICY`);
  const policy = named ?? policies[0];
  if (!policies.includes(policy)) throw new UsageError(`--${flag}: "${file.slice(0, 80)}" has no policy "${policy.slice(0, 40)}" (it has ${policies.join(', ')})`);
  return { file, policy, report };
}

const count = (s: ComparedCell['a']) => `${s.successes}/${s.episodes}`;
const signed = (d: number) => `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}`;
const line = (label: string, c: Omit<ComparedCell, 'suite' | 'n'>) =>
  `${label.padEnd(22)} A ${count(c.a).padStart(9)}  B ${count(c.b).padStart(9)}  B − A ${signed(c.differencePoints).padStart(6)} points  (B only ${c.bOnly}, A only ${c.aOnly}, McNemar p = ${c.pValue.toPrecision(2)})`;

export const compare: Command = {
  name: 'compare',
  summary: 'compare two eval --json runs on their shared episodes (--a FILE[:POLICY] --b FILE[:POLICY]): B − A per cell and pooled, McNemar p',
  values: ['a', 'b'],
  switches: ['json'],
  acceptsConfig: false,
  async run({ flags, log }) {
    const a = readSide(flags, 'a');
    const b = readSide(flags, 'b');
    let result: ReturnType<typeof compareEvals>;
    try {
      result = compareEvals(a.report, a.policy, b.report, b.policy);
    } catch (e) {
      throw new UsageError(`--b: ${(e as Error).message}`);
    }
    log(`A = ${a.policy} of ${a.file}; B = ${b.policy} of ${b.file} (${a.report.task}, seed ${a.report.seed}, ${a.report.episodes} episodes per cell)`);
    for (const c of result.cells) log(line(`${c.suite} n=${c.n}`, c));
    log(line('pooled', result.pooled));
    return { a: { file: a.file, policy: a.policy }, b: { file: b.file, policy: b.policy }, ...result };
  },
};

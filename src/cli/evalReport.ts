// `eval --report FILE`: the evaluation as a markdown report, with learning curves as SVG files beside it.
//
//   FILE                          the command line, date, task, seed, episodes per cell, backend; success (Wilson
//                                 95% interval) and mean max coverage per policy × cell; ‖Δz‖ / ‖b‖ / steps to
//                                 success / prior calls per 100 steps per policy × cell; with several chunk lengths n, a table per suite of
//                                 success against n with each policy's paired test against the prior; the
//                                 claims computed from the cells (src/eval/claims.ts); links to the figures
//   <FILE base>-success-vs-n.svg  with several n: success against n, a line per policy, a panel per suite
//   <FILE base>-curves-<policy>.svg  one per learned policy whose checkpoint has training metrics
//
// A policy's curves come from the metrics.jsonl its checkpoint was trained with: the PPO run's RUN/metrics.jsonl
// for strategy and sagr; for the stage-0/1 modules DIR/<module>/metrics.jsonl, else DIR/metrics.jsonl (a
// `train --out DIR` folder). A checkpoint without metrics gets a sentence saying where they were looked for.
// Writing over an existing FILE keeps its hand-written part: everything from its first "## … (written by hand)"
// heading on, placed after the regenerated sections.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cellKey, claims } from '../eval/claims';
import { mcnemarExact } from '../eval/paired';
import type { SuiteSummary } from '../eval/metrics';
import { svgFigure, type PanelSpec } from '../eval/svgPlot';
import { ppoIterations, ppoPanels, stagePanel, type StageName } from '../eval/trainingCurves';
import { UsageError } from './command';

/** What the report is made from: the eval result (`eval --json`'s object) and how it was run. */
export interface ReportedEval {
  task: string;
  seed: number;
  episodes: number;
  numEnvs: number;
  maxSteps: number;
  /** The executed chunk lengths n that were run (cells are keyed by cellKey), and the config's default n. */
  executeSteps: number[];
  defaultExecuteSteps: number;
  /** The tfjs backend the learned policies ran on ("none" when only the expert ran). */
  backend: string;
  /** policy → the checkpoint folder it was loaded from (null for the expert). */
  checkpoints: Record<string, string | null>;
  /** policy → suite → summary. */
  results: Record<string, Record<string, SuiteSummary & { perturbation: string }>>;
}

/** Which training metrics draw a policy's curves: the PPO run, or the supervised stages of its modules. */
const CURVES: Record<string, 'ppo' | readonly StageName[]> = {
  prior: ['prior'],
  reflex: ['prior', 'world', 'reflex'],
  integral: ['prior'],
  anchor: ['prior', 'world'],
  strategy: 'ppo',
  sagr: 'ppo',
  shuffled: 'ppo',
  residual: 'ppo',
  dsrl: 'ppo',
  reinflow: 'ppo',
};
const METRICS_FILE = 'metrics.jsonl';

/** The report's path, checked before any episode runs: its folder must exist and it must not be a folder. */
export function checkReportPath(file: string): string {
  if (file.trim() === '') throw new UsageError('--report: give the markdown file to write, e.g. --report docs/results.md');
  const dir = path.dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--report: folder "${dir.slice(0, 80)}" does not exist (create it first)`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--report: "${file.slice(0, 80)}" is a folder; give a file path such as ${path.join(file, 'results.md').slice(0, 80)}`);
  return file;
}

/** The command line as a person would type it again (arguments with shell-special characters single-quoted). */
export function commandLine(args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npm run sagr --', ...args.map(quote)].join(' ');
}

/** A path relative to the working folder when it lies inside it (shorter, and the same on every machine). */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** The JSON lines of a metrics file, or the reason it cannot be used; null when the file does not exist. */
function readMetrics(file: string): unknown[] | string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  const records: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      records.push(JSON.parse(lines[i]));
    } catch {
      return `${shown(file)} line ${i + 1} is not JSON`;
    }
  }
  return records;
}

export interface PolicyCurves {
  panels: PanelSpec[];
  /** Where each drawn curve came from. */
  sources: string[];
  /** A sentence per curve that could not be drawn. */
  missing: string[];
}

/** The folders a module was averaged from (`sagr average` records them in its metadata), or null for a trained one. */
function averagedFrom(moduleDir: string): string[] | null {
  try {
    const metadata = JSON.parse(readFileSync(path.join(moduleDir, 'model.json'), 'utf8')).userDefinedMetadata;
    const inputs: unknown = metadata?.report?.averageOf;
    return Array.isArray(inputs) ? inputs.map((i) => String(i?.checkpoint)) : null;
  } catch {
    return null;
  }
}

/** The learning-curve panels of a policy loaded from `checkpoint`, and what is missing. */
export function policyCurves(policy: string, checkpoint: string): PolicyCurves {
  const what = CURVES[policy];
  const out: PolicyCurves = { panels: [], sources: [], missing: [] };
  if (what === undefined) {
    out.missing.push(`no learning curves drawn for ${policy} (the report draws them for ${Object.keys(CURVES).join(', ')})`);
    return out;
  }
  if (what === 'ppo') {
    const file = path.join(checkpoint, METRICS_FILE);
    const records = readMetrics(file);
    if (Array.isArray(records) && ppoIterations(records).length) {
      out.panels.push(...ppoPanels(records));
      out.sources.push(shown(file));
    } else out.missing.push(`no PPO training metrics: ${typeof records === 'string' ? records : `${shown(file)} ${records === null ? 'does not exist' : 'holds no PPO iterations'}`}`);
    return out;
  }
  for (const stage of what) {
    const candidates = [path.join(checkpoint, stage, METRICS_FILE), path.join(checkpoint, METRICS_FILE)];
    const found = candidates.map((file) => {
      const records = readMetrics(file);
      return { file, records, panel: Array.isArray(records) ? stagePanel(stage, records) : null };
    });
    const usable = found.find((f) => f.panel && f.panel.series.some((s) => s.points.length));
    if (usable?.panel) {
      out.panels.push(usable.panel);
      out.sources.push(shown(usable.file));
    } else {
      const unreadable = found.flatMap((f) => (typeof f.records === 'string' ? [f.records] : []));
      const averaged = averagedFrom(path.join(checkpoint, stage));
      if (averaged) out.missing.push(`no ${stage} training metrics: ${shown(path.join(checkpoint, stage))} is the average of ${averaged.join(', ')} (made by \`average\`), which has no training curve of its own`);
      else out.missing.push(`no ${stage} training metrics: looked in ${candidates.map(shown).join(' and ')}${unreadable.length ? ` (${unreadable.join('; ')})` : ''}`);
    }
  }
  return out;
}

const pct = (x: number) => (100 * x).toFixed(1);
const dash = '–';
const orDash = (x: number | null | undefined, f: (x: number) => string) => (x === null || x === undefined ? dash : f(x));

/** "45.0% [35.6, 54.8], cov 0.812" */
export function successCell(s: SuiteSummary): string {
  return `${pct(s.successRate)}% [${pct(s.successCI.lo)}, ${pct(s.successCI.hi)}], cov ${s.meanMaxCoverage.mean.toFixed(3)}`;
}

/** "0.0123 / 0.0456 / 87.5 / 25.0": mean ‖Δz‖, mean ‖b‖, mean steps to success, prior calls per 100 steps (– where there is none). */
export function residualCell(s: SuiteSummary): string {
  return [
    orDash(s.meanDeltaZ, (x) => x.toPrecision(3)),
    orDash(s.meanReflex, (x) => x.toPrecision(3)),
    orDash(s.meanStepsToSuccess?.mean, (x) => x.toFixed(1)),
    // Summaries written before prior calls were counted have no such field.
    orDash(s.priorCallsPer100Steps, (x) => x.toFixed(1)),
  ].join(' / ');
}

/** "0.210 (object 0.281, agent 0.041)": Φ's closed-loop error against no motion (– without Φ, or in a summary written before it was measured). */
export function worldErrorCell(s: SuiteSummary): string {
  const w = s.worldError;
  return w ? `${w.all.toFixed(3)} (object ${w.object.toFixed(3)}, agent ${w.agent.toFixed(3)})` : dash;
}

function table(e: ReportedEval, suites: string[], cell: (s: SuiteSummary) => string, only: (bySuite: Record<string, SuiteSummary>) => boolean = () => true): string[] {
  return [
    `| policy | ${suites.join(' | ')} |`,
    `| --- | ${suites.map(() => '---').join(' | ')} |`,
    ...Object.entries(e.results).filter(([, bySuite]) => only(bySuite)).map(([policy, bySuite]) => `| ${policy} | ${suites.map((s) => (bySuite[s] ? cell(bySuite[s]) : dash)).join(' | ')} |`),
  ];
}

/** With several n: per suite, success against n per policy (each with its paired test against the prior), and the figure's panels. */
function sweepSection(e: ReportedEval, suites: string[]): { md: string[]; panels: PanelSpec[] } {
  const md: string[] = [];
  const panels: PanelSpec[] = [];
  const ns = e.executeSteps;
  for (const suite of suites) {
    md.push(`### ${suite}`, '', `| policy | ${ns.map((n) => `n = ${n}`).join(' | ')} |`, `| --- | ${ns.map(() => '---').join(' | ')} |`);
    const series = [];
    for (const [policy, cells] of Object.entries(e.results)) {
      const row = ns.map((n) => {
        const c = cells[cellKey(suite, n, ns)];
        if (!c) return dash;
        const prior = e.results.prior?.[cellKey(suite, n, ns)];
        const paired = prior && policy !== 'prior' ? mcnemarExact(c.outcomes, prior.outcomes) : null;
        return `${pct(c.successRate)}% [${pct(c.successCI.lo)}, ${pct(c.successCI.hi)}]${paired ? ` (${paired.differencePoints >= 0 ? '+' : '−'}${Math.abs(paired.differencePoints).toFixed(0)}, p ${paired.pValue < 1e-4 ? '< 0.0001' : `= ${paired.pValue.toPrecision(2)}`})` : ''}`;
      });
      md.push(`| ${policy} | ${row.join(' | ')} |`);
      series.push({ name: policy, points: ns.map((n) => [n, 100 * (cells[cellKey(suite, n, ns)]?.successRate ?? NaN)] as const) });
    }
    md.push('');
    panels.push({ title: suite, xLabel: 'executed chunk length n (control steps)', yLabel: 'success (%)', series });
  }
  return { md, panels };
}

export interface RenderedReport {
  markdown: string;
  /** SVG files to write beside the report: name (no folder) → content. */
  figures: Record<string, string>;
}

/** The report's markdown and figures; `file` names the figures (<base>-curves-<policy>.svg). */
export function renderReport(e: ReportedEval, o: { command: string; date: string; file: string }): RenderedReport {
  const cells = [...new Set(Object.values(e.results).flatMap((byCell) => Object.keys(byCell)))];
  const perturbations = new Map(Object.values(e.results).flatMap((byCell) => Object.values(byCell).map((r) => [r.perturbation.split(':')[0], r.perturbation] as const)));
  const suites = [...perturbations.keys()];
  const base = path.basename(o.file, path.extname(o.file));
  const figures: Record<string, string> = {};
  const md: string[] = [
    `# Evaluation: ${Object.keys(e.results).join(', ')} on ${e.task}`,
    '',
    'Produced by',
    '',
    '```',
    o.command,
    '```',
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${o.date} |`,
    `| task | ${e.task} |`,
    `| seed | ${e.seed} |`,
    `| episodes per cell | ${e.episodes} |`,
    `| control steps per episode (max) | ${e.maxSteps} |`,
    `| parallel envs | ${e.numEnvs} |`,
    `| backend | ${e.backend} |`,
    ...Object.entries(e.checkpoints).map(([policy, dir]) => `| ${policy} checkpoint | ${dir === null ? 'none (plans with the simulator)' : `\`${shown(dir)}\``} |`),
    '',
    'Suites: ' + suites.map((s) => `${s} = \`${perturbations.get(s)}\``).join(', ') + '.',
    `Executed chunk length${e.executeSteps.length > 1 ? 's' : ''}: n = ${e.executeSteps.join(', ')} control steps per chunk (the default is ${e.defaultExecuteSteps}).`,
    '',
    '## Success',
    '',
    'Success rate with its Wilson 95% interval, and the mean over episodes of the maximum coverage reached (cov).',
    '',
    ...table(e, cells, successCell),
    '',
    '## Residuals and steps to success',
    '',
    'Mean ‖Δz‖ / mean ‖b‖ (per control step, – for policies without them) / mean steps to success (over the successful episodes, – when none succeeded) / prior calls per 100 control steps (chunks sampled: 100/n at chunk length n, more with a Δz-triggered re-plan).',
    '',
    ...table(e, cells, residualCell),
    '',
  ];
  const withWorld = (bySuite: Record<string, SuiteSummary>) => Object.values(bySuite).some((r) => r.worldError);
  if (Object.values(e.results).some(withWorld)) {
    md.push(
      "## Φ against no motion, in closed loop",
      '',
      "Φ's one-step error over the cell's steps, Σ‖Ŝ_{t+1} − S_{t+1}‖ over tokens as a fraction of Σ‖S_t − S_{t+1}‖ (predicting that nothing moves), on the states each policy with Φ visits: all tokens (object, agent). Below 1, Φ beats standing still.",
      '',
      ...table(e, cells, worldErrorCell, withWorld),
      '',
    );
  }
  if (e.executeSteps.length > 1) {
    const sweep = sweepSection(e, suites);
    const name = `${base}-success-vs-n.svg`;
    figures[name] = svgFigure(sweep.panels, { columns: Math.min(3, sweep.panels.length) });
    md.push(
      '## Success against the executed chunk length',
      '',
      `![success against n](${name})`,
      '',
      'Each cell: success [Wilson 95%], then against the prior on the same episodes the difference in points and the two-sided p-value of McNemar\'s exact test.',
      '',
      ...sweep.md,
    );
  }
  md.push(
    '## Claims',
    '',
    '"≥ B + X points" compares the same seeded episodes: the difference in success, with McNemar\'s exact test on the episodes one policy solved and the other did not where a significance level is named. Claims that need a policy or cell not run here are left out.',
    '',
    ...claims(e.results, e.executeSteps, e.defaultExecuteSteps, e.task).map((c) => `- **${c.met === null ? 'not evaluated' : c.met ? 'met' : 'not met'}**: ${c.target} — ${c.evidence}.`),
    '',
    '## Learning curves',
    '',
  );
  for (const [policy, dir] of Object.entries(e.checkpoints)) {
    md.push(`### ${policy}`, '');
    if (dir === null) {
      md.push('No training: the expert plans with the simulator.', '');
      continue;
    }
    const curves = policyCurves(policy, dir);
    if (curves.panels.length) {
      const name = `${base}-curves-${policy}.svg`;
      figures[name] = svgFigure(curves.panels);
      md.push(`![${policy} learning curves](${name})`, '', `From ${curves.sources.map((s) => `\`${s}\``).join(', ')}.`, '');
    }
    for (const m of curves.missing) md.push(`- ${m[0].toUpperCase()}${m.slice(1)}.`);
    if (curves.missing.length) md.push('');
  }
  return { markdown: md.join('\n'), figures };
}

/** The first heading of a report's hand-written part: the generated sections come before it. */
const HAND_WRITTEN = /^## .*\(written by hand\)$/m;

/** An existing report's hand-written part, from its first hand-written section to the end ('' when it has none). */
function handWrittenPart(file: string): string {
  if (!existsSync(file)) return '';
  const old = readFileSync(file, 'utf8');
  const start = HAND_WRITTEN.exec(old);
  return start === null ? '' : old.slice(start.index);
}

/** Writes the report and its figures, keeping the hand-written part of the report it replaces; returns the paths written. */
export function writeReport(e: ReportedEval, o: { command: string; date: string; file: string }): string[] {
  const { markdown, figures } = renderReport(e, o);
  const dir = path.dirname(o.file);
  const written = [o.file, ...Object.keys(figures).map((name) => path.join(dir, name))];
  try {
    const kept = handWrittenPart(o.file);
    writeFileSync(o.file, kept === '' ? markdown : `${markdown.trimEnd()}\n\n${kept}`);
    for (const [name, svg] of Object.entries(figures)) writeFileSync(path.join(dir, name), svg);
  } catch (e) {
    throw new UsageError(`--report: cannot write "${o.file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
  return written;
}

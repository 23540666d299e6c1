import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { wilsonInterval, type SuiteSummary } from '../eval/metrics';
import { UsageError, type CommandContext } from './command';
import { evalCommand, type EvalReport } from './commands/eval';
import { commandLine, policyCurves, renderReport, residualCell, worldErrorCell, successCell, type ReportedEval } from './evalReport';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const tmp = () => mkdtempSync(path.join(tmpdir(), 'sagr-report-'));

function ctx(flags: Record<string, string>, overrides: Partial<ReturnType<typeof defaultConfig>> = {}): CommandContext {
  return { config: { ...defaultConfig(), ...overrides }, configFlags: new Set(), flags, switches: new Set(['json']), log: () => {} };
}

/** The rows of the markdown table under `heading`: policy → cells. */
function tableUnder(md: string, heading: string): { header: string[]; rows: Record<string, string[]> } {
  const lines = md.split('\n');
  const start = lines.findIndex((l, i) => l.startsWith('| policy |') && lines.slice(0, i).some((h) => h === heading));
  const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
  const rows: Record<string, string[]> = {};
  for (let i = start + 2; lines[i]?.startsWith('|'); i++) {
    const [policy, ...rest] = cells(lines[i]);
    rows[policy] = rest;
  }
  return { header: cells(lines[start]).slice(1), rows };
}

describe('eval --report', () => {
  it('writes the tables with the JSON numbers, the header, the claims and the reflex policy\'s learning curves', async () => {
    const dir = tmp();
    const file = path.join(dir, 'results.md');
    const flags = { policy: 'expert,reflex', suite: 'all', episodes: '2', report: file };
    const report = (await evalCommand.run(ctx(flags, { episodeLength: 10, numEnvs: 2 }))) as EvalReport;
    expect(Object.keys(report.results)).toEqual(['expert', 'reflex']);
    expect(report.checkpoints.expert).toBeNull();
    expect(report.backend).toBe('wasm');
    const md = readFileSync(file, 'utf8');

    expect(md).toMatch(/^```\nnpm run sagr --.*\n```$/m);
    expect(md).toContain('| task | push-t |');
    expect(md).toContain('| seed | 0 |');
    expect(md).toContain('| episodes per cell | 2 |');
    expect(md).toContain('| backend | wasm |');
    expect(md).toMatch(/^\| date \| \d{4}-\d\d-\d\dT/m);

    const suites = ['nominal', 'shifted-init', 'displace', 'kick', 'bias', 'offset', 'friction', 'mass'];
    const success = tableUnder(md, '## Success');
    const residual = tableUnder(md, '## Residuals and steps to success');
    for (const t of [success, residual]) {
      expect(t.header).toEqual(suites);
      expect(Object.keys(t.rows)).toEqual(['expert', 'reflex']);
    }
    for (const policy of ['expert', 'reflex']) {
      suites.forEach((suite, j) => {
        const s = report.results[policy][suite];
        const m = /^(\d+\.\d)% \[(\d+\.\d), (\d+\.\d)\], cov (\d\.\d{3})$/.exec(success.rows[policy][j])!;
        expect(Number(m[1])).toBeCloseTo(100 * s.successRate, 1);
        expect(Number(m[2])).toBeCloseTo(100 * s.successCI.lo, 1);
        expect(Number(m[3])).toBeCloseTo(100 * s.successCI.hi, 1);
        expect(Number(m[4])).toBeCloseTo(s.meanMaxCoverage.mean, 3);
        const [dz, b, steps, calls] = residual.rows[policy][j].split(' / ');
        // Three significant digits of the JSON's figure, or – where the JSON has null.
        const same = (cell: string, x: number | null) => (x === null ? expect(cell).toBe('–') : expect(Number(cell)).toBeCloseTo(x, 2 - Math.floor(Math.log10(x))));
        same(dz, s.meanDeltaZ);
        same(b, s.meanReflex);
        expect(steps).toBe(s.meanStepsToSuccess ? s.meanStepsToSuccess.mean.toFixed(1) : '–');
        expect(calls).toBe(s.priorCallsPer100Steps === null ? '–' : s.priorCallsPer100Steps.toFixed(1));
      });
    }
    // No prior in this run: only the claim about the reflex alone is checked; those against the prior are left out.
    expect(md).toContain("- **met**: reflex's offset success at n = 4 is within 10 points of its own nominal success — offset 0.0% [0.0, 65.8] vs nominal 0.0% [0.0, 65.8]: a drop of 0.0 points.");
    expect(md).not.toContain('reflex ≥ prior');
    expect(md).toContain('No training: the expert plans with the simulator.');
    // The shipped Φ and reflex carry their training metrics: their curves are drawn and linked. The shipped prior is an
    // average of two DAgger rounds, which the report says instead of a curve.
    expect(md).toContain('![reflex learning curves](results-curves-reflex.svg)');
    const svg = readFileSync(path.join(dir, 'results-curves-reflex.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('>world loss</text>');
    expect(svg).toContain('>reflex loss</text>');
    expect(md).toMatch(/- No prior training metrics: public\/checkpoints\/push-t\/prior is the average of runs\/dag21, runs\/dag22, runs\/dag23 \(made by `average`\)/);
    expect(existsSync(path.join(dir, 'results-curves-expert.svg'))).toBe(false);
  });

  it('keeps the hand-written part of the report it replaces (from the first "(written by hand)" section on) and regenerates the rest', async () => {
    const dir = tmp();
    const file = path.join(dir, 'results.md');
    const run = () => evalCommand.run(ctx({ policy: 'expert', suite: 'nominal', episodes: '2', report: file }, { episodeLength: 10, numEnvs: 2 }));
    await run();
    const hand = '## Reading (written by hand)\n\nThe expert wins.\n\n### A detail (written by hand)\n\nMore.\n';
    writeFileSync(file, `${readFileSync(file, 'utf8').replace('## Success', 'stale line\n\n## Success')}\n${hand}`);
    await run();
    await run();
    const md = readFileSync(file, 'utf8');
    expect(md).not.toContain('stale line');
    expect(md.indexOf('## Success')).toBeGreaterThan(0);
    expect(md.endsWith(`\n\n${hand}`)).toBe(true);
    expect(md.split('## Reading (written by hand)')).toHaveLength(2);
  });

  it('records the exact command line of a CLI run', () => {
    const file = path.join(tmp(), 'expert.md');
    const args = ['eval', '--policy', 'expert', '--suite', 'kick', '--perturb', 'kick:impulse=30,at=2', '--episodes', '1', '--episode-length', '10', '--report', file];
    execFileSync(TSX, [MAIN, ...args], { stdio: 'pipe' });
    expect(readFileSync(file, 'utf8')).toContain('```\n' + `npm run sagr -- ${args.join(' ')}` + '\n```');
  });

  it.each([
    [{ policy: 'expert', report: '/nonexistent/folder/results.md' }, /^--report: folder "\/nonexistent\/folder" does not exist \(create it first\)$/],
    [{ policy: 'expert', report: '' }, /^--report: give the markdown file to write/],
    [{ policy: 'expert,robot' }, /^--policy: "robot" is not one of expert, expert-chunks, prior, reflex, strategy, sagr, integral, anchor, shuffled, residual, dsrl, reinflow, reinflow-reflex, rwfm, grpo, meanflow, expert-chunks-reflex, expert-chunks-integral, expert-chunks-shuffled$/],
    [{ policy: 'prior,prior' }, /^--policy: "prior,prior" names a policy twice$/],
    [{ policy: 'expert,prior', checkpoint: 'runs/x' }, /^--checkpoint: give it with a single --policy/],
    [{ policy: 'all', checkpoint: 'runs/x' }, /^--checkpoint: give it with a single --policy/],
  ])('refuses %o before running an episode', async (flags, message) => {
    const err = await evalCommand.run(ctx(flags)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a --report that is a folder', async () => {
    const dir = tmp();
    const err = await evalCommand.run(ctx({ policy: 'expert', report: dir })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^--report: ".*" is a folder; give a file path such as .*results\.md$/);
  });
});

const summary = (k: number, n: number, dz: number | null = null, perturbation = 'suite'): SuiteSummary & { perturbation: string } => ({
  episodes: n,
  successes: k,
  successRate: k / n,
  successCI: wilsonInterval(k, n),
  meanFinalCoverage: { mean: 0.5, ci: { lo: 0.4, hi: 0.6 }, n },
  meanMaxCoverage: { mean: 0.75, ci: { lo: 0.7, hi: 0.8 }, n },
  meanStepsToSuccess: k ? { mean: 81.25, ci: { lo: 70, hi: 90 }, n: k } : null,
  meanEpisodeLength: 200,
  meanDeltaZ: dz,
  meanReflex: dz === null ? null : dz / 2,
  priorCallsPer100Steps: dz === null ? null : 12.5,
  worldError: dz === null ? null : { all: 0.25, object: 0.3, agent: 0.125 },
  outcomes: Array.from({ length: n }, (_, i) => (i < k ? '1' : '0')).join(''),
  perturbation,
});

/** How the reported runs were made, apart from their chunk lengths and cells. */
const RUN = { task: 'push-t', seed: 3, episodes: 100, numEnvs: 32, maxSteps: 300, defaultExecuteSteps: 4, backend: 'wasm' };

describe('renderReport', () => {
  const e: ReportedEval = {
    ...RUN,
    executeSteps: [4],
    checkpoints: { prior: '/nowhere/ckpt', strategy: '/nowhere/ckpt/ppo-strategy', sagr: '/nowhere/ckpt/ppo' },
    results: {
      prior: { nominal: summary(80, 100, null, 'nominal'), displace: summary(20, 100, null, 'displace:dx=30'), kick: summary(30, 100, null, 'kick') },
      strategy: { nominal: summary(79, 100, 0.02, 'nominal'), displace: summary(28, 100, 0.02, 'displace:dx=30'), kick: summary(33, 100, 0.02, 'kick') },
      sagr: { nominal: summary(78, 100, 0.0123, 'nominal'), displace: summary(50, 100, 0.0123, 'displace:dx=30'), kick: summary(0, 100, 0.0123, 'kick') },
    },
  };

  it('formats cells from the summary', () => {
    expect(successCell(e.results.prior.displace)).toBe('20.0% [13.3, 28.9], cov 0.750');
    expect(residualCell(e.results.sagr.nominal)).toBe('0.0123 / 0.00615 / 81.3 / 12.5');
    expect(residualCell(e.results.sagr.kick)).toBe('0.0123 / 0.00615 / – / 12.5');
    expect(residualCell(e.results.prior.kick)).toBe('– / – / 81.3 / –');
    expect(worldErrorCell(e.results.sagr.kick)).toBe('0.250 (object 0.300, agent 0.125)');
    expect(worldErrorCell(e.results.prior.kick)).toBe('–');
  });

  it("tables Φ's closed-loop error against no motion for the policies that ran Φ only", () => {
    const { markdown } = renderReport(e, { command: 'npm run sagr -- eval', date: '2026-01-01T00:00:00.000Z', file: '/tmp/r.md' });
    const world = tableUnder(markdown, '## Φ against no motion, in closed loop');
    expect(Object.keys(world.rows)).toEqual(['strategy', 'sagr']);
    expect(world.rows.sagr).toEqual(Array(3).fill('0.250 (object 0.300, agent 0.125)'));
    const { markdown: none } = renderReport({ ...e, results: { prior: e.results.prior } }, { command: 'npm run sagr -- eval', date: '2026-01-01T00:00:00.000Z', file: '/tmp/r.md' });
    expect(none).not.toContain('Φ against no motion');
  });

  it('states each claim with its verdict and says which checkpoints have no metrics', () => {
    const { markdown, figures } = renderReport(e, { command: "npm run sagr -- eval --policy all --perturb 'x y'", date: '2026-01-01T00:00:00.000Z', file: '/tmp/r.md' });
    expect(markdown).toContain('- **met**: sagr ≥ prior + 10 points on displace at n = 4 (paired p < 0.05) — sagr 50.0% [40.4, 59.6] vs prior 20.0% [13.3, 28.9] of 100: +30.0 points; 30 episodes solved by sagr only, 0 by prior only, p < 0.0001.');
    expect(markdown).toContain('- **not met**: sagr ≥ prior + 10 points on kick at n = 4 (paired p < 0.05) — sagr 0.0% [0.0, 3.7] vs prior 30.0% [21.9, 39.6] of 100: −30.0 points;');
    expect(markdown).toContain("- **met**: sagr's nominal success at n = 4 is at most 2 points below prior's — sagr 78.0%");
    expect(markdown).toContain('Suites: nominal = `nominal`, displace = `displace:dx=30`, kick = `kick`.');
    expect(markdown).not.toContain('Success against the executed chunk length');
    expect(markdown).toContain('- No PPO training metrics: /nowhere/ckpt/ppo/metrics.jsonl does not exist.');
    expect(markdown).toContain('- No prior training metrics: looked in /nowhere/ckpt/prior/metrics.jsonl and /nowhere/ckpt/metrics.jsonl.');
    expect(markdown).toContain("npm run sagr -- eval --policy all --perturb 'x y'");
    expect(figures).toEqual({});
  });
});

describe('renderReport with a chunk-length sweep', () => {
  it('tables success against n per suite with paired tests against the prior, and draws the figure', () => {
    const e: ReportedEval = {
      ...RUN,
      executeSteps: [4, 16],
      checkpoints: { prior: '/nowhere/ckpt', sagr: '/nowhere/ckpt/ppo' },
      results: {
        prior: { 'kick n=4': summary(60, 100, null, 'kick'), 'kick n=16': summary(20, 100, null, 'kick') },
        sagr: { 'kick n=4': summary(62, 100, 0.01, 'kick'), 'kick n=16': summary(50, 100, 0.01, 'kick') },
      },
    };
    const { markdown, figures } = renderReport(e, { command: 'x', date: 'd', file: '/tmp/sweep.md' });
    expect(markdown).toContain('| sagr | 62.0% [52.2, 70.9] (+2, p = 0.50) | 50.0% [40.4, 59.6] (+30, p < 0.0001) |');
    expect(markdown).toContain('| prior | 60.0% [50.2, 69.1] | 20.0% [13.3, 28.9] |');
    expect(markdown).toContain('![success against n](sweep-success-vs-n.svg)');
    expect(markdown).toContain('- **met**: sagr ≥ prior + 20 points on kick at n = 16 (paired p < 0.01)');
    expect(Object.keys(figures)).toEqual(['sweep-success-vs-n.svg']);
    expect(figures['sweep-success-vs-n.svg']).toContain('executed chunk length n');
  });
});

describe('policyCurves', () => {
  const ppoLine = (iteration: number) =>
    JSON.stringify({ iteration, rollout: { controlSteps: 64, meanReturn: iteration, successRate: 0, rewardTerms: { task: 1, surprise: 0, effort: 0, reward: 1 } }, ppo: { approxKl: 0 } });

  it('reads a PPO run from RUN/metrics.jsonl', () => {
    const run = tmp();
    writeFileSync(path.join(run, 'metrics.jsonl'), [ppoLine(1), ppoLine(2)].join('\n') + '\n');
    const c = policyCurves('sagr', run);
    expect(c.panels.map((p) => p.title)).toEqual(['return', 'success rate', 'approximate KL', 'reward terms per step']);
    expect(c.panels[0].series[0].points).toEqual([[64, 1], [128, 2]]);
    expect(c.missing).toEqual([]);
    // The baselines trained by PPO (ReinFlow, DSRL) write the same records; a policy with no curves says so.
    expect(policyCurves('reinflow', run).panels.map((p) => p.title)).toEqual(c.panels.map((p) => p.title));
    expect(policyCurves('meanflow', run)).toEqual({ panels: [], sources: [], missing: [expect.stringMatching(/^no learning curves drawn for meanflow \(the report draws them for prior, reflex, /)] });
  });

  it('prefers the module folder, falls back to the run folder, names what is missing or unreadable', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'world'));
    writeFileSync(path.join(dir, 'world', 'metrics.jsonl'), JSON.stringify({ stage: 'world', iter: 10, trainLoss: 2, heldOutLoss: 3 }) + '\n');
    writeFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ stage: 'prior', iter: 5, trainLoss: 1, heldOutLoss: 1.5 }) + '\n');
    const c = policyCurves('reflex', dir);
    expect(c.panels.map((p) => p.title)).toEqual(['prior loss', 'world loss']);
    expect(c.sources).toEqual([path.join(dir, 'metrics.jsonl'), path.join(dir, 'world', 'metrics.jsonl')]);
    expect(c.missing).toEqual([`no reflex training metrics: looked in ${path.join(dir, 'reflex', 'metrics.jsonl')} and ${path.join(dir, 'metrics.jsonl')}`]);
    writeFileSync(path.join(dir, 'metrics.jsonl'), '{"stage":"prior"\n');
    expect(policyCurves('prior', dir).missing[0]).toMatch(/metrics\.jsonl line 1 is not JSON\)$/);
    expect(policyCurves('strategy', dir).missing[0]).toMatch(/^no PPO training metrics: .*metrics\.jsonl line 1 is not JSON$/);
  });

  it('says a module made by averaging has no curve of its own, naming what it averages', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'prior'));
    const report = { averageOf: [{ checkpoint: 'runs/dag21' }, { checkpoint: 'runs/dag22' }] };
    writeFileSync(path.join(dir, 'prior', 'model.json'), JSON.stringify({ userDefinedMetadata: { command: 'npm run sagr -- average', report } }));
    expect(policyCurves('prior', dir).missing).toEqual([`no prior training metrics: ${path.join(dir, 'prior')} is the average of runs/dag21, runs/dag22 (made by \`average\`), which has no training curve of its own`]);
    writeFileSync(path.join(dir, 'prior', 'model.json'), JSON.stringify({ userDefinedMetadata: { command: 'npm run sagr -- train', report: { iters: 5 } } }));
    expect(policyCurves('prior', dir).missing[0]).toMatch(/^no prior training metrics: looked in /);
  });
});

describe('commandLine', () => {
  it('quotes what a shell would split or expand', () => {
    expect(commandLine(['eval', '--policy', 'sagr,prior', '--perturb', 'displace:dx=30,at=60', '--report', 'docs/results.md'])).toBe(
      'npm run sagr -- eval --policy sagr,prior --perturb displace:dx=30,at=60 --report docs/results.md',
    );
    expect(commandLine(['--report', "my report's.md"])).toBe(`npm run sagr -- --report 'my report'\\''s.md'`);
  });
});

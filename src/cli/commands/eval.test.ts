import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import { UsageError, type CommandContext } from '../command';
import { demos } from './demos';
import { evalCommand, evalPerturbations, type EvalReport } from './eval';

function ctx(flags: Record<string, string>, overrides: Partial<ReturnType<typeof defaultConfig>> = {}): CommandContext {
  return { config: { ...defaultConfig(), ...overrides }, configFlags: new Set(), flags, switches: new Set(['json']), log: () => {} };
}

describe('eval command', () => {
  it.each([
    [{ policy: 'expert', suite: 'sideways' }, /^--suite: "sideways" is not one of nominal, .*, all$/],
    [{ policy: 'expert', episodes: '0' }, /^--episodes: 0 is outside \[1, 100000\]$/],
    [{ policy: 'expert', episodes: 'ten' }, /^--episodes: "ten" is not an integer$/],
    [{ policy: 'expert', perturb: 'kick:impulse=lots' }, /^--perturb: perturbation kick: impulse="lots" is not a number$/],
    [{ policy: 'expert', suite: 'bias', perturb: 'kick:impulse=3' }, /^--perturb: a kick spec does not fit --suite bias/],
    [{ policy: 'expert', checkpoint: 'runs/x' }, /^--checkpoint: expert has no checkpoint/],
    [{ policy: 'expert-chunks', checkpoint: 'runs/x' }, /^--checkpoint: expert-chunks has no checkpoint/],
    [{ policy: 'robot' }, /^--policy: "robot" is not one of expert, expert-chunks, prior, reflex, strategy, sagr, integral, anchor, shuffled, residual, dsrl, reinflow, reinflow-reflex, rwfm, grpo, meanflow, expert-chunks-reflex, expert-chunks-integral, expert-chunks-shuffled$/],
    [{}, /^--policy is required/],
    [{ policy: 'sagr', checkpoint: '/nonexistent/run' }, /^--checkpoint: cannot load the prior from \/nonexistent\/run\/prior/],
    [{ policy: 'strategy', checkpoint: '/nonexistent/run' }, /^--checkpoint: cannot load the prior from \/nonexistent\/run\/prior/],
    // The expert's plans need no prior: the first module it reads is Φ.
    [{ policy: 'expert-chunks-reflex', checkpoint: '/nonexistent/run' }, /^--checkpoint: cannot load the world from \/nonexistent\/run\/world/],
  ])('refuses %o with a one-line reason naming the flag', async (flags, message) => {
    const err = await evalCommand.run(ctx(flags)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('takes each task\'s suites: push-3d has tilt and 3-D keys, Push-T neither', async () => {
    expect(evalPerturbations(['nominal', 'shifted-init', 'displace', 'kick', 'bias', 'offset', 'friction', 'mass', 'tilt'], 'tilt:angle=0.2', 'push-3d').map((p) => p.kind)).toEqual(['nominal', 'shifted-init', 'displace', 'kick', 'bias', 'offset', 'friction', 'mass', 'tilt']);
    expect(() => evalPerturbations(['displace'], 'displace:dtheta=1', 'push-3d')).toThrow(/^--perturb: perturbation displace: unknown key "dtheta" \(keys: dx, dy, dz, dyaw, at, jitter\)$/);
    const err = await evalCommand.run(ctx({ policy: 'expert', suite: 'tilt' })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^--suite: "tilt" is not one of nominal, shifted-init, displace, kick, bias, offset, friction, mass, all$/);
  });

  it('evaluates the push-3d expert under tilt', async () => {
    const report = (await evalCommand.run(ctx({ policy: 'expert', suite: 'tilt', episodes: '1', perturb: 'tilt:angle=0.3,at=2,jitter=1' }, { task: 'push-3d', episodeLength: 10, numEnvs: 1 }))) as EvalReport;
    expect(report.task).toBe('push-3d');
    const s = report.results.expert.tilt;
    expect(s.episodes).toBe(1);
    expect(s.perturbation).toBe('tilt:angle=0.3,at=2,jitter=1');
    expect(s.meanEpisodeLength).toBe(10);
    expect(s.meanMaxCoverage.mean).toBeGreaterThanOrEqual(s.meanFinalCoverage.mean);
  });

  it("warns when a suite's event comes after the episode's end, where it would equal nominal", async () => {
    const logged: string[] = [];
    const c = { ...ctx({ policy: 'expert', suite: 'nominal,displace,kick', episodes: '1', perturb: 'kick:at=2' }, { episodeLength: 10, numEnvs: 1 }), log: (m: string) => logged.push(m) };
    const report = (await evalCommand.run(c)) as EvalReport;
    // displace at 60–75 never lands in 10 steps; the kick at 2–17 misses some episodes; nominal has no event.
    expect(logged.filter((m) => m.startsWith('warning: '))).toEqual([
      "warning: displace: its event comes at control steps 60–75, after the episode's end (--episode-length 10), so every episode runs as nominal; set --episode-length to at least 76",
      'warning: kick: its event comes at control steps 2–17, but episodes end at step 10 (--episode-length), so some episodes never see it; set --episode-length to at least 18',
    ]);
    expect(report.results.expert.displace.outcomes).toBe(report.results.expert.nominal.outcomes);
  });

  it('runs a list of suites with --perturb replacing its kind', () => {
    const ps = evalPerturbations(['nominal', 'displace', 'offset'], 'displace:dx=5');
    expect(ps.map((p) => p.kind)).toEqual(['nominal', 'displace', 'offset']);
    expect(ps[1]).toEqual({ kind: 'displace', dx: 5, dy: -20, dtheta: 0.3, at: 60, jitter: 16 });
    expect(() => evalPerturbations(['nominal'], 'kick:impulse=3')).toThrow(/^--perturb: a kick spec does not fit --suite nominal/);
  });

  it('sweeps the executed chunk length: one cell per suite and n, keyed "suite n=N"', async () => {
    const report = (await evalCommand.run(ctx({ policy: 'prior', suite: 'nominal,offset', episodes: '2', 'execute-steps': '4,16' }, { episodeLength: 6, numEnvs: 2 }))) as EvalReport;
    expect(Object.keys(report.results.prior)).toEqual(['nominal n=4', 'offset n=4', 'nominal n=16', 'offset n=16']);
    expect(report.executeSteps).toEqual([4, 16]);
    expect(report.results.prior['offset n=16'].outcomes).toMatch(/^[01]{2}$/);
    for (const [flags, message] of [
      [{ 'execute-steps': '4,4' }, /^--execute-steps: "4,4" names a chunk length twice$/],
      [{ 'execute-steps': '4,17' }, /^--execute-steps: 17 is outside \[1, 16\]$/],
      [{ 'execute-steps': '4,x' }, /^--execute-steps: "x" is not an integer$/],
      [{ suite: 'nominal,nominal' }, /^--suite: "nominal,nominal" names a suite twice/],
      [{ suite: 'nominal,wobble' }, /^--suite: "wobble" is not one of/],
    ] as const) {
      const err = await evalCommand.run(ctx({ policy: 'prior', ...flags })).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('reports per policy and suite: success with its interval, coverage, residual norms, steps to success', async () => {
    const report = (await evalCommand.run(ctx({ policy: 'expert', suite: 'displace', episodes: '2', perturb: 'displace:at=3' }, { episodeLength: 10, numEnvs: 2 }))) as EvalReport;
    const s = report.results.expert.displace;
    expect(s.episodes).toBe(2);
    expect(s.perturbation).toBe('displace:dx=30,dy=-20,dtheta=0.3,at=3,jitter=16');
    expect(s.successCI.lo).toBeLessThanOrEqual(s.successRate);
    expect(s.successCI.hi).toBeGreaterThanOrEqual(s.successRate);
    expect(s.meanMaxCoverage.mean).toBeGreaterThanOrEqual(s.meanFinalCoverage.mean);
    expect(s.meanDeltaZ).toBeNull();
    expect(s.meanReflex).toBeNull();
    expect(s.meanEpisodeLength).toBeLessThanOrEqual(10);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // one plain JSON object
  });
});

describe('demos command', () => {
  it.each([
    [{ out: '/tmp/x.bin' }, /^--episodes is required$/],
    [{ episodes: '3' }, /^--out is required/],
    [{ episodes: '-1', out: '/tmp/x.bin' }, /^--episodes: -1 is outside \[1, 10000\]$/],
    [{ episodes: '3', out: '/tmp/x.bin', seed: '1.5' }, /^--seed: "1.5" is not an integer$/],
  ])('refuses %o with a one-line reason naming the flag', async (flags, message) => {
    const err = await demos.run(ctx(flags)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});

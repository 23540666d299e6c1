import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, crossFieldErrors, SCHEMA, defaultConfig, helpSummary, parseCliArgs, parseConfigJson, parseHash, toHash, type Config } from './config';

describe('config schema', () => {
  it('every default lies in its range and every param has help and a group', () => {
    for (const k of CONFIG_KEYS) {
      const p = SCHEMA[k];
      expect(p.help.length, k).toBeGreaterThan(10);
      if (p.kind === 'float' || p.kind === 'int') {
        expect(p.default, k).toBeGreaterThanOrEqual(p.min);
        expect(p.default, k).toBeLessThanOrEqual(p.max);
        expect(p.step, k).toBeGreaterThan(0);
      }
      if (p.kind === 'enum') expect(p.options, k).toContain(p.default);
    }
  });

  it('gives every parameter a plain label of its own, not its key', () => {
    const labels = CONFIG_KEYS.map((k) => SCHEMA[k].label.trim());
    for (const [i, k] of CONFIG_KEYS.entries()) {
      expect(labels[i].length, k).toBeGreaterThan(0);
      expect(labels[i], k).not.toBe(k);
    }
    const seen = new Map<string, string>();
    for (const [i, k] of CONFIG_KEYS.entries()) {
      const key = labels[i].toLowerCase();
      expect(seen.get(key), `${k} shares its label "${labels[i]}"`).toBeUndefined();
      seen.set(key, k);
    }
  });

  it("summarises a parameter's help by its first sentence", () => {
    expect(helpSummary(SCHEMA.executeSteps)).toBe('n, how many actions of a chunk are executed before replanning (≤ H).');
    // Decimal points and a period inside parentheses do not end the sentence.
    expect(helpSummary(SCHEMA.replanThreshold)).toMatch(/^A control for long chunks: .*0\.04 ≈ 10 px on Push-T\), the chunk is cut and the prior samples a new one at once\.$/);
    expect(helpSummary(SCHEMA.task)).toBe(SCHEMA.task.help);
  });

  it('round-trips through the URL hash', () => {
    const c: Config = { ...defaultConfig(), sigmaMax: 0.37, sdeSteps: 1, sigmaSchedule: 'cosine', annealLr: false, priorLr: 3.5e-5, seed: 123456 };
    const parsed = parseHash('#' + toHash(c));
    expect(parsed.errors).toEqual([]);
    expect(parsed.config).toEqual(c);
  });

  it('round-trips every default', () => {
    expect(parseHash(toHash(defaultConfig())).config).toEqual(defaultConfig());
  });

  it('rejects each kind of bad hash value, naming the field and keeping the default for it only', () => {
    const d = defaultConfig();
    const { config, errors } = parseHash('#sigmaMax=abc&sdeSteps=2.5&beta=-1&sigmaSchedule=square&annealLr=maybe&bogus=1&alpha=2');
    expect(config.alpha).toBe(2); // the valid field applies
    expect(config.sigmaMax).toBe(d.sigmaMax);
    expect(config.sdeSteps).toBe(d.sdeSteps);
    expect(config.beta).toBe(d.beta);
    expect(config.sigmaSchedule).toBe(d.sigmaSchedule);
    expect(config.annealLr).toBe(d.annealLr);
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(['sigmaMax', 'sdeSteps', 'beta', 'sigmaSchedule', 'annealLr', 'bogus']);
    expect(errors[0].message).toMatch(/not a number/);
    expect(errors[1].message).toMatch(/not an integer/);
    expect(errors[2].message).toMatch(/outside/);
    expect(errors[3].message).toMatch(/not one of/);
    expect(errors[5].message).toMatch(/unknown/);
  });

  it('survives hostile hashes: huge strings, Infinity, bad escapes, prototype keys, duplicates', () => {
    const huge = parseHash('#sigmaMax=' + '9'.repeat(100_000));
    expect(huge.config).toEqual(defaultConfig());
    expect(huge.errors[0].field).toBe('hash');

    const longValue = parseHash('#sigmaMax=' + '1'.repeat(500));
    expect(longValue.errors[0]).toMatchObject({ field: 'sigmaMax' });

    const r = parseHash('#sigmaMax=Infinity&beta=1e999&%E0%A4%A=1&__proto__=1&constructor=2&alpha=1&alpha=3');
    expect(r.config.sigmaMax).toBe(defaultConfig().sigmaMax);
    expect(r.config.beta).toBe(defaultConfig().beta);
    expect(r.config.alpha).toBe(1);
    const fields = r.errors.map((e) => e.field);
    expect(fields).toContain('sigmaMax');
    expect(fields).toContain('beta');
    expect(fields).toContain('__proto__');
    expect(fields).toContain('constructor');
    expect(fields).toContain('alpha');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.config)).toBe(Object.prototype);
  });

  it('checks relations between fields, undoing the field the input changed', () => {
    const d = defaultConfig();
    // Horizon 2 breaks two relations (executeSteps ≤ H, priorActionTokens divides H); undoing it mends both, and
    // the untouched priorActionTokens is neither reset nor blamed.
    const onlyHorizon = parseHash('#horizon=2');
    expect(onlyHorizon.config).toEqual(d);
    expect(onlyHorizon.errors).toEqual([{ field: 'horizon', message: `executeSteps ${d.executeSteps} exceeds horizon 2` }]);
    const tokensKept = parseHash('#priorActionTokens=2&horizon=2');
    expect([tokensKept.config.priorActionTokens, tokensKept.config.horizon]).toEqual([2, d.horizon]);
    expect(tokensKept.errors).toEqual([{ field: 'horizon', message: `executeSteps ${d.executeSteps} exceeds horizon 2` }]);

    const both = parseHash('#horizon=8&executeSteps=12');
    expect([both.config.horizon, both.config.executeSteps]).toEqual([d.horizon, d.executeSteps]);
    expect(both.errors.map((e) => e.field)).toEqual(['executeSteps']);

    const fine = parseHash('#horizon=8&executeSteps=8');
    expect([fine.config.horizon, fine.config.executeSteps]).toEqual([8, 8]);
    expect(fine.errors).toEqual([]);

    for (const r of [onlyHorizon, tokensKept, both, fine]) expect(crossFieldErrors(r.config)).toEqual([]);
  });

  it('validates the MeanFlow stage keys, naming the field (and both fields of a broken relation)', () => {
    expect(() => parseCliArgs(['--meanflow-fd-step', '0'])).toThrow(/^--meanflow-fd-step: 0 is outside \[0\.000001, 0\.1\]$/);
    expect(() => parseCliArgs(['--meanflow-loss-power', '-1'])).toThrow(/^--meanflow-loss-power: -1 is outside \[0, 2\]$/);
    expect(() => parseCliArgs(['--meanflow-iters', '2.5'])).toThrow(/^--meanflow-iters: 2\.5 is not an integer$/);
    const d = defaultConfig();
    const r = parseHash('#meanflowFullFraction=0.6&meanflowEqualFraction=0.6');
    expect(r.errors.map((e) => e.message)).toEqual([`meanflowFullFraction 0.6 + meanflowEqualFraction 0.6 exceeds 1`]);
    expect(r.config.meanflowFullFraction + r.config.meanflowEqualFraction).toBeLessThanOrEqual(1);
    expect(crossFieldErrors({ ...d, meanflowFullFraction: 0.5, meanflowEqualFraction: 0.5 })).toEqual([]);
  });

  it('parses CLI flags in both spellings, booleans and command flags', () => {
    const r = parseCliArgs(['--sigma-max', '0.2', '--sde-steps=3', '--no-anneal-lr', '--out', 'dir', '--json'], { values: ['out'], switches: ['json'] });
    expect(r.config.sigmaMax).toBe(0.2);
    expect(r.config.sdeSteps).toBe(3);
    expect(r.config.annealLr).toBe(false);
    expect(r.flags).toEqual({ out: 'dir' });
    expect([...r.switches]).toEqual(['json']);
    expect([...r.configFlags].sort()).toEqual(['annealLr', 'sdeSteps', 'sigmaMax']);
  });

  it('rejects bad CLI flags with a message naming the flag', () => {
    expect(() => parseCliArgs(['--sigma-max', 'x'])).toThrow(/--sigma-max: "x" is not a number/);
    expect(() => parseCliArgs(['--sigmaMax', '0.1'])).toThrow(/--sigmaMax: unknown flag/);
    expect(() => parseCliArgs(['--frobnicate'])).toThrow(/--frobnicate: unknown flag/);
    expect(() => parseCliArgs(['--out'], { values: ['out'] })).toThrow(/--out: needs a value/);
    expect(() => parseCliArgs(['stray'])).toThrow(ConfigError);
    expect(() => parseCliArgs(['--json=1'], { switches: ['json'] })).toThrow(/--json: takes no value/);
    // A command that takes only some config keys refuses the others (their value consumed, not read as a stray argument).
    const onlyTask = { configKeys: ['task'] as const };
    expect(parseCliArgs(['--task', 'push-3d'], onlyTask).config.task).toBe('push-3d');
    expect(() => parseCliArgs(['--sigma-max', '0', '--task', 'push-3d'], onlyTask)).toThrow(/^--sigma-max: unknown flag \(this command takes no hyperparameters\)$/);
    expect(() => parseCliArgs(['--anneal-lr'], onlyTask)).toThrow(/^--anneal-lr: unknown flag \(this command takes no hyperparameters\)$/);
    expect(() => parseCliArgs(['--no-anneal-lr'], onlyTask)).toThrow(/^--no-anneal-lr: unknown flag \(this command takes no hyperparameters\)$/);
  });

  it('validates config files', () => {
    expect(parseConfigJson({ sigmaMax: 0.3, sdeMode: 'terminal' }).sdeMode).toBe('terminal');
    expect(() => parseConfigJson([1, 2])).toThrow(/config: expected a JSON object/);
    expect(() => parseConfigJson({ sdeSteps: '10' })).not.toThrow();
    expect(() => parseConfigJson({ sdeSteps: 0 })).toThrow(/sdeSteps: 0 is outside/);
    expect(() => parseConfigJson({ nope: 1 })).toThrow(/nope: unknown parameter/);
  });
});

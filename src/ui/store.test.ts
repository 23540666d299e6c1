import { describe, expect, it } from 'vitest';
import { SCHEMA, defaultConfig } from '../core/config';
import { continueTo, type TrainingProgress } from '../engine/trainingProgress';
import { createAppStore, defaultFor } from './store';

describe('app store', () => {
  it('starts from the URL hash, keeping valid fields and listing rejected ones', () => {
    const s = createAppStore('#numEnvs=64&sigmaMax=abc&nope=1').getState();
    expect(s.config).toEqual({ ...defaultConfig(), numEnvs: 64 });
    expect(s.hashErrors.map((e) => e.field)).toEqual(['sigmaMax', 'nope']);
    expect(defaultFor('sigmaMax')).toBe('0.1');
    expect(defaultFor('nope')).toBeNull();
  });

  it('applies a valid value and refuses an invalid one with a message, keeping the config', () => {
    const store = createAppStore('');
    expect(store.getState().setParam('sigmaMax', 0.2)).toBe(true);
    expect(store.getState().config.sigmaMax).toBe(0.2);
    const before = store.getState().config;
    expect(store.getState().setParam('sigmaMax', '2')).toBe(false);
    expect(store.getState().config).toBe(before);
    expect(store.getState().inputErrors.sigmaMax).toBe('2 is outside [0, 1]');
    // A later good value clears the message.
    store.getState().setParam('sigmaMax', '0.3');
    expect(store.getState().inputErrors.sigmaMax).toBeUndefined();
  });

  it('refuses a value that breaks a relation between fields, naming the other field', () => {
    const store = createAppStore('');
    expect(store.getState().setParam('executeSteps', 20)).toBe(false);
    expect(store.getState().config.executeSteps).toBe(SCHEMA.executeSteps.default);
    expect(store.getState().inputErrors.executeSteps).toBe(`executeSteps 20 exceeds horizon ${SCHEMA.horizon.default}`);
    expect(store.getState().setParam('sigmaMin', 0.5)).toBe(false);
    expect(store.getState().inputErrors.sigmaMin).toMatch(/exceeds sigmaMax/);
  });

  it('resets one field or all, and re-reads a hash', () => {
    const store = createAppStore('#seed=7&alpha=3');
    store.getState().resetParam('seed');
    expect(store.getState().config).toEqual({ ...defaultConfig(), alpha: 3 });
    // A rejected value's message is cleared by Reset all, and the value boxes are told to drop what was typed.
    expect(store.getState().setParam('sigmaMin', '0.5')).toBe(false);
    const resets = store.getState().inputResets;
    store.getState().resetAll();
    expect(store.getState().config).toEqual(defaultConfig());
    expect(store.getState().inputErrors).toEqual({});
    expect(store.getState().inputResets).toBe(resets + 1);
    store.getState().loadHash('#seed=9&episodeLength=x');
    expect(store.getState().config.seed).toBe(9);
    expect(store.getState().hashErrors).toEqual([{ field: 'episodeLength', message: '"x" is not a number' }]);
  });

  it('keeps a bounded list of notices', () => {
    const store = createAppStore('');
    for (let i = 0; i < 50; i++) store.getState().addNotice({ level: 'info', source: 'engine', message: `n${i}` });
    const { notices } = store.getState();
    expect(notices.length).toBe(20);
    expect(notices[19].message).toBe('n49');
    // Dismissing hides the toast only: the log (Engine tab) still has it.
    store.getState().dismissNotice(notices[19].id);
    expect(store.getState().notices.map((n) => n.shown)).toEqual([...Array(19).fill(true), false]);
    expect(store.getState().notices.at(-1)!.message).toBe('n49');
    expect(new Set(store.getState().notices.map((n) => n.id)).size).toBe(20);
  });

  it('keeps the latest PPO run through the stage-0/1 runs after it, so a continue can still go on with it', () => {
    const store = createAppStore('');
    const run = (stage: TrainingProgress['stage'], iter: number, iters: number): TrainingProgress => ({ task: 'push-t', stage, iters, iter, running: false, paused: false, records: [], message: '', outcome: 'stopped' });
    store.getState().setTraining(run('ppo-sagr', 3, 10));
    store.getState().setTraining(run('prior', 40, 100));
    expect(store.getState().training?.stage).toBe('prior');
    expect(continueTo(store.getState().lastPpo, 50)).toBe(10);
    store.getState().setTraining(run('ppo-strategy', 2, 2));
    expect(store.getState().lastPpo?.stage).toBe('ppo-strategy');
    expect(continueTo(store.getState().lastPpo, 50)).toBe(52);
  });
});

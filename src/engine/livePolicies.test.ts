import { describe, expect, it } from 'vitest';
import { PPO_RUNS } from '../cli/learnedPolicy';
import { bestPolicy, checkpointSlots, defaultPair, isFullyTrained, policyLabel, policyModules, POLICY_FOLDERS } from './livePolicies';

const STAGE01 = ['prior', 'world', 'reflex'];
const PPO = ['ppo/prior', 'ppo/world', 'ppo/reflex', 'ppo/strategy'];

describe('live policies', () => {
  it('look for checkpoints where the CLI writes and reads them', () => {
    expect(POLICY_FOLDERS.sagr).toBe(`${PPO_RUNS.sagr}/`);
    expect(POLICY_FOLDERS.strategy).toBe(`${PPO_RUNS.strategy}/`);
    expect(POLICY_FOLDERS.residual).toBe(`${PPO_RUNS.residual}/`);
    expect(POLICY_FOLDERS.dsrl).toBe(`${PPO_RUNS.dsrl}/`);
    expect(POLICY_FOLDERS.reinflow).toBe(`${PPO_RUNS.reinflow}/`);
    expect(POLICY_FOLDERS['reinflow-reflex']).toBe(`${PPO_RUNS['reinflow-reflex']}/`);
    expect(POLICY_FOLDERS.rwfm).toBe(`${PPO_RUNS.rwfm}/`);
    expect(POLICY_FOLDERS.grpo).toBe(`${PPO_RUNS.grpo}/`);
    expect(POLICY_FOLDERS.meanflow).toBe(`${PPO_RUNS.meanflow}/`);
    const keys = checkpointSlots().map(([f, m]) => `${f}${m}`);
    expect(new Set(keys)).toEqual(
      new Set([
        ...STAGE01,
        ...PPO,
        'ppo/critic',
        'ppo-strategy/prior',
        'ppo-strategy/strategy',
        'ppo-strategy/world',
        'ppo-strategy/critic',
        // The literal-recipe reflex runs with its own Φ (positions only) and prior copy; the per-step η from its own run.
        'variants/reflex-literal/prior',
        'variants/reflex-literal/world',
        'variants/reflex-literal/reflex',
        'ppo-residual/prior',
        'ppo-residual/strategy',
        'ppo-residual/world',
        'dsrl/prior',
        'dsrl/strategy',
        'dsrl/world',
        'reinflow/prior',
        'reinflow/strategy',
        'reinflow/world',
        // ReinFlow trained with the reflex in its rollouts runs that reflex and Φ, from its own run.
        'reinflow-reflex/prior',
        'reinflow-reflex/world',
        'reinflow-reflex/reflex',
        'reinflow-reflex/strategy',
        // RWFM and GRPO fine-tune the prior itself; Φ (a copy of the shipped one) only draws residuals beside it.
        'rwfm/prior',
        'rwfm/world',
        'grpo/prior',
        'grpo/world',
        // The one-step prior alone (train --stage meanflow writes OUT/meanflow/prior).
        'meanflow/prior',
        // The long-chunk variants: the prior and the reflex share the DAgger prior's folder; the stage-2 runs on it
        // each carry all their modules.
        'variants/prior-long/prior',
        'variants/prior-long/world',
        'variants/prior-long/reflex',
        'variants/sagr-long/prior',
        'variants/sagr-long/world',
        'variants/sagr-long/reflex',
        'variants/sagr-long/strategy',
        'variants/reinflow-reflex-long/prior',
        'variants/reinflow-reflex-long/world',
        'variants/reinflow-reflex-long/reflex',
        'variants/reinflow-reflex-long/strategy',
      ]),
    );
  });

  it('run what is trained, most complete first, and fall back to the expert', () => {
    expect(bestPolicy(new Set())).toBe('expert');
    expect(bestPolicy(new Set(['prior']))).toBe('prior');
    expect(bestPolicy(new Set(STAGE01))).toBe('reflex');
    expect(bestPolicy(new Set([...STAGE01, ...PPO]))).toBe('sagr');
    // A stage-2 run missing a module is not the full method.
    expect(isFullyTrained('sagr', new Set([...STAGE01, 'ppo/prior', 'ppo/world', 'ppo/reflex']))).toBe(false);
  });

  it('pair the prior with the most complete other policy, honestly when little is trained', () => {
    expect(defaultPair(new Set([...STAGE01, ...PPO]))).toEqual(['prior', 'sagr']);
    expect(defaultPair(new Set(STAGE01))).toEqual(['prior', 'reflex']);
    expect(defaultPair(new Set(['prior']))).toEqual(['prior', 'expert']);
    expect(defaultPair(new Set())).toEqual(['expert', 'prior']);
    // The switches' variants are never chosen for the person: they are there to be compared on purpose.
    const all = new Set(checkpointSlots().map(([f, m]) => `${f}${m}`));
    expect(bestPolicy(all)).toBe('sagr');
    expect(defaultPair(all)).toEqual(['prior', 'sagr']);
  });

  it('label every module as trained or randomly initialised', () => {
    const modules = policyModules('reflex', new Set(['prior', 'world']));
    expect(modules).toEqual({ prior: 'trained', world: 'trained', reflex: 'random' });
    expect(policyLabel('reflex', modules)).toBe('reflex (v_θ, Φ trained; b_ψ random init)');
    // The expert and the prior use Φ only when it is trained (an untrained Φ would draw meaningless residuals).
    expect(policyModules('prior', new Set(['prior']))).toEqual({ prior: 'trained' });
    expect(policyModules('expert', new Set(['world']))).toEqual({ world: 'trained' });
    expect(policyLabel('expert', {})).toBe('expert (privileged planner)');
  });
});

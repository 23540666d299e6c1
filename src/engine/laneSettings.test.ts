// Side-by-side lanes running the same policy with different live settings: the headless playground (cpu backend,
// tiny randomly initialised modules) re-plans each lane at its own n, applies each lane's reflex gain, keeps the
// settings across a change of policies, and refuses bad settings with a message naming the field. Also: a
// policy's stand-in strategy acts at the rate that policy needs.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { initRapier } from '../sim/pusht/pushTEnv';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { parseLaneSettings } from './laneSettings';
import { decompositionTerm, laneLayout, laneViews } from './liveFrame';
import { useNodeBackend } from './nodeBackend';
import { Playground, type PlaygroundHost } from './playground';
import type { LiveFrame, PlaygroundStatus } from './protocol';

// Horizon 16 so that one lane can execute whole chunks (n = 16) while the other re-plans every 4 steps.
const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS, horizon: 16, priorActionTokens: 4, executeSteps: 4, episodeLength: 100 };

function headless(c: Config) {
  const frames: LiveFrame[] = [];
  const statuses: PlaygroundStatus[] = [];
  const host: PlaygroundHost = {
    config: () => c,
    enqueue: (job) => job(),
    postFrame: (f) => frames.push(f),
    postStatus: (s) => statuses.push(s),
    notify: () => undefined,
  };
  const pg = new Playground(host, { modules: new Map(), found: [], problems: [] }, pushTSpec, 'test://');
  const layout = laneLayout(pushTSpec.numTokens, pushTSpec.actionDim);
  /** Lane `i`'s views in the latest frame. */
  const lane = (i: number) => laneViews(frames.at(-1)!.lanes[i].data, layout);
  return { pg, frames, statuses, lane };
}

/** The control steps (0-based) at which each lane sampled a new chunk, over `steps` manual steps. */
async function decisions(h: ReturnType<typeof headless>, steps: number): Promise<number[][]> {
  const out: number[][] = [[], []];
  for (let t = 0; t < steps; t++) {
    await h.pg.apply({ kind: 'step' });
    for (const i of [0, 1]) if (h.lane(i).scalar('decided') === 1) out[i].push(t);
  }
  return out;
}

beforeAll(async () => {
  await useNodeBackend('cpu');
  await initRapier();
});

describe('per-lane settings', () => {
  it('one policy in two lanes: lane 1 at n = 16 re-plans every 16 steps while lane 0 re-plans every 4 (the config n)', async () => {
    const h = headless(config);
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['prior', 'prior'] });
    await h.pg.apply({ kind: 'laneSettings', lane: 1, settings: { executeSteps: 16 } });
    expect(h.statuses.at(-1)!.lanes.map((l) => l.settings)).toEqual([
      { executeSteps: null, reflexGain: null },
      { executeSteps: 16, reflexGain: null },
    ]);
    // The label says what the lane runs differently (the prior here is a stand-in: nothing is trained).
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['prior (v_θ random init)', 'prior (v_θ random init) · n = 16']);
    expect(h.frames.at(-1)!.lanes[1].label).toBe('prior (v_θ random init) · n = 16');
    const [left, right] = await decisions(h, 34);
    expect(left).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32]);
    expect(right).toEqual([0, 16, 32]);

    // The settings belong to the lane, not to its policy: they outlast a change of policies.
    await h.pg.apply({ kind: 'policies', policies: ['prior', 'reflex'] });
    expect(h.statuses.at(-1)!.lanes[1].settings.executeSteps).toBe(16);
    // null goes back to the config's n.
    await h.pg.apply({ kind: 'laneSettings', lane: 1, settings: { executeSteps: null } });
    const [, back] = await decisions(h, 9);
    expect(back).toEqual([0, 4, 8]);
    h.pg.dispose();
  });

  it('each lane runs its own reflex gain: 0 switches lane 1’s reflex off while lane 0’s acts', async () => {
    const h = headless(config);
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['reflex', 'reflex'] });
    await h.pg.apply({ kind: 'laneSettings', lane: 1, settings: { reflexGain: 0 } });
    await h.pg.apply({ kind: 'laneSettings', lane: 0, settings: { reflexGain: 2 } });
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['reflex (v_θ, Φ, b_ψ random init) · g_b = 2', 'reflex (v_θ, Φ, b_ψ random init) · g_b = 0']);
    for (let t = 0; t < 3; t++) await h.pg.apply({ kind: 'step' });
    const reflexTerm = (i: number) => decompositionTerm(h.lane(i), 'reflex', 2);
    const b0 = h.lane(0).reflex;
    // The reflex term is g_b·b in pixels (256 px per normalised unit on Push-T): lane 0's gain is its own 2, not the config's 1.
    expect(reflexTerm(0)[0]).toBeCloseTo(2 * b0[0] * 256, 2);
    expect(Math.hypot(...reflexTerm(0))).toBeGreaterThan(0);
    expect([...reflexTerm(1)]).toEqual([0, 0]);
    h.pg.dispose();
  });

  it('replanThreshold reaches the live lanes: a residual above it cuts every chunk', async () => {
    const h = headless({ ...config, replanThreshold: 1e-6 });
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['reflex', 'prior'] });
    const [withWorld, withoutWorld] = await decisions(h, 6);
    // Step 0 has no prediction yet; from then on the (random) Φ's residual on the object tokens exceeds the threshold.
    expect(withWorld).toEqual([0, 1, 2, 3, 4, 5]);
    // The prior alone has no Φ (nothing trained here), so nothing triggers and it re-plans every n.
    expect(withoutWorld).toEqual([0, 4]);
    h.pg.dispose();
  });

  it('refuse bad settings with a message naming the field', async () => {
    const h = headless(config);
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['prior', 'sagr'] });
    const refused = (lane: unknown, settings: unknown) => h.pg.apply({ kind: 'laneSettings', lane, settings } as never);
    await expect(refused(2, { executeSteps: 8 })).rejects.toThrow('laneSettings.lane: 2 is not a lane (there are 2)');
    await expect(refused(0.5, { executeSteps: 8 })).rejects.toThrow('laneSettings.lane: 0.5 is not a lane');
    await expect(refused(1, { executeSteps: 40 })).rejects.toThrow('lanes[1].executeSteps: 40 is outside [1, 32]');
    await expect(refused(1, { executeSteps: 20 })).rejects.toThrow('lanes[1].executeSteps: 20 exceeds the horizon 16');
    await expect(refused(1, { executeSteps: 2.5 })).rejects.toThrow('lanes[1].executeSteps: 2.5 is not an integer');
    await expect(refused(0, { reflexGain: '1' })).rejects.toThrow('lanes[0].reflexGain: expected a number, or null to follow the config, not string');
    await expect(refused(0, { reflexGain: -1 })).rejects.toThrow('lanes[0].reflexGain: -1 is outside [0, 3]');
    await expect(refused(0, { sigmaMax: 0 })).rejects.toThrow('lanes[0].sigmaMax: not a lane setting (executeSteps, reflexGain)');
    await expect(refused(0, [4])).rejects.toThrow('lanes[0]: expected an object of executeSteps, reflexGain');
    // Nothing refused changed anything.
    expect(h.statuses.at(-1)!.lanes.map((l) => l.settings)).toEqual([
      { executeSteps: null, reflexGain: null },
      { executeSteps: null, reflexGain: null },
    ]);
    h.pg.dispose();
  });

  it('a refused key leaves the valid keys of the same change unapplied too', () => {
    expect(() => parseLaneSettings({ executeSteps: 8, reflexGain: 9 }, 1, 16)).toThrow('lanes[1].reflexGain: 9 is outside [0, 3]');
    expect(parseLaneSettings({ executeSteps: 8, reflexGain: null }, 1, 16)).toEqual({ executeSteps: 8, reflexGain: null });
  });
});

describe('stand-in strategies', () => {
  it('act at the rate their policy needs, whatever the config says: strategy per chunk, residual per step, dsrl on a_0, reinflow as the noise', async () => {
    const h = headless({ ...config, strategyRate: 'step' });
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['strategy', 'dsrl'] });
    await h.pg.apply({ kind: 'step' });
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['strategy (v_θ, η_φ random init), η per chunk', 'dsrl (v_θ, η_φ random init), η chooses a_0']);
    await h.pg.apply({ kind: 'policies', policies: ['residual', 'sagr'] });
    await h.pg.apply({ kind: 'step' });
    // sagr's stand-in follows the config (strategyRate step here), as it did before stand-ins had rates.
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['residual (v_θ, η_φ random init), η per control step', 'sagr (v_θ, Φ, b_ψ, η_φ random init), η per control step']);
    await h.pg.apply({ kind: 'policies', policies: ['reinflow'] });
    await h.pg.apply({ kind: 'step' });
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['reinflow (v_θ, η_φ random init), η = σ_k(s), v_θ fine-tuned']);
  });

  it('meanflow’s stand-in prior is a one-step prior of its own, sampled in one step; the prior lane keeps the K-step one', async () => {
    const h = headless(config);
    await h.pg.apply({ kind: 'pause' });
    await h.pg.apply({ kind: 'policies', policies: ['prior', 'meanflow'] });
    await h.pg.apply({ kind: 'step' });
    expect(h.statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['prior (v_θ random init)', 'meanflow (v_θ random init), one step per chunk']);
    h.pg.dispose();
  });
});

// The live view's first episode at load: the policy the playground opens with on the shipped Push-T checkpoints,
// from the default liveSeed, succeeds (SCHEMA.liveSeed's help promises a representative success, not a failure),
// and the README's quick-look hash, which shortens training episodes, leaves the view's episode at its own length.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shippedCheckpoints } from '../cli/learnedPolicy';
import { defaultConfig, parseHash, type Config } from '../core/config';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { laneLayout, laneViews } from './liveFrame';
import { checkpointKey, checkpointSlots } from './livePolicies';
import { nodeFileHandler } from './nodeCheckpoint';
import { useNodeBackend } from './nodeBackend';
import { Playground } from './playground';
import { LOADERS, type ShippedLoad } from './policyModules';
import type { LiveFrame } from './protocol';
import { patchWasmMatMul } from './wasmMatMul';

/** The shipped checkpoints of `task` from disk, as the page's loadShippedModules finds them by URL. */
async function shippedFromDisk(task: string): Promise<ShippedLoad> {
  const out: ShippedLoad = { modules: new Map(), found: [], problems: [] };
  for (const [folder, module] of checkpointSlots()) {
    const dir = path.join(shippedCheckpoints(task), folder, module);
    if (!existsSync(path.join(dir, 'model.json'))) continue;
    const key = checkpointKey(folder, module);
    out.modules.set(key, await LOADERS[module](nodeFileHandler(dir), pushTSpec));
    out.found.push({ key, module, source: dir });
  }
  return out;
}

/**
 * The playground the page opens on `shipped`, paused, driven by step intents as the page's step button drives it:
 * `firstEpisode(config)` restarts it under `config` and runs episode 0 of its lane to the end.
 */
function pausedPlayground(shipped: ShippedLoad) {
  let config = defaultConfig();
  let frame: LiveFrame | null = null;
  const pg = new Playground(
    { config: () => config, enqueue: (job) => job(), postFrame: (f) => (frame = f), postStatus: () => {}, notify: () => {} },
    shipped,
    pushTSpec,
    '',
  );
  const lane = () => {
    const f = frame!;
    return { policy: f.lanes[0].policy, v: laneViews(f.lanes[0].data, laneLayout(f.numTokens, f.actionDim)) };
  };
  return {
    async firstEpisode(c: Config): Promise<{ policy: string; step: number; success: boolean; maxCoverage: number }> {
      config = c;
      await pg.apply({ kind: 'pause' });
      await pg.apply({ kind: 'reset' });
      while (!lane().v.scalar('done')) await pg.apply({ kind: 'step' });
      const { policy, v } = lane();
      return { policy, step: v.scalar('step'), success: v.scalar('success') === 1, maxCoverage: v.scalar('maxCoverage') };
    },
  };
}

let shipped: ShippedLoad;
beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
  shipped = await shippedFromDisk('push-t');
});

describe('the live view at load', () => {
  it('shows the default policy succeeding in the first episode of the default liveSeed', async () => {
    const r = await pausedPlayground(shipped).firstEpisode(defaultConfig());
    expect(r.policy).toBe('sagr');
    // Measured at step 100 (wasm and cpu backends); well inside the 300-step episode, so a newcomer sees it in ~10 s.
    expect(r.success).toBe(true);
    expect(r.step).toBeLessThanOrEqual(150);
    expect(r.maxCoverage).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it("keeps its own episode length under the README's quick-look hash, which cuts training episodes at 20 steps", async () => {
    const { config, errors } = parseHash('#numEnvs=2&rolloutSteps=24&episodeLength=20&ppoIters=20');
    expect(errors).toEqual([]);
    expect([config.episodeLength, config.liveEpisodeLength]).toEqual([20, defaultConfig().liveEpisodeLength]);
    const r = await pausedPlayground(shipped).firstEpisode(config);
    // Not cut at step 20: the episode runs to the same success as under the defaults.
    expect(r.step).toBeGreaterThan(config.episodeLength);
    expect(r.success).toBe(true);
  }, 300_000);

  it('cuts its episode at liveEpisodeLength', async () => {
    const r = await pausedPlayground(shipped).firstEpisode({ ...defaultConfig(), liveEpisodeLength: 30 });
    expect(r).toMatchObject({ step: 30, success: false });
  }, 300_000);
});

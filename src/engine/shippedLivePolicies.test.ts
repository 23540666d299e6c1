// The method's switches on the shipped Push-T checkpoints, in a headless playground that loads the live policies'
// folders (POLICY_FOLDERS) as the page does.
//   - η per chunk or per control step: strategy runs ppo-strategy/ (η once per chunk), residual ppo-residual/
//     (η at every control step), and the labels say which.
//   - The reflex's sign: the consistent reflex in one lane and the literal-recipe reflex (variants/reflex-literal/,
//     with the positions-only Φ it was trained against) in the other, under the bias button's constant actuator
//     offset on a fixed seed. Executed − intended = g_b·b + d (the chunk's action is what was intended): the
//     consistent reflex cancels most of d, the literal one adds it a second time.
//   - The expert's open-loop plans with and without the shipped reflex, under the same offset: the plans alone
//     carry all of it, the reflex cancels most of it.
//   - The long-chunk variants run from their own folders: reflex-long is the shipped reflex on the long-chunk prior,
//     so on the same seed its first chunk differs from the reflex's; sagr-long and reinflow-reflex-long carry
//     all their modules.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { shippedCheckpoints } from '../cli/learnedPolicy';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { initRapier } from '../sim/pusht/pushTEnv';
import { decompositionTerm, laneLayout, laneViews, type LaneViews } from './liveFrame';
import { checkpointKey, checkpointSlots, POLICY_FOLDERS } from './livePolicies';
import { useNodeBackend } from './nodeBackend';
import { nodeFileHandler } from './nodeCheckpoint';
import { LOADERS, type ShippedLoad } from './policyModules';
import { Playground } from './playground';
import type { LiveFrame, PlaygroundStatus } from './protocol';
import { patchWasmMatMul } from './wasmMatMul';

const DIR = shippedCheckpoints('push-t');
const OFFSET = { dx: 8, dy: -6 };
const config: Config = { ...defaultConfig(), sigmaMax: 0, sigmaMin: 0, seed: 3 };

/** The shipped modules in `folders`, loaded the way the page loads them (every slot of those folders). */
async function shippedFor(folders: string[]): Promise<ShippedLoad> {
  const load: ShippedLoad = { modules: new Map(), found: [], problems: [] };
  for (const [folder, module] of checkpointSlots()) {
    const dir = path.join(DIR, folder, module);
    if (!folders.includes(folder) || !existsSync(path.join(dir, 'model.json'))) continue;
    const key = checkpointKey(folder, module);
    load.modules.set(key, await LOADERS[module](nodeFileHandler(dir), pushTSpec));
    load.found.push({ key, module, source: dir });
  }
  return load;
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
  await initRapier();
});

function headless(shipped: ShippedLoad) {
  const frames: LiveFrame[] = [];
  const statuses: PlaygroundStatus[] = [];
  const host = { config: () => config, enqueue: <T>(job: () => Promise<T>) => job(), postFrame: (f: LiveFrame) => frames.push(f), postStatus: (s: PlaygroundStatus) => statuses.push(s), notify: () => undefined };
  return { pg: new Playground(host, shipped, pushTSpec, 'test://'), frames, statuses };
}

/**
 * Under the bias button's constant offset d, the mean over control steps 5–40 (or to an episode's end) of each lane's
 * ‖g_b·b + d‖: the executed-minus-intended action error (pixels). `first` sees the first step's lanes.
 */
async function offsetErrors(pg: Playground, frames: LiveFrame[], first: (views: LaneViews[]) => void = () => undefined): Promise<{ errors: number[]; counted: number }> {
  await pg.apply({ kind: 'perturb', spec: `bias:dx=${OFFSET.dx},dy=${OFFSET.dy}` });
  const layout = laneLayout(pushTSpec.numTokens, pushTSpec.actionDim);
  const error = [0, 0];
  let counted = 0;
  for (let t = 0; t < 40; t++) {
    await pg.apply({ kind: 'step' });
    const views = frames.at(-1)!.lanes.map((l) => laneViews(l.data, layout));
    if (t === 0) first(views);
    if (views.some((v) => v.scalar('done') === 1)) break;
    if (t < 5) continue; // the reflex needs residuals first
    for (const i of [0, 1]) {
      const b = decompositionTerm(views[i], 'reflex', 2); // g_b·b, pixels
      error[i] += Math.hypot(b[0] + OFFSET.dx, b[1] + OFFSET.dy);
    }
    counted++;
  }
  return { errors: error.map((e) => e / counted), counted };
}

describe('the method’s switches on the shipped checkpoints', () => {
  it('η per chunk (strategy) beside η per control step (residual), each from its own stage-2 run', async () => {
    const { pg, statuses } = headless(await shippedFor([POLICY_FOLDERS.strategy, POLICY_FOLDERS.residual]));
    await pg.apply({ kind: 'pause' });
    await pg.apply({ kind: 'policies', policies: ['strategy', 'residual'] });
    expect(statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['strategy (v_θ, Φ, η_φ trained), η per chunk', 'residual (v_θ, Φ, η_φ trained), η per control step']);
    pg.dispose();
  });

  it('the literal-recipe reflex: under a constant offset, its executed-minus-intended error is far larger than the consistent reflex’s', async () => {
    const { pg, frames, statuses } = headless(await shippedFor([POLICY_FOLDERS.reflex, POLICY_FOLDERS['reflex-literal']]));
    await pg.apply({ kind: 'pause' });
    await pg.apply({ kind: 'policies', policies: ['reflex', 'reflex-literal'] });
    // Both lanes run trained modules only: nothing stands in for a missing checkpoint.
    expect(statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['reflex (v_θ, Φ, b_ψ trained)', 'reflex-literal (v_θ, Φ, b_ψ trained)']);
    const { errors, counted } = await offsetErrors(pg, frames);
    pg.dispose();
    const [consistent, literal] = errors;
    const offset = Math.hypot(OFFSET.dx, OFFSET.dy);
    expect(counted).toBeGreaterThanOrEqual(20);
    // The consistent reflex cancels at least half the offset; the literal one makes it worse than no reflex at all.
    expect(consistent).toBeLessThan(0.5 * offset);
    expect(literal).toBeGreaterThan(offset);
    expect(literal).toBeGreaterThan(3 * consistent);
  });

  it('the long-chunk variants run their own trained modules, and reflex-long plans with the long-chunk prior', async () => {
    const folders = [POLICY_FOLDERS.reflex, POLICY_FOLDERS['reflex-long'], POLICY_FOLDERS['sagr-long'], POLICY_FOLDERS['reinflow-reflex-long']];
    const { pg, frames, statuses } = headless(await shippedFor(folders));
    await pg.apply({ kind: 'pause' });
    await pg.apply({ kind: 'policies', policies: ['sagr-long', 'reinflow-reflex-long'] });
    expect(statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['sagr-long (v_θ, Φ, b_ψ, η_φ trained), η per chunk', 'reinflow-reflex-long (v_θ, Φ, b_ψ, η_φ trained), η = σ_k(s), v_θ fine-tuned']);
    await pg.apply({ kind: 'policies', policies: ['reflex', 'reflex-long'] });
    expect(statuses.at(-1)!.lanes.map((l) => l.label)).toEqual(['reflex (v_θ, Φ, b_ψ trained)', 'reflex-long (v_θ, Φ, b_ψ trained)']);
    await pg.apply({ kind: 'step' });
    const layout = laneLayout(pushTSpec.numTokens, pushTSpec.actionDim);
    const [shipped, long] = frames.at(-1)!.lanes.map((l) => decompositionTerm(laneViews(l.data, layout), 'prior', 2));
    pg.dispose();
    // The same episode and seed in both lanes: only the prior's weights differ.
    expect(Math.hypot(shipped[0] - long[0], shipped[1] - long[1])).toBeGreaterThan(0.01);
  });

  it('expert plans ± reflex: on the same plans under a constant offset, the reflex cancels most of it; the plans alone carry all of it', async () => {
    const { pg, frames, statuses } = headless(await shippedFor([POLICY_FOLDERS['expert-chunks-reflex']]));
    await pg.apply({ kind: 'pause' });
    await pg.apply({ kind: 'policies', policies: ['expert-chunks', 'expert-chunks-reflex'] });
    for (const lane of [0, 1]) await pg.apply({ kind: 'laneSettings', lane, settings: { executeSteps: 8 } });
    expect(statuses.at(-1)!.lanes.map((l) => l.label)).toEqual([
      'expert-chunks (privileged planner, open-loop chunks; Φ observing) · n = 8',
      'expert-chunks-reflex (privileged planner, open-loop chunks; Φ, b_ψ trained) · n = 8',
    ]);
    const { errors, counted } = await offsetErrors(pg, frames, (views) => {
      // The same state, the same plan: the first planned action is identical in both lanes.
      const [a, b] = views.map((v) => decompositionTerm(v, 'prior', 2));
      expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(1e-3);
    });
    pg.dispose();
    const [open, corrected] = errors;
    const offset = Math.hypot(OFFSET.dx, OFFSET.dy);
    expect(counted).toBeGreaterThanOrEqual(20);
    expect(open).toBeCloseTo(offset, 6);
    expect(corrected).toBeLessThan(0.5 * offset);
  });
});

// The learned eval policies built from a checkpoint folder on disk: DIR/prior, DIR/world, DIR/reflex and
// DIR/strategy as `train` writes them. Defaults: the shipped stage-0/1 modules public/checkpoints/<task>/ for
// prior and reflex; the stage-2 runs public/checkpoints/<task>/ppo/ (sagr) and .../ppo-strategy/ (the strategy
// ablation, trained with the reflex off). Runs on the wasm backend.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { loadPrior, loadReflex, loadStrategy, loadWorld } from '../eval/learnedCheckpoints';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import type { RolloutPolicy } from '../eval/rolloutPolicy';
import type { TaskSpec } from '../sim/taskSpec';
import { UsageError } from './command';

export const LEARNED_POLICIES = ['prior', 'reflex', 'strategy', 'sagr'] as const;
export type LearnedPolicyName = (typeof LEARNED_POLICIES)[number];

/** The shipped checkpoints of a task (the embedded defaults). */
export function shippedCheckpoints(task: string): string {
  return fileURLToPath(new URL(`../../public/checkpoints/${task}`, import.meta.url));
}

/** Subfolders of the shipped checkpoints holding the stage-2 runs. */
export const PPO_RUNS = { sagr: 'ppo', strategy: 'ppo-strategy' } as const;

/** Where a policy's checkpoint is when --checkpoint is not given. */
export function defaultCheckpoint(name: LearnedPolicyName, task: string): string {
  return name === 'sagr' || name === 'strategy' ? path.join(shippedCheckpoints(task), PPO_RUNS[name]) : shippedCheckpoints(task);
}

async function loadFrom<T>(dir: string, module: string, load: (dir: string) => Promise<T>): Promise<T> {
  try {
    return await load(path.join(dir, module));
  } catch (e) {
    throw new UsageError(`--checkpoint: cannot load the ${module} from ${path.join(dir, module)} (${(e as Error).message.split('\n')[0]})`);
  }
}

export async function loadLearnedPolicy(name: LearnedPolicyName, dir: string, config: Config, spec: TaskSpec, numEnvs: number): Promise<RolloutPolicy> {
  await useNodeBackend('wasm');
  patchWasmMatMul();
  const prior = await loadFrom(dir, 'prior', (d) => loadPrior(nodeFileHandler(d), spec));
  if (config.executeSteps > prior.config.horizon) {
    prior.dispose();
    throw new UsageError(`--execute-steps: ${config.executeSteps} exceeds the checkpoint's horizon ${prior.config.horizon}`);
  }
  const loaded: { dispose(): void }[] = [prior];
  try {
    let reflexParts = null;
    if (name === 'reflex' || name === 'sagr') {
      const world = await loadFrom(dir, 'world', (d) => loadWorld(nodeFileHandler(d), spec));
      loaded.push(world);
      const reflex = await loadFrom(dir, 'reflex', (d) => loadReflex(nodeFileHandler(d), spec));
      loaded.push(reflex);
      reflexParts = { world, reflex };
    }
    const strategy = name === 'strategy' || name === 'sagr' ? await loadFrom(dir, 'strategy', (d) => loadStrategy(nodeFileHandler(d), spec)) : null;
    return new ChunkedFlowPolicy(prior, spec, numEnvs, config, reflexParts, strategy);
  } catch (e) {
    for (const m of loaded) m.dispose();
    throw e;
  }
}

// The learned eval policies (prior, reflex) built from a checkpoint folder on disk: DIR/prior, DIR/world and
// DIR/reflex as `train` writes them; by default the shipped public/checkpoints/<task>/. Runs on the wasm backend.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Config } from '../core/config';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { loadPrior, loadReflex, loadWorld } from '../eval/learnedCheckpoints';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import type { RolloutPolicy } from '../eval/rolloutPolicy';
import type { TaskSpec } from '../sim/taskSpec';
import { UsageError } from './command';

export const LEARNED_POLICIES = ['prior', 'reflex'] as const;
export type LearnedPolicyName = (typeof LEARNED_POLICIES)[number];

/** The shipped checkpoints of a task (the embedded defaults). */
export function shippedCheckpoints(task: string): string {
  return fileURLToPath(new URL(`../../public/checkpoints/${task}`, import.meta.url));
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
  if (name === 'prior') return new ChunkedFlowPolicy(prior, spec, numEnvs, config);
  try {
    const world = await loadFrom(dir, 'world', (d) => loadWorld(nodeFileHandler(d), spec));
    const reflex = await loadFrom(dir, 'reflex', (d) => loadReflex(nodeFileHandler(d), spec)).catch((e) => {
      world.dispose();
      throw e;
    });
    return new ChunkedFlowPolicy(prior, spec, numEnvs, config, { world, reflex });
  } catch (e) {
    prior.dispose();
    throw e;
  }
}

// The learned eval policies built from a checkpoint folder on disk: DIR/prior, DIR/world, DIR/reflex and
// DIR/strategy as `train` writes them. Defaults: the shipped stage-0/1 modules public/checkpoints/<task>/ for
// prior and reflex; the stage-2 runs public/checkpoints/<task>/ppo/ (sagr) and .../ppo-strategy/ (the strategy
// ablation, trained with the reflex off). Runs on the wasm backend.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Config } from '../core/config';
import { useProjectWasm } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { loadPrior, loadReflex, loadStrategy, loadWorld } from '../eval/learnedCheckpoints';
import { createExpertChunkPolicy } from '../eval/expertPolicy';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import type { ReflexSource } from '../policy/closedLoop';
import type { RolloutPolicy } from '../eval/rolloutPolicy';
import type { TaskSpec } from '../sim/taskSpec';
import { validateTask } from '../sim/tasks';
import { UsageError } from './command';

export const LEARNED_POLICIES = ['prior', 'reflex', 'strategy', 'sagr'] as const;
/** The reviewers' controls (src/policy/closedLoop.ts): not in `all`, named explicitly. */
export const CONTROL_POLICIES = ['integral', 'anchor', 'shuffled', 'residual'] as const;
/** The field's other ways to improve a flow policy, on the same harness (issue 19): not in `all`, named explicitly. */
export const BASELINE_POLICIES = ['dsrl', 'reinflow', 'reinflow-reflex', 'rwfm', 'grpo', 'meanflow'] as const;
/** The expert's open-loop plans corrected by the checkpoint's Φ and reflex (or the integral control, or the reflex on another env's Δz): no prior. */
export const PLAN_POLICIES = ['expert-chunks-reflex', 'expert-chunks-integral', 'expert-chunks-shuffled'] as const;
export type LearnedPolicyName = (typeof LEARNED_POLICIES)[number] | (typeof CONTROL_POLICIES)[number] | (typeof BASELINE_POLICIES)[number] | (typeof PLAN_POLICIES)[number];

/** The shipped checkpoints of a task (the embedded defaults). */
export function shippedCheckpoints(task: string): string {
  return fileURLToPath(new URL(`../../public/checkpoints/${task}`, import.meta.url));
}

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A checkpoint folder as a run's metadata records where it started (`from`, `teacher`): relative to the repository
 * when inside it, so a shipped run names public/checkpoints/… and not the path of the machine that trained it;
 * elsewhere absolute.
 */
export function recordedPath(folder: string): string {
  const relative = path.relative(REPOSITORY, path.resolve(folder));
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(folder) : relative;
}

/** Subfolders of the shipped checkpoints holding the stage-2 runs (and the one-step prior's run, `train --stage meanflow`). */
export const PPO_RUNS = { sagr: 'ppo', shuffled: 'ppo', strategy: 'ppo-strategy', residual: 'ppo-residual', dsrl: 'dsrl', reinflow: 'reinflow', 'reinflow-reflex': 'reinflow-reflex', rwfm: 'rwfm', grpo: 'grpo', meanflow: 'meanflow' } as const;

/** Which modules a policy runs, and where its reflex comes from. */
const POLICY_PARTS: Record<LearnedPolicyName, { world: boolean; reflex: boolean; strategy: boolean; reflexSource: ReflexSource }> = {
  prior: { world: false, reflex: false, strategy: false, reflexSource: 'learned' },
  reflex: { world: true, reflex: true, strategy: false, reflexSource: 'learned' },
  strategy: { world: false, reflex: false, strategy: true, reflexSource: 'learned' },
  sagr: { world: true, reflex: true, strategy: true, reflexSource: 'learned' },
  integral: { world: true, reflex: false, strategy: false, reflexSource: 'integral' },
  anchor: { world: true, reflex: false, strategy: false, reflexSource: 'anchor' },
  shuffled: { world: true, reflex: true, strategy: true, reflexSource: 'shuffled' },
  residual: { world: false, reflex: false, strategy: true, reflexSource: 'learned' },
  // DSRL: the prior with a latent-rate strategy choosing a_0 (the strategy's config says so).
  dsrl: { world: false, reflex: false, strategy: true, reflexSource: 'learned' },
  // ReinFlow: the run's fine-tuned prior with its noise-rate strategy σ_k(s) (used only when σ ≠ 0).
  reinflow: { world: false, reflex: false, strategy: true, reflexSource: 'learned' },
  // ReinFlow trained with the reflex in its rollouts: its fine-tuned prior, the run's Φ and reflex, and σ_k(s).
  'reinflow-reflex': { world: true, reflex: true, strategy: true, reflexSource: 'learned' },
  // RWFM and its GRPO variant: the prior alone, with the weights fine-tuned on its reward-weighted rollouts.
  rwfm: { world: false, reflex: false, strategy: false, reflexSource: 'learned' },
  grpo: { world: false, reflex: false, strategy: false, reflexSource: 'learned' },
  // MeanFlow: a one-step prior alone (its checkpoint's meanFlow flag makes the loop sample it in one step).
  meanflow: { world: false, reflex: false, strategy: false, reflexSource: 'learned' },
  // The expert's open-loop chunks (expert-chunks) with the checkpoint's Φ and reflex, Φ and the integral control, or
  // the reflex reading another env's residuals (does Δz carry the information?).
  'expert-chunks-reflex': { world: true, reflex: true, strategy: false, reflexSource: 'learned' },
  'expert-chunks-integral': { world: true, reflex: false, strategy: false, reflexSource: 'integral' },
  'expert-chunks-shuffled': { world: true, reflex: true, strategy: false, reflexSource: 'shuffled' },
};

const plansWithExpert = (name: LearnedPolicyName): name is (typeof PLAN_POLICIES)[number] => (PLAN_POLICIES as readonly string[]).includes(name);

/** Where a policy's checkpoint is when --checkpoint is not given. */
export function defaultCheckpoint(name: LearnedPolicyName, task: string): string {
  return name in PPO_RUNS ? path.join(shippedCheckpoints(task), PPO_RUNS[name as keyof typeof PPO_RUNS]) : shippedCheckpoints(task);
}

async function loadFrom<T>(dir: string, module: string, load: (dir: string) => Promise<T>): Promise<T> {
  try {
    return await load(path.join(dir, module));
  } catch (e) {
    throw new UsageError(`--checkpoint: cannot load the ${module} from ${path.join(dir, module)} (${(e as Error).message.split('\n')[0]})`);
  }
}

export async function loadLearnedPolicy(name: LearnedPolicyName, dir: string, config: Config, spec: TaskSpec, numEnvs: number): Promise<RolloutPolicy> {
  await useProjectWasm();
  const parts = POLICY_PARTS[name];
  const loaded: { dispose(): void }[] = [];
  const prior = plansWithExpert(name) ? null : await loadFrom(dir, 'prior', (d) => loadPrior(nodeFileHandler(d), spec));
  if (prior) {
    loaded.push(prior);
    if (config.executeSteps > prior.config.horizon) {
      prior.dispose();
      throw new UsageError(`--execute-steps: ${config.executeSteps} exceeds the checkpoint's horizon ${prior.config.horizon}`);
    }
    if (name === 'meanflow' && !prior.config.meanFlow) {
      prior.dispose();
      throw new UsageError(`--checkpoint: ${path.join(dir, 'prior')} is a K-step prior; --policy meanflow needs a one-step (MeanFlow) prior, as \`train --stage meanflow --out OUT\` writes to OUT/meanflow`);
    }
  }
  const part = async <T extends { dispose(): void }>(wanted: boolean, module: string, load: (h: ReturnType<typeof nodeFileHandler>, s: TaskSpec) => Promise<T>): Promise<T | null> => {
    if (!wanted) return null;
    const m = await loadFrom(dir, module, (d) => load(nodeFileHandler(d), spec));
    loaded.push(m);
    return m;
  };
  try {
    const world = await part(parts.world, 'world', loadWorld);
    const reflex = await part(parts.reflex, 'reflex', loadReflex);
    const strategy = await part(parts.strategy, 'strategy', loadStrategy);
    if (numEnvs < 2 && parts.reflexSource === 'shuffled') throw new UsageError('--num-envs: the shuffled control needs at least 2 parallel envs');
    if (!prior) return await createExpertChunkPolicy(numEnvs, validateTask(config.task), config.executeSteps, { name, world: world!, reflex, reflexSource: parts.reflexSource, params: config });
    return new ChunkedFlowPolicy(name, { prior, world, reflex, strategy }, spec, numEnvs, config, { reflexSource: parts.reflexSource });
  } catch (e) {
    for (const m of loaded) m.dispose();
    throw e;
  }
}

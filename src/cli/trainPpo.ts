// `sagr train --stage ppo`: stage 2 from stage-0/1 checkpoints, with periodic checkpoints and resume.
//
// Reads prior/, world/ and reflex/ from FROM (a folder as `train` writes it) and writes the run to RUN =
// OUT/ppo, or OUT/ppo-strategy when reflexGain = 0 (the strategy ablation: reflex off, only η learns), or
// OUT/ppo-residual when also strategyRate = step (residual RL without Δz, a control), or OUT/dsrl when it is
// latent (DSRL: η chooses the prior's initial noise; `train --stage dsrl`), or OUT/reinflow when it is noise
// (ReinFlow: η is the chain's learned noise scale and v_θ is fine-tuned; `train --stage reinflow`; its prior/ is
// the fine-tuned one), or OUT/reinflow-reflex when that runs with the reflex on:
//   RUN/state/           everything needed to resume: every module, every optimizer's moments, and in the
//                        metadata the config, the next iteration and the reward scaler's statistics
//   RUN/<module>/        prior, world, [reflex,] strategy, critic: one checkpoint each, what `eval` loads
//   RUN/metrics.jsonl    one JSON object per iteration (IterationLog): restarted by a new run; on --resume cut
//                        to the iterations before the saved state's (the later ones are run again)
//   RUN/config.json      the config used
// Checkpoints are written every CHECKPOINT_EVERY iterations and at the end; the state is written to a
// temporary folder and swapped in, so an interruption leaves the previous state whole. `--resume` continues
// from RUN/state with its saved config (new episodes: the envs restart from a seed derived from the iteration);
// the run's task is its config's (--task), and a resumed run must be of the task asked for.
// A NaN/Inf never reaches a checkpoint: updates that produce one are rolled back (ppo.ts, worldUpdate.ts), a
// rollout that produces one rolls the weights back and stops the run, and so do ROLLBACK_LIMIT rolled-back
// iterations in a row; a state on disk with a NaN is refused on --resume (readCheckpoint checks every weight).
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig, parseConfigJson, type Config, type STRATEGY_RATES } from '../core/config';
import { deriveSeed } from '../core/rng';
import { useProjectWasm } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { loadPrior, loadReflex, loadWorld } from '../eval/learnedCheckpoints';
import { assignCheckpoint, readCheckpoint, saveCheckpoint, type Checkpoint, type Checkpointable } from '../nn/checkpoint';
import { Critic, criticConfig, type CriticConfig } from '../policy/critic';
import { FlowPrior, type FlowPriorConfig } from '../policy/flowPrior';
import { Reflex, type ReflexConfig } from '../policy/reflex';
import { Strategy, strategyConfig, type StrategyConfig } from '../policy/strategy';
import { WorldPredictor, type WorldPredictorConfig } from '../policy/worldPredictor';
import { taskSpec, validateTask } from '../sim/tasks';
import { formatIteration, NonFiniteStateError, SagrTrainer, type IterationLog, type SagrTrainerModules, type SagrTrainerOptions } from '../train/ppoSagr';
import type { RunningMoments } from '../train/rewardScaler';
import { indexSteps, splitEpisodes } from '../train/demoData';
import { UsageError } from './command';
import { defaultDemos, readDemos } from './demoFiles';
import { PPO_RUNS, recordedPath } from './learnedPolicy';

/** Iterations between checkpoints. */
export const CHECKPOINT_EVERY = 10;
/** Consecutive iterations whose update was rolled back before the run stops. */
export const ROLLBACK_LIMIT = 3;
const STATE = 'state';

export interface PpoRunOptions {
  /** The run's hyperparameters; config.task picks the task. */
  config: Config;
  /** Folder holding the stage-0/1 checkpoints (prior/, world/, reflex/). */
  from: string;
  /** Folder the run folder (ppo/, ppo-strategy/ or ppo-residual/) goes into. */
  out: string;
  /** Total iterations of the run (default: config.ppoIters). */
  iters?: number;
  resume: boolean;
  command: string;
  log: (msg: string) => void;
}

export interface PpoRunSummary {
  run: string;
  from: string | null;
  iterations: { start: number; end: number; total: number };
  /** The last iteration's figures. */
  last: { meanReturn: number; successRate: number; episodes: number; approxKl: number; explainedVariance: number; dynamicsLoss: number } | null;
  seconds: number;
}

const STRATEGY_ONLY_RUNS: Record<(typeof STRATEGY_RATES)[number], string> = { chunk: PPO_RUNS.strategy, step: PPO_RUNS.residual, latent: PPO_RUNS.dsrl, noise: PPO_RUNS.reinflow };

/** With the reflex on: sagr's run, or ReinFlow's with the reflex in its rollouts when η is the chain's noise. */
const reflexRun = (config: Config): string => (config.strategyRate === 'noise' ? PPO_RUNS['reinflow-reflex'] : PPO_RUNS.sagr);

export const runFolder = (out: string, config: Config): string => path.join(out, config.reflexGain !== 0 ? reflexRun(config) : STRATEGY_ONLY_RUNS[config.strategyRate as (typeof STRATEGY_RATES)[number]]);

async function loadFrom<T>(dir: string, name: string, load: (dir: string) => Promise<T>): Promise<T> {
  try {
    return await load(path.join(dir, name));
  } catch (e) {
    throw new UsageError(`--checkpoint: cannot load the ${name} from ${path.join(dir, name)} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Stage-0/1 modules from `from`, fresh strategy and critic. */
async function startModules(o: PpoRunOptions): Promise<SagrTrainerModules> {
  const { config: c, from } = o;
  const spec = taskSpec(c.task);
  const made: { dispose(): void }[] = [];
  try {
    const prior = await loadFrom(from, 'prior', (d) => loadPrior(nodeFileHandler(d), spec));
    made.push(prior);
    if (prior.config.horizon !== c.horizon) throw new UsageError(`--horizon: ${c.horizon}, but the prior in ${from} was trained with horizon ${prior.config.horizon}`);
    if (c.executeSteps > prior.config.horizon) throw new UsageError(`--execute-steps: ${c.executeSteps} exceeds the prior's horizon ${prior.config.horizon}`);
    const world = await loadFrom(from, 'world', (d) => loadWorld(nodeFileHandler(d), spec));
    made.push(world);
    const reflex = c.reflexGain !== 0 ? await loadFrom(from, 'reflex', (d) => loadReflex(nodeFileHandler(d), spec)) : null;
    if (reflex) made.push(reflex);
    const strategy = new Strategy(strategyConfig(c, spec), deriveSeed(c.seed, 'ppo/strategy'));
    made.push(strategy);
    const critic = new Critic(criticConfig(c, spec), deriveSeed(c.seed, 'ppo/critic'));
    return { prior, world, reflex, strategy, critic };
  } catch (e) {
    for (const m of made) m.dispose();
    throw e;
  }
}

/** Rebuilds the modules a state checkpoint names, from their saved configs, and assigns their weights. */
function resumeModules(checkpoint: Checkpoint): SagrTrainerModules {
  const configs = checkpoint.metadata.modules;
  for (const name of ['prior', 'world', 'strategy', 'critic']) if (!configs[name]) throw new UsageError(`--resume: the saved state has no ${name}`);
  const modules: SagrTrainerModules = {
    prior: new FlowPrior(configs.prior as unknown as FlowPriorConfig, 0),
    world: new WorldPredictor(configs.world as unknown as WorldPredictorConfig, 0),
    reflex: configs.reflex ? new Reflex(configs.reflex as unknown as ReflexConfig, 0) : null,
    strategy: new Strategy(configs.strategy as unknown as StrategyConfig, 0),
    critic: new Critic(configs.critic as unknown as CriticConfig, 0),
  };
  try {
    assignCheckpoint(moduleList(modules), checkpoint);
  } catch (e) {
    disposeModules(modules);
    throw new UsageError(`--resume: ${(e as Error).message}`);
  }
  return modules;
}

const moduleList = (m: SagrTrainerModules): Checkpointable[] => [m.prior, m.world, ...(m.reflex ? [m.reflex] : []), m.strategy!, m.critic];
const disposeModules = (m: SagrTrainerModules) => [m.prior, m.world, m.reflex, m.strategy, m.critic].forEach((x) => x?.dispose());

/** Writes RUN/state (swapped in whole) and one checkpoint per module. */
async function saveRun(run: string, trainer: SagrTrainer, modules: SagrTrainerModules, extra: Record<string, unknown>, log: (msg: string) => void): Promise<void> {
  const meta = { ...extra, stage: 'ppo', iteration: trainer.iteration, rewardMoments: trainer.rewardMoments };
  const tmp = path.join(run, `${STATE}.tmp`);
  const old = path.join(run, `${STATE}.old`);
  const state = path.join(run, STATE);
  rmSync(tmp, { recursive: true, force: true });
  await saveCheckpoint([...moduleList(modules), ...trainer.groups.map((g) => g.optimizer)], nodeFileHandler(tmp), meta);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(state)) renameSync(state, old);
  renameSync(tmp, state);
  rmSync(old, { recursive: true, force: true });
  for (const m of moduleList(modules)) await saveCheckpoint([m], nodeFileHandler(path.join(run, m.name)), meta);
  log(`ppo: checkpoint at iteration ${trainer.iteration} written to ${run}`);
}

/**
 * RUN/metrics.jsonl holding only the iterations before `startIteration`: empty for a new run; a resumed run
 * keeps what led to its state and drops what it will run again (and a line cut short by the interruption).
 */
function restartMetrics(file: string, startIteration: number): void {
  const kept = startIteration > 0 && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => iterationOf(line) < startIteration) : [];
  writeFileSync(file, kept.map((line) => line + '\n').join(''));
}

function iterationOf(line: string): number {
  try {
    const i = (JSON.parse(line) as { iteration?: unknown }).iteration;
    return typeof i === 'number' ? i : Infinity;
  } catch {
    return Infinity;
  }
}

/** What a run starts from: fresh stage-2 modules, or a saved state (whose weights the caller disposes). */
interface Start {
  config: Config;
  modules: SagrTrainerModules;
  startIteration: number;
  rewardMoments?: RunningMoments;
  state: Checkpoint | null;
}

async function resumeStart(run: string, task: Config['task']): Promise<Start> {
  let state: Checkpoint;
  try {
    state = await readCheckpoint(nodeFileHandler(path.join(run, STATE)));
  } catch (e) {
    throw new UsageError(`--resume: cannot continue from ${path.join(run, STATE)} (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    const meta = state.metadata;
    const config = parseConfigJson(meta.config, defaultConfig());
    if (config.task !== task) throw new UsageError(`--task: the run in ${run} trains ${config.task}, not ${task} (pass --task ${config.task} to resume it)`);
    const startIteration = Number(meta.iteration);
    if (!Number.isInteger(startIteration) || startIteration < 0) throw new Error(`the saved iteration ${String(meta.iteration)} is not a non-negative integer`);
    const m = meta.rewardMoments as RunningMoments | undefined;
    if (!m || ![m.mean, m.var, m.count].every(Number.isFinite)) throw new Error('the saved reward statistics are missing or not finite');
    return { config, modules: resumeModules(state), startIteration, rewardMoments: m, state };
  } catch (e) {
    for (const t of Object.values(state.weights)) t.dispose();
    throw e instanceof UsageError ? e : new UsageError(`--resume: ${(e as Error).message}`);
  }
}

/** ReinFlow's behaviour-cloning data (bcCoef > 0): the training episodes of the task's shipped demonstrations. */
function behaviourCloningData(c: Config): SagrTrainerOptions['bc'] {
  if (c.bcCoef === 0) return undefined;
  if (c.strategyRate !== 'noise') throw new UsageError(`--bc-coef: the behaviour-cloning term regularises the v_θ that ReinFlow fine-tunes (--stage reinflow); the ${c.strategyRate}-rate strategy keeps v_θ frozen`);
  const task = validateTask(c.task);
  const demos = readDemos(defaultDemos(task), task, 'bc-coef');
  return { demos, index: indexSteps(demos, splitEpisodes(demos.manifest.episodes, c.seed).train) };
}

export async function trainPpo(o: PpoRunOptions): Promise<PpoRunSummary> {
  const t0 = performance.now();
  // A resumed run's term follows its saved config (below); a fresh one's is checked before its modules load.
  const freshBc = o.resume ? undefined : behaviourCloningData(o.config);
  await useProjectWasm();
  const run = runFolder(o.out, o.config);
  const start: Start = o.resume ? await resumeStart(run, o.config.task) : { config: o.config, modules: await startModules(o), startIteration: 0, state: null };
  const { config, modules, startIteration } = start;
  const numIterations = o.iters ?? config.ppoIters;
  let trainer: SagrTrainer;
  try {
    if (startIteration >= numIterations) throw new UsageError(`--iters: the run is already at iteration ${startIteration} of ${numIterations}`);
    trainer = await SagrTrainer.create({ config, modules, numIterations, startIteration, rewardMoments: start.rewardMoments, log: o.log, bc: o.resume ? behaviourCloningData(config) : freshBc });
    if (start.state) assignCheckpoint(trainer.groups.map((g) => g.optimizer), start.state);
  } catch (e) {
    disposeModules(modules);
    throw e;
  } finally {
    if (start.state) for (const t of Object.values(start.state.weights)) t.dispose();
  }
  o.log(o.resume ? `ppo: resuming ${run} at iteration ${startIteration} of ${numIterations}` : `ppo: from ${o.from} (prior, world${modules.reflex ? ', reflex' : ''}), run in ${run}`);
  const extra = { task: config.task, config, numIterations, command: o.command, from: o.resume ? null : recordedPath(o.from) };
  let last: IterationLog | null = null;
  let rolledBackInARow = 0;
  try {
    try {
      mkdirSync(run, { recursive: true });
      writeFileSync(path.join(run, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      restartMetrics(path.join(run, 'metrics.jsonl'), startIteration);
    } catch (e) {
      throw new UsageError(`--out: cannot write to "${run.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
    }
    while (trainer.iteration < numIterations) {
      try {
        last = await trainer.iterate();
      } catch (e) {
        if (!(e instanceof NonFiniteStateError)) throw e;
        await saveRun(run, trainer, modules, extra, o.log);
        throw new UsageError(`ppo stopped: ${e.message}; the last good state is in ${path.join(run, STATE)}`);
      }
      appendFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify(last) + '\n');
      o.log(formatIteration(last));
      rolledBackInARow = last.ppo.rolledBack || last.world.rolledBack ? rolledBackInARow + 1 : 0;
      if (rolledBackInARow >= ROLLBACK_LIMIT) {
        await saveRun(run, trainer, modules, extra, o.log);
        throw new UsageError(`ppo stopped: ${ROLLBACK_LIMIT} iterations in a row had their update rolled back for NaN/Inf; the last good state is in ${path.join(run, STATE)}`);
      }
      if (trainer.iteration % CHECKPOINT_EVERY === 0 || trainer.iteration === numIterations) await saveRun(run, trainer, modules, extra, o.log);
    }
  } finally {
    trainer.dispose();
    disposeModules(modules);
  }
  return {
    run,
    from: o.resume ? null : o.from,
    iterations: { start: startIteration, end: trainer.iteration, total: numIterations },
    last: last && {
      meanReturn: last.rollout.meanReturn,
      successRate: last.rollout.successRate,
      episodes: last.rollout.episodes,
      approxKl: last.ppo.approxKl,
      explainedVariance: last.ppo.explainedVariance,
      dynamicsLoss: last.world.dynamicsLoss,
    },
    seconds: (performance.now() - t0) / 1000,
  };
}

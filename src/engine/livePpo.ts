// Stage 2 (PPO) in the engine worker on the playground's modules, with the code `sagr train --stage ppo` runs
// (SagrTrainer, ppoSagr.ts): rollout of B envs → GAE → clipped PPO on η_φ (and b_ψ) with the critic → Φ's
// dynamics loss on the fresh steps. Like the CLI, a run starts from copies of the stage-0/1 modules (the prior,
// Φ and the reflex the top-level policies run) and a fresh strategy and critic; 'ppo-strategy' is the ablation
// with the reflex off (reflexGain 0, only η learns). After its first iteration the run's modules take the
// policy's checkpoint slots (ppo/… for sagr, ppo-strategy/… for strategy), so the 'sagr' or 'strategy' lane
// shows them learn; a run stopped before that changes nothing.
//
// Like the stage-0/1 runs it is not a job of the worker's queue. Before each rollout decision and PPO minibatch
// (SagrTrainer's pace) it yields to the worker's event loop once PACE_MS have passed (RunPacer), so the live
// view and the person's requests go on; pause holds the run there, and stop ends it there (an iteration cut short
// keeps the minibatch updates it applied, and is not recorded).
import type { Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import { Critic, criticConfig } from '../policy/critic';
import { Strategy, strategyConfig } from '../policy/strategy';
import type { TaskSpec } from '../sim/taskSpec';
import { formatIteration, SagrTrainer, type IterationLog, type SagrTrainerModules } from '../train/ppoSagr';
import type { MetricsRecord } from '../train/stage';
import { checkpointKey, POLICY_FOLDERS, type ModuleName } from './livePolicies';
import type { Playground } from './playground';
import { copyModule, type ModuleTypes } from './policyModules';
import { LiveRun } from './liveRun';
import { RunStopped } from './runControl';
import { MAX_TRAIN_ITERS, PPO_STAGES, type PpoStage, type TrainingProgress } from './trainingProgress';

/** Consecutive iterations whose update was rolled back for NaN/Inf before the run stops (as `sagr train --stage ppo`). */
export const ROLLBACK_LIMIT = 3;

/** What the run needs of the playground (an interface, so tests can give it a stand-in). */
export type PpoHost = Pick<Playground, 'moduleAt' | 'replaceModules' | 'relabel'>;

/** One chart point per iteration: the figures `formatIteration` logs, flat. */
export function ppoRecord(stage: PpoStage, l: IterationLog, seconds: number): MetricsRecord {
  const r = l.rollout;
  return {
    stage,
    iter: l.iteration + 1,
    trainPolicy: l.trainPolicy ? 1 : 0,
    return: r.meanReturn,
    success: r.successRate,
    episodes: r.episodes,
    rewardTask: r.rewardTerms.task,
    rewardSurprise: r.rewardTerms.surprise,
    rewardEffort: r.rewardTerms.effort,
    reward: r.rewardTerms.reward,
    deltaZ: r.meanDeltaZ,
    reflex: r.meanReflex,
    strategy: r.meanStrategy,
    pgLoss: l.ppo.pgLoss,
    vLoss: l.ppo.vLoss,
    approxKl: l.ppo.approxKl,
    clipFrac: l.ppo.clipFrac,
    explainedVariance: l.ppo.explainedVariance,
    minibatchesRun: l.ppo.minibatchesRun,
    dynamicsLoss: l.world.dynamicsLoss,
    rolledBack: l.ppo.rolledBack ?? l.world.rolledBack,
    envStepsPerSec: l.envStepsPerSec,
    rolloutMs: l.wallMs - l.updateMs,
    updateMs: l.updateMs,
    seconds,
  };
}

interface Run {
  stage: PpoStage;
  trainer: SagrTrainer;
  modules: SagrTrainerModules;
  /** Checkpoint slot → module, taken by the policy after the first iteration. */
  slots: [string, ModuleTypes[ModuleName]][];
  progress: TrainingProgress;
}

export class LivePpo extends LiveRun {
  constructor(post: (p: TrainingProgress) => void, enqueue: <T>(job: () => Promise<T>) => Promise<T>, spec: TaskSpec) {
    super(post, enqueue, spec, 'PPO run');
  }

  /** Starts a run of `iters` iterations (call inside the worker's queue; returns once it is under way). */
  async start(stage: unknown, iters: unknown, config: Config, host: PpoHost): Promise<void> {
    if (this.running) throw new Error('ppoStart: a PPO run is already going (stop it first)');
    if (!PPO_STAGES.includes(stage as PpoStage)) throw new Error(`ppoStart.stage: "${String(stage).slice(0, 40)}" is not one of ${PPO_STAGES.join(', ')}`);
    if (!Number.isInteger(iters) || (iters as number) < 1 || (iters as number) > MAX_TRAIN_ITERS) throw new Error(`ppoStart.iters: ${String(iters)} is not an integer in [1, ${MAX_TRAIN_ITERS}]`);
    const s = stage as PpoStage;
    const sagr = s === 'ppo-sagr';
    if (sagr && config.reflexGain === 0) throw new Error('ppoStart.stage: reflexGain is 0 (the reflex is off), which is the strategy run: raise reflexGain or train ppo-strategy');
    const c: Config = sagr ? config : { ...config, reflexGain: 0 };
    const folder = POLICY_FOLDERS[sagr ? 'sagr' : 'strategy'];

    const made: { dispose(): void }[] = [];
    const keep = <T extends { dispose(): void }>(m: T) => (made.push(m), m);
    let run: Run;
    try {
      const prior = keep(await copyModule(host.moduleAt('prior') as ModuleTypes['prior'], this.spec));
      if (prior.config.horizon !== c.horizon) throw new Error(`horizon: ${c.horizon}, but the prior was trained with horizon ${prior.config.horizon}`);
      if (c.executeSteps > prior.config.horizon) throw new Error(`executeSteps: ${c.executeSteps} exceeds the prior's horizon ${prior.config.horizon}`);
      const world = keep(await copyModule(host.moduleAt('world') as ModuleTypes['world'], this.spec));
      const reflex = sagr ? keep(await copyModule(host.moduleAt('reflex') as ModuleTypes['reflex'], this.spec)) : null;
      const strategy = keep(new Strategy(strategyConfig(c, this.spec), deriveSeed(c.seed, 'ppo/strategy')));
      const critic = keep(new Critic(criticConfig(c, this.spec), deriveSeed(c.seed, 'ppo/critic')));
      const modules: SagrTrainerModules = { prior, world, reflex, strategy, critic };
      const trainer = await SagrTrainer.create({ config: c, modules, numIterations: iters as number, log: (m) => this.say(m), pace: () => this.pacer!.pace() });
      const slots: [string, ModuleTypes[ModuleName]][] = [
        [checkpointKey(folder, 'prior'), prior],
        [checkpointKey(folder, 'world'), world],
        ...(reflex ? [[checkpointKey(folder, 'reflex'), reflex] as [string, ModuleTypes[ModuleName]]] : []),
        [checkpointKey(folder, 'strategy'), strategy],
      ];
      const progress: TrainingProgress = { stage: s, iters: iters as number, iter: 0, running: true, paused: false, records: [], message: `${s}: starting (B = ${c.numEnvs} envs × T = ${c.rolloutSteps} steps per iteration)`, outcome: null };
      run = { stage: s, trainer, modules, slots, progress };
    } catch (e) {
      for (const m of made) m.dispose();
      throw new Error(`ppoStart: ${(e as Error).message.split('\n')[0]}`);
    }
    this.begin(run.progress);
    void this.run(run, host);
  }

  private say(message: string): void {
    if (!this.progress) return;
    this.progress.message = message;
    this.post(this.progress);
  }

  private async run({ stage, trainer, modules, slots, progress }: Run, host: PpoHost): Promise<void> {
    const keys = slots.map(([key]) => key);
    let installed = false;
    let rolledBackInARow = 0;
    const start = performance.now();
    try {
      while (trainer.iteration < progress.iters) {
        await this.pacer!.pace();
        const log = await trainer.iterate();
        const working = (performance.now() - start - this.pacer!.control.pausedMs) / 1000;
        if (!installed) {
          await this.enqueue(() => host.replaceModules(slots, `this session (PPO ${stage}, training)`));
          installed = true;
        }
        progress.records.push(ppoRecord(stage, log, working));
        progress.iter = trainer.iteration;
        progress.message = formatIteration(log);
        this.post(progress);
        rolledBackInARow = log.ppo.rolledBack || log.world.rolledBack ? rolledBackInARow + 1 : 0;
        if (rolledBackInARow >= ROLLBACK_LIMIT) throw new Error(`${ROLLBACK_LIMIT} iterations in a row had their update rolled back for NaN/Inf; the weights are the last good ones`);
      }
      progress.outcome = 'done';
    } catch (e) {
      progress.outcome = e instanceof RunStopped ? 'stopped' : `error: ${(e as Error).message.split('\n')[0]}`;
    } finally {
      trainer.dispose();
      modules.critic.dispose();
      if (!installed) for (const [, m] of slots) m.dispose();
    }
    progress.running = false;
    progress.paused = false;
    progress.message = `${stage}: ${progress.outcome} after ${progress.iter} of ${progress.iters} iterations`;
    if (installed) await this.enqueue(async () => host.relabel(keys, `this session (${progress.iter} iterations of ${stage})`));
    this.post(progress);
  }
}

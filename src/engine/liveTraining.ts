// Training a stage-0/1 module in the engine worker while the playground runs: the prior v_θ (flow matching), the
// world predictor Φ (dynamics) or the reflex b_ψ (hindsight warm-up, Φ frozen), on the playground's task and its
// shipped demonstrations, with the same code and metrics as `sagr train --task …`. The module trained is the one the playground's top-level
// policies run, in place: the live view shows it learn. Progress goes to the UI after every evaluation.
//
// The run is not a job of the worker's queue (it lasts minutes): before every optimiser step it yields to the
// worker's event loop once PACE_MS have passed (RunPacer), so the live loop and requests go on; pause holds the
// run there and stop ends it there. Its own steps never overlap.
import type { Config } from '../core/config';
import { decodeDemos, type DemoDataset } from '../sim/dataset';
import { splitEpisodes } from '../train/demoData';
import { reflexWarmup } from '../train/reflexWarmup';
import type { StageOptions } from '../train/stage';
import { trainPrior } from '../train/trainPrior';
import { trainWorld } from '../train/trainWorld';
import type { Playground } from './playground';
import { LiveRun } from './liveRun';
import { RunStopped } from './runControl';
import { MAX_TRAIN_ITERS, TRAIN_STAGES, type TrainingProgress, type TrainStage } from './trainingProgress';

/** Evaluations per run: enough points for a curve, few enough that evaluating stays a small share of the time. */
const EVALUATIONS_PER_RUN = 20;
const MIN_EVAL_EVERY = 5;

/** Evaluate every this many iterations. */
export function evalEveryFor(iters: number): number {
  return Math.max(MIN_EVAL_EVERY, Math.ceil(iters / EVALUATIONS_PER_RUN));
}

export class LiveTraining extends LiveRun {
  /** The demonstrations last loaded, by URL (a change of task asks for another file). */
  private demos: { url: string; data: DemoDataset } | null = null;
  /** Optimiser steps the current run has begun: the module trains in place, so any step changes it. */
  private stepsTaken = 0;

  constructor(post: (p: TrainingProgress) => void, enqueue: <T>(job: () => Promise<T>) => Promise<T>) {
    super(post, enqueue, 'training run');
  }

  /** Starts a run (returns once it is under way; it ends by itself, posting progress). */
  async start(stage: unknown, iters: unknown, demosUrl: unknown, config: Config, playground: Playground): Promise<void> {
    if (this.running) throw new Error('trainStart: a run is already going (stop it first)');
    if (!TRAIN_STAGES.includes(stage as TrainStage)) throw new Error(`trainStart.stage: "${String(stage).slice(0, 40)}" is not one of ${TRAIN_STAGES.join(', ')}`);
    if (!Number.isInteger(iters) || (iters as number) < 1 || (iters as number) > MAX_TRAIN_ITERS) throw new Error(`trainStart.iters: ${String(iters)} is not an integer in [1, ${MAX_TRAIN_ITERS}]`);
    if (typeof demosUrl !== 'string') throw new Error('trainStart.demosUrl: expected a URL');
    const spec = playground.spec;
    const demos = await this.loadDemos(demosUrl);
    if (demos.manifest.task !== spec.name) throw new Error(`trainStart.demosUrl: ${demosUrl} holds ${demos.manifest.task} demonstrations; the playground runs ${spec.name}`);
    const s = stage as TrainStage;
    const n = iters as number;
    // The modules are taken now, inside the request (so on the queue), and trained in place afterwards.
    const train = (options: StageOptions) => {
      const split = splitEpisodes(demos.manifest.episodes, config.seed);
      if (s === 'prior') {
        const prior = playground.trainableModule('prior');
        return () => trainPrior(prior, demos, split, spec, config, options);
      }
      const world = playground.trainableModule('world');
      if (s === 'world') return () => trainWorld(world, demos, split, spec, config, options);
      const reflex = playground.trainableModule('reflex');
      return () => reflexWarmup(reflex, world, demos, split, config, options, playground.modulesOf('reflex').prior ?? null);
    };
    const progress: TrainingProgress = { task: spec.name, stage: s, iters: n, iter: 0, running: true, paused: false, records: [], message: `${spec.name} ${s}: starting`, outcome: null };
    this.stepsTaken = 0;
    const run = train({
      iters: n,
      seed: config.seed,
      evalEvery: evalEveryFor(n),
      log: (message) => {
        progress.message = message;
        this.post(progress);
      },
      onMetrics: (record) => {
        progress.records.push(record);
        progress.iter = record.iter;
        this.post(progress);
      },
      pace: async () => {
        await this.pacer!.pace();
        this.stepsTaken++;
      },
    });
    this.begin(progress);
    void this.finish(progress, s, run, playground);
  }

  private async loadDemos(url: string): Promise<DemoDataset> {
    if (this.demos?.url === url) return this.demos.data;
    const r = await fetch(url).catch((e: Error) => {
      throw new Error(`trainStart.demosUrl: cannot fetch ${url} (${e.message})`);
    });
    if (!r.ok) throw new Error(`trainStart.demosUrl: ${url} answered ${r.status}`);
    const data = decodeDemos(new Uint8Array(await r.arrayBuffer()));
    this.demos = { url, data };
    return data;
  }

  private async finish(progress: TrainingProgress, stage: TrainStage, run: () => Promise<unknown>, playground: Playground): Promise<void> {
    try {
      await run();
      progress.outcome = 'done';
    } catch (e) {
      progress.outcome = e instanceof RunStopped ? 'stopped' : `error: ${(e as Error).message.split('\n')[0]}`;
    }
    const steps = this.stepsTaken;
    progress.running = false;
    progress.paused = false;
    progress.message = `${progress.task} ${stage}: ${progress.outcome} after ${steps} of ${progress.iters} iterations`;
    if (steps > 0) await this.enqueue(() => playground.adopted(stage, `this session (${steps} iterations of ${stage} training)`));
    this.post(progress);
  }
}

// `sagr train --stage rwfm|grpo`: reward-weighted flow matching and its GRPO variant (src/train/rwfm.ts), baselines
// that fine-tune the prior itself. Reads FROM/prior (default: the shipped public/checkpoints/<task>) and writes the
// run to RUN = OUT/rwfm (rwfmGroupSize 1) or OUT/grpo:
//   RUN/prior/           the fine-tuned prior, what `eval --policy rwfm|grpo` loads (written every
//                        CHECKPOINT_EVERY rounds and at the end; its metadata holds the config, round and command)
//   RUN/metrics.jsonl    one JSON object per round (RwfmRoundLog)
//   RUN/config.json      the config used
// The number of rounds is ppoIters (--iters overrides): each round is a rollout of about numEnvs × rolloutSteps
// env steps, as a PPO iteration, so the two compare at the same env-step budget. No --resume (a run is minutes).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config';
import { useProjectWasm } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { loadPrior } from '../eval/learnedCheckpoints';
import { saveCheckpoint } from '../nn/checkpoint';
import { taskSpec } from '../sim/tasks';
import { formatRound, RwfmTrainer, type RwfmRoundLog } from '../train/rwfm';
import { UsageError } from './command';
import { PPO_RUNS, recordedPath } from './learnedPolicy';
import { CHECKPOINT_EVERY } from './trainPpo';

export interface RwfmRunOptions {
  config: Config;
  /** Folder holding the prior to fine-tune (FROM/prior). */
  from: string;
  out: string;
  /** Rounds (default: config.ppoIters). */
  iters?: number;
  command: string;
  log: (msg: string) => void;
}

export interface RwfmRunSummary {
  run: string;
  from: string;
  rounds: number;
  envSteps: number;
  last: RwfmRoundLog | null;
  seconds: number;
}

export const rwfmRunFolder = (out: string, c: Pick<Config, 'rwfmGroupSize'>): string => path.join(out, c.rwfmGroupSize === 1 ? PPO_RUNS.rwfm : PPO_RUNS.grpo);

export async function trainRwfm(o: RwfmRunOptions): Promise<RwfmRunSummary> {
  const t0 = performance.now();
  await useProjectWasm();
  const c = o.config;
  const spec = taskSpec(c.task);
  const priorDir = path.join(o.from, 'prior');
  const prior = await loadPrior(nodeFileHandler(priorDir), spec).catch((e: Error) => {
    throw new UsageError(`--checkpoint: cannot load the prior from ${priorDir} (${e.message.split('\n')[0]})`);
  });
  const run = rwfmRunFolder(o.out, c);
  const numRounds = o.iters ?? c.ppoIters;
  let trainer: RwfmTrainer | null = null;
  let last: RwfmRoundLog | null = null;
  try {
    if (prior.config.horizon !== c.horizon) throw new UsageError(`--horizon: ${c.horizon}, but the prior in ${o.from} was trained with horizon ${prior.config.horizon}`);
    try {
      mkdirSync(run, { recursive: true });
      writeFileSync(path.join(run, 'config.json'), JSON.stringify(c, null, 2) + '\n');
      writeFileSync(path.join(run, 'metrics.jsonl'), '');
    } catch (e) {
      throw new UsageError(`--out: cannot write to "${run.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
    }
    trainer = await RwfmTrainer.create({ config: c, prior, numRounds, log: o.log });
    o.log(`${path.basename(run)}: fine-tuning ${priorDir}, ${numRounds} rounds, ${c.numEnvs} envs in groups of ${c.rwfmGroupSize}, run in ${run}`);
    const save = async () => {
      await saveCheckpoint([prior], nodeFileHandler(path.join(run, 'prior')), { task: c.task, stage: path.basename(run), config: c, round: trainer!.round, envSteps: trainer!.totalEnvSteps, from: recordedPath(priorDir), command: o.command });
      o.log(`${path.basename(run)}: prior at round ${trainer!.round} written to ${path.join(run, 'prior')}`);
    };
    while (trainer.round < numRounds) {
      last = await trainer.iterate();
      appendFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify(last) + '\n');
      o.log(formatRound(path.basename(run), last));
      if (trainer.round % CHECKPOINT_EVERY === 0 || trainer.round === numRounds) await save();
    }
    return { run, from: o.from, rounds: trainer.round, envSteps: trainer.totalEnvSteps, last, seconds: (performance.now() - t0) / 1000 };
  } finally {
    trainer?.dispose();
    prior.dispose();
  }
}

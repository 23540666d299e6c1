// `sagr train --task push-t|push-3d --stage prior|world|reflex|meanflow|ppo|dsrl|reinflow|rwfm|grpo|all [--config FILE] [--iters N] --out DIR
//             [--demos FILE] [--checkpoint DIR] [--init DIR] [--workers N] [--resume] [--json]`
//
// --task is the config key (a --config file may set it; the flag overrides). Trains the stage-0/1 modules on
// the task's demonstrations (default: the shipped public/data/<task>-demos.bin) on the wasm backend. Writes
// into DIR:
//   prior/, world/, reflex/   one checkpoint per module: model.json (tfjs weights manifest; its metadata holds
//                             the module config, the full hyperparameter config, the stage report and the
//                             command) + weights.bin + metrics.jsonl (the stage's evaluations in this run, so
//                             the folder carries its learning curve wherever it is copied, e.g. public/)
//   metrics.jsonl             one JSON object per evaluation, appended: {stage, iter, lr, trainLoss, held-out
//                             metrics…, seconds}
//   config.json               the full config used (pass it back with --config to reproduce)
// Progress goes to stderr; --json prints one summary object. --iters overrides each stage's iteration count.
// The reflex stage needs a trained Φ: it reads <--checkpoint DIR, default --out DIR>/world.
// --init DIR (prior, world or reflex stage): fine-tune DIR/<stage> instead of starting from random weights (its
// architecture is kept), e.g. the prior on demonstrations with expert recoveries from `sagr demos --recover-from DIR`.
// `ppo` (stage 2, src/cli/trainPpo.ts) starts from the prior, world and reflex in --checkpoint DIR (default: the
// shipped public/checkpoints/<task>) and writes its run to DIR/ppo (DIR/ppo-strategy with --reflex-gain 0, the
// strategy ablation); --iters is its total iteration count; --resume continues the run in --out.
// `dsrl` (a baseline, DSRL): PPO over the prior's initial noise a_0 with the prior frozen and no reflex; it is the
// ppo stage with the settings of BASELINES.dsrl (each can be overridden on the command line except the two that
// make it DSRL) and writes DIR/dsrl.
// `reinflow` (a baseline, ReinFlow): PPO over the flow chain with a learned per-step noise σ_k(s) and the prior's
// v_θ fine-tuned, no reflex; the ppo stage with the settings of BASELINES.reinflow; writes DIR/reinflow (with
// --reflex-gain above 0, the reflex acts in its rollouts: DIR/reinflow-reflex).
// `rwfm` and `grpo` (baselines, src/cli/trainRwfm.ts): reward-weighted flow matching fine-tunes the prior in
// --checkpoint DIR on its own rollouts weighted by min(exp(α·r), 20); grpo samples G = 10 chunks from each state and
// weights them by exp(2·A), A the advantage within the group. RWFM_SETTINGS; DIR/rwfm, DIR/grpo.
// `meanflow` (a baseline, MeanFlow as in MP1): distils the K-step prior in --checkpoint DIR/prior (default: the
// shipped one) into a one-step prior on the demonstrations (src/train/trainMeanFlow.ts) and writes DIR/meanflow/prior,
// a prior checkpoint with the `meanFlow` architecture flag (one network evaluation per chunk: a = a_0 + u(a_0, 0, 1)),
// in a run folder as the stage-2 runs have theirs (`eval --policy meanflow --checkpoint DIR/meanflow`).
// `all` runs prior, world, reflex, then ppo from the modules just trained.
// --workers N (default: the cores available, os.availableParallelism()): the prior and world stages train
// data-parallel over N threads (src/train/dataParallel.ts), the same bits for the same seed and N; 1 is the
// one-thread path. The reflex and ppo stages run in one thread.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { kebab, type Config } from '../../core/config';
import { useProjectWasm } from '../../engine/nodeBackend';
import { nodeFileHandler } from '../../engine/nodeCheckpoint';
import { loadPrior, loadReflex, loadWorld } from '../../eval/learnedCheckpoints';
import { saveCheckpoint, type Checkpointable } from '../../nn/checkpoint';
import { FlowPrior, flowPriorConfig } from '../../policy/flowPrior';
import { meanFlowFromPrior } from '../../policy/meanFlow';
import { Reflex, reflexConfig } from '../../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../../policy/worldPredictor';
import type { DemoDataset } from '../../sim/dataset';
import type { TaskSpec } from '../../sim/taskSpec';
import { taskSpec, validateTask } from '../../sim/tasks';
import { dataParallel } from '../../train/dataParallel';
import { splitEpisodes, type EpisodeSplit } from '../../train/demoData';
import type { GradientSourceFactory } from '../../train/gradientSource';
import { reflexWarmup } from '../../train/reflexWarmup';
import { evalEveryFor, type MetricsRecord, type StageOptions } from '../../train/stage';
import { trainMeanFlow } from '../../train/trainMeanFlow';
import { trainPrior } from '../../train/trainPrior';
import { trainWorld } from '../../train/trainWorld';
import { UsageError, enumFlag, intFlag, type Command } from '../command';
import { defaultDemos, readDemos } from '../demoFiles';
import { recordedPath, shippedCheckpoints } from '../learnedPolicy';
import { trainPpo } from '../trainPpo';
import { trainRwfm } from '../trainRwfm';

const STAGES = ['prior', 'world', 'reflex'] as const;
/** The supervised stages: the three of `all`, and the MeanFlow baseline (distilled from a trained prior). */
type Stage = (typeof STAGES)[number] | 'meanflow';

/**
 * The field's baselines (issue 19) are the ppo stage with settings of their own; each can be overridden on the
 * command line except `fixed`, the ones that make it that method.
 * dsrl: η chooses a_0 (strategyRate latent), no reflex, the task reward only (no Δz or ‖b‖ penalty: DSRL
 * optimises the task), a deterministic chain from a_0 (exploration is a_0's Gaussian), and the clip range of
 * Gaussian PPO (rl.md: 0.2), since the action is a plain Gaussian, not a flow chain.
 * reinflow: η is ReinFlow's noise net σ_k(s) (strategyRate noise) in [sigmaMin, sigmaMax] = [0.08, 0.24] (per unit
 * flow time, as σ(τ): a step's std is σ_k·√Δτ, so the chunk's accumulated noise is 0.08–0.24 normalised units,
 * 20–61 px on Push-T, around SA-GR's σ = 0.1) while PPO fine-tunes v_θ (lrPrior); a chain sampler (its likelihood
 * is the per-step Gaussians), no reflex, the task reward only, and ReinFlow's tight clip 0.01 and entropy
 * coefficient 0.03 (rl.md). With `--reflex-gain` above 0 it is ReinFlow with the reflex in its rollouts (issue 15):
 * the warmed-up reflex and Φ act at every control step while PPO fine-tunes v_θ, so the chunks are learnt for the
 * loop that runs them; Φ and the reflex then stay as stage 1 left them (its `withReflex` settings), and the run is
 * DIR/reinflow-reflex.
 */
/** A baseline's settings, the keys it fixes, and what it adds when run with the reflex on. */
type BaselineSpec = { method: string; settings: Partial<Config>; fixed: (keyof Config)[]; withReflex?: Partial<Config> };
const BASELINES = {
  dsrl: { method: 'DSRL', settings: { strategyRate: 'latent', reflexGain: 0, beta: 0, gamma: 0, sigmaMax: 0, sigmaMin: 0, clipEps: 0.2 }, fixed: ['strategyRate', 'reflexGain'] },
  reinflow: {
    method: 'ReinFlow',
    settings: { strategyRate: 'noise', reflexGain: 0, beta: 0, gamma: 0, sdeMode: 'chain', sigmaMin: 0.08, sigmaMax: 0.24, clipEps: 0.01, entCoef: 0.03 },
    fixed: ['strategyRate', 'sdeMode'],
    // With the reflex in the loop, Φ and b_ψ stay where stage 1 left them (their lowest rates: ReinFlow's likelihood
    // gives the reflex no gradient, and Φ trained on the new rollouts would change the Δz the reflex was warmed up
    // on), as measured (docs/results.md).
    withReflex: { lrReflex: 1e-7, lrWorld: 1e-7 },
  },
} satisfies Record<string, BaselineSpec>;
type Baseline = keyof typeof BASELINES;
const isBaseline = (stage: string): stage is Baseline => stage in BASELINES;
const STAGE_CHOICES = [...STAGES, 'meanflow', 'ppo', 'dsrl', 'reinflow', 'rwfm', 'grpo', 'all'] as const satisfies readonly (Stage | 'ppo' | Baseline | 'rwfm' | 'grpo' | 'all')[];

/** The ppo stage's config for a baseline's stage: its settings under what the command line set explicitly. */
function baselineConfig(stage: Baseline, config: Config, configFlags: ReadonlySet<string>): Config {
  const baseline: BaselineSpec = BASELINES[stage];
  const { method, settings, fixed, withReflex } = baseline;
  for (const key of fixed) {
    const wanted = (settings as Partial<Config>)[key];
    if (configFlags.has(key) && config[key] !== wanted) throw new UsageError(`--${kebab(key)}: --stage ${stage} needs ${wanted} (that is what makes it ${method}); leave the flag out`);
  }
  const unset = (values: Partial<Config>) => Object.fromEntries(Object.entries(values).filter(([key]) => !configFlags.has(key)));
  let made = { ...config, ...unset(settings) };
  if (withReflex && made.reflexGain !== 0) made = { ...made, ...unset(withReflex) };
  if (stage === 'reinflow' && !(made.sigmaMin > 0)) throw new UsageError(`--sigma-min: ${made.sigmaMin}; ReinFlow's learned noise σ_k(s) lies in [sigma-min, sigma-max] and needs a positive lower bound`);
  return made;
}

/**
 * What `--stage rwfm` and `--stage grpo` change in the config (each can be overridden on the command line; the group
 * size must stay 1 for rwfm and above 1 for grpo). RWFM: α = 3 on r in [0, 1] (the weight spans 1 … e³ ≈ 20, the
 * cap). GRPO (rl.md): G = 10 samples per state, weight exp(2A); 30 envs (three groups of ten) and 107 rounds of
 * 30 × 64 env steps = 205,440, the nearest to PPO's 100 × 2,048 = 204,800. Both sample the deterministic chain
 * (σ = 0): the exploration is the prior's own a_0 ~ N(0, I), so the rollouts are drawn from the flow's marginals and
 * unweighted fine-tuning on them leaves the flow where it is (the chain's σ noise does not keep the marginals,
 * rl.md, and each round would fit a wider policy).
 */
const RWFM_SETTINGS: Record<'rwfm' | 'grpo', Partial<Config>> = {
  rwfm: { rwfmGroupSize: 1, rwfmAlpha: 3, sigmaMax: 0, sigmaMin: 0 },
  grpo: { rwfmGroupSize: 10, rwfmAlpha: 2, numEnvs: 30, ppoIters: 107, sigmaMax: 0, sigmaMin: 0 },
};

function rwfmStageConfig(stage: 'rwfm' | 'grpo', config: Config, configFlags: ReadonlySet<string>): Config {
  const chosen = Object.fromEntries(Object.entries(RWFM_SETTINGS[stage]).filter(([key]) => !configFlags.has(key)));
  const c = { ...config, ...chosen };
  if (stage === 'rwfm' && c.rwfmGroupSize !== 1) throw new UsageError(`--rwfm-group-size: --stage rwfm samples one chunk per state (1); ${c.rwfmGroupSize} samples per state is --stage grpo`);
  if (stage === 'grpo' && c.rwfmGroupSize < 2) throw new UsageError(`--rwfm-group-size: --stage grpo needs at least 2 samples per state, got ${c.rwfmGroupSize}`);
  if (c.numEnvs % c.rwfmGroupSize !== 0) throw new UsageError(`--num-envs: ${c.numEnvs} is not a multiple of --rwfm-group-size ${c.rwfmGroupSize} (the envs run in groups of G)`);
  return c;
}
const MAX_ITERS = 1_000_000;
/** Each worker is a whole wasm backend with a replica of the module. */
const MAX_WORKERS = 64;
/** The stages that train data-parallel, with the batch a worker count must not exceed (a part per worker). */
const PARALLEL_STAGES = { prior: 'priorBatch', world: 'worldBatch', meanflow: 'meanflowBatch' } as const;
interface StageContext {
  config: Config;
  spec: TaskSpec;
  demos: DemoDataset;
  split: EpisodeSplit;
  out: string;
  checkpointDir: string;
  /** --init: the folder whose module (DIR/<stage>) the stage fine-tunes. */
  init: string | undefined;
  itersOverride: number | undefined;
  /** How the prior and world stages compute their gradients (--workers). */
  gradients: GradientSourceFactory;
  command: string;
  log: (msg: string) => void;
}

/**
 * Metrics appended to DIR/metrics.jsonl and to DIR/<stage>/metrics.jsonl (restarted with the stage, like the
 * checkpoint beside it); after each evaluation the module is saved, so a run can be tried while it trains.
 */
function stageOptions(ctx: StageContext, module: Checkpointable, stage: Stage, iters: number): StageOptions {
  const metricsFile = path.join(ctx.out, 'metrics.jsonl');
  const moduleMetricsFile = path.join(stageDir(ctx.out, stage), 'metrics.jsonl');
  mkdirSync(path.dirname(moduleMetricsFile), { recursive: true });
  writeFileSync(moduleMetricsFile, '');
  const stageIters = ctx.itersOverride ?? iters;
  return {
    iters: stageIters,
    seed: ctx.config.seed,
    log: ctx.log,
    onMetrics: (record: MetricsRecord) => {
      const line = JSON.stringify(record) + '\n';
      appendFileSync(metricsFile, line);
      appendFileSync(moduleMetricsFile, line);
    },
    evalEvery: evalEveryFor(stageIters),
    onEvaluated: async (iter) => void (await writeCheckpoint(ctx, module, stage, { iter, partial: true })),
    gradients: ctx.gradients,
  };
}

/** Where a stage's module goes: DIR/<stage>, and the one-step prior as the prior of the run folder DIR/meanflow. */
const stageDir = (out: string, stage: Stage): string => (stage === 'meanflow' ? path.join(out, 'meanflow', 'prior') : path.join(out, stage));

/** DIR/<stage>/model.json + weights.bin; the metadata records the task, the config, the report and the command. */
async function writeCheckpoint(ctx: StageContext, module: Checkpointable, stage: Stage, report: object): Promise<string> {
  const dir = stageDir(ctx.out, stage);
  await saveCheckpoint([module], nodeFileHandler(dir), { task: ctx.spec.name, stage, config: ctx.config, report, command: ctx.command });
  return dir;
}

async function save(ctx: StageContext, module: Checkpointable, stage: Stage, report: object): Promise<string> {
  const dir = await writeCheckpoint(ctx, module, stage, report);
  ctx.log(`${stage}: checkpoint written to ${dir}`);
  return dir;
}

/** Trains `module` with `fit`, writes its checkpoint and frees it; the stage's report, with the checkpoint folder. */
async function trainAndSave<M extends Checkpointable & { dispose(): void }>(ctx: StageContext, module: M, stage: Stage, fit: (m: M) => Promise<object>): Promise<object> {
  try {
    const report = await fit(module);
    return { ...report, checkpoint: await save(ctx, module, stage, report) };
  } finally {
    module.dispose();
  }
}

/** The stage's module to train: DIR/<stage> (architecture and all) to fine-tune with --init DIR, else fresh weights. */
async function initialModule<M>(ctx: StageContext, stage: Stage, fresh: () => M, load: (h: tf.io.IOHandler, spec: TaskSpec) => Promise<M>): Promise<M> {
  if (ctx.init === undefined) return fresh();
  const dir = path.join(ctx.init, stage);
  try {
    return await load(nodeFileHandler(dir), ctx.spec);
  } catch (e) {
    throw new UsageError(`--init: cannot load the ${stage} from ${dir} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A module a stage needs from --checkpoint DIR, or a one-line reason saying `what` it was for. */
async function loadFromCheckpoint<M>(load: (h: tf.io.IOHandler, spec: TaskSpec) => Promise<M>, dir: string, spec: TaskSpec, what: string): Promise<M> {
  try {
    return await load(nodeFileHandler(dir), spec);
  } catch (e) {
    throw new UsageError(`--checkpoint: ${what} in ${dir} (${(e as Error).message.split('\n')[0]})`);
  }
}

async function runStage(stage: Stage, ctx: StageContext): Promise<object> {
  const { config, spec, demos, split } = ctx;
  const init = ctx.init ?? null;
  switch (stage) {
    case 'prior': {
      const prior = await initialModule(ctx, stage, () => new FlowPrior(flowPriorConfig(config, spec), config.seed), loadPrior);
      return trainAndSave(ctx, prior, stage, async (m) => ({ ...(await trainPrior(m, demos, split, spec, config, stageOptions(ctx, m, stage, config.priorIters))), init }));
    }
    case 'world': {
      const world = await initialModule(ctx, stage, () => new WorldPredictor(worldPredictorConfig(config, spec), config.seed), loadWorld);
      return trainAndSave(ctx, world, stage, async (m) => ({ ...(await trainWorld(m, demos, split, spec, config, stageOptions(ctx, m, stage, config.worldIters))), init }));
    }
    case 'reflex': {
      const worldDir = path.join(ctx.checkpointDir, 'world');
      const world = await loadFromCheckpoint(loadWorld, worldDir, spec, 'the reflex stage needs a trained world predictor');
      // The closed-loop refinement runs the prior beside them (skipped, and said, when there is none).
      const priorDir = path.join(ctx.checkpointDir, 'prior');
      const prior = config.reflexRefineRounds > 0 && existsSync(path.join(priorDir, 'model.json')) ? await loadPrior(nodeFileHandler(priorDir), spec) : null;
      try {
        const reflex = await initialModule(ctx, stage, () => new Reflex(reflexConfig(config, spec), config.seed), loadReflex);
        // The report names the Φ (and prior) the reflex was warmed up against: they belong together.
        return await trainAndSave(ctx, reflex, stage, async (m) => ({ ...(await reflexWarmup(m, world, demos, split, config, stageOptions(ctx, m, stage, config.reflexIters), prior)), world: worldDir, prior: prior ? priorDir : null, init }));
      } finally {
        world.dispose();
        prior?.dispose();
      }
    }
    case 'meanflow': {
      const priorDir = path.join(ctx.checkpointDir, 'prior');
      const teacher = await loadFromCheckpoint(loadPrior, priorDir, spec, 'the meanflow stage distils the K-step prior');
      try {
        if (teacher.config.meanFlow) throw new UsageError(`--checkpoint: ${priorDir} holds a one-step (MeanFlow) prior; the meanflow stage needs a K-step prior to distil`);
        return await trainAndSave(ctx, meanFlowFromPrior(teacher, config.seed), stage, async (m) => ({ ...(await trainMeanFlow(m, teacher, demos, split, spec, config, stageOptions(ctx, m, stage, config.meanflowIters))), teacher: recordedPath(priorDir) }));
      } finally {
        teacher.dispose();
      }
    }
  }
}

export const train: Command = {
  name: 'train',
  summary: 'train the prior, world predictor and reflex on demonstrations, then PPO (--stage prior|world|reflex|meanflow|ppo|dsrl|reinflow|rwfm|grpo|all, --out DIR)',
  values: ['stage', 'iters', 'out', 'demos', 'checkpoint', 'init', 'workers'],
  switches: ['json', 'resume'],
  acceptsConfig: true,
  async run({ config, configFlags, flags, switches, log }) {
    const task = validateTask(config.task);
    const stage = enumFlag(flags, 'stage', STAGE_CHOICES);
    const itersOverride = flags.iters === undefined ? undefined : intFlag(flags, 'iters', undefined, 1, MAX_ITERS);
    const out = flags.out;
    if (!out) throw new UsageError('--out is required (the folder the checkpoints and metrics go to)');
    const command = `npm run sagr -- ${process.argv.slice(2).join(' ')}`;
    const resume = switches.has('resume');
    if (resume && stage !== 'ppo' && !isBaseline(stage)) throw new UsageError(`--resume: only --stage ppo, ${Object.keys(BASELINES).join(', ')} can be resumed`);
    // --task stays allowed: the resumed run checks it against its saved config's task.
    const changed = [...configFlags].filter((k) => k !== 'task');
    if (resume && (changed.length || flags.config !== undefined)) throw new UsageError(`--resume continues with the run's saved config; drop ${flags.config !== undefined ? '--config' : `--${kebab(changed[0])}`}`);
    if (flags.init !== undefined && !(STAGES as readonly string[]).includes(stage)) throw new UsageError(`--init: fine-tunes one module; use it with --stage ${STAGES.join(', ')}, not ${stage}`);
    if (flags.init === '') throw new UsageError('--init: needs the folder of a trained module (DIR/<stage>)');
    if (stage === 'rwfm' || stage === 'grpo') {
      if (flags.demos !== undefined) throw new UsageError(`--demos: the ${stage} stage learns from its own rollouts, not from demonstrations`);
      if (flags.workers !== undefined) throw new UsageError(`--workers: the ${stage} stage runs in one thread`);
      const run = await trainRwfm({ config: rwfmStageConfig(stage, config, configFlags), from: flags.checkpoint ?? shippedCheckpoints(task), out, iters: itersOverride, command, log });
      return { task, out, stages: { [stage]: run } };
    }
    const stages: Stage[] = stage === 'all' ? [...STAGES] : stage === 'ppo' || isBaseline(stage) ? [] : [stage];
    const parallel = stages.filter((s): s is keyof typeof PARALLEL_STAGES => s in PARALLEL_STAGES);
    if (flags.workers !== undefined && parallel.length === 0) throw new UsageError(`--workers: the ${stage} stage runs in one thread; data-parallel training is for the prior and world stages`);
    // Default: a worker per core, as many as the smallest data-parallel batch can feed (a row each at least).
    const feedable = Math.min(MAX_WORKERS, ...parallel.map((s) => config[PARALLEL_STAGES[s]]));
    const workers = flags.workers === undefined ? Math.min(availableParallelism(), feedable) : intFlag(flags, 'workers', undefined, 1, MAX_WORKERS);
    if (workers > feedable) throw new UsageError(`--workers: ${workers} is more than the smallest batch to split, ${feedable} (${parallel.map((s) => `${s} ${config[PARALLEL_STAGES[s]]}`).join(', ')})`);
    if (stage === 'ppo' || isBaseline(stage)) {
      if (flags.demos !== undefined) throw new UsageError(`--demos: the ${stage} stage learns from its own rollouts, not from demonstrations`);
      const from = flags.checkpoint ?? shippedCheckpoints(task);
      const ppo = await trainPpo({ config: isBaseline(stage) ? baselineConfig(stage, config, configFlags) : config, from, out, iters: itersOverride, resume, command, log });
      return { task, out, stages: { [stage]: ppo } };
    }
    const demosFile = flags.demos ?? defaultDemos(task);
    const demos = readDemos(demosFile, task, 'demos');
    if (demos.manifest.episodes < 2) throw new UsageError(`--demos: ${demos.manifest.episodes} episode(s); training needs at least 2 (one is held out)`);
    try {
      mkdirSync(out, { recursive: true });
      writeFileSync(path.join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    } catch (e) {
      throw new UsageError(`--out: cannot write to "${out.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
    }

    await useProjectWasm();
    const spec = taskSpec(task);
    const split = splitEpisodes(demos.manifest.episodes, config.seed);
    log(`train ${stage}: ${demos.manifest.episodes} episodes (${split.train.length} train, ${split.heldOut.length} held out), ${demos.manifest.steps} steps from ${demosFile}`);
    if (parallel.length > 0) {
      const why = flags.workers !== undefined ? '--workers' : `${availableParallelism()} cores available${workers < availableParallelism() ? `, capped at the batch` : ''}; --workers N sets it`;
      const others = stages.length > parallel.length ? `: the ${parallel.join(' and ')} stage${parallel.length > 1 ? 's' : ''}; the others run in one thread` : '';
      log(`training on ${workers} worker${workers === 1 ? '' : 's'} (${why})${others}`);
    }
    const ctx: StageContext = {
      config,
      spec,
      demos,
      split,
      out,
      // The reflex stage reads the Φ just trained in --out; the meanflow stage the shipped prior unless told.
      checkpointDir: flags.checkpoint ?? (stage === 'meanflow' ? shippedCheckpoints(task) : out),
      init: flags.init,
      itersOverride,
      gradients: dataParallel(workers),
      command,
      log,
    };
    const reports: Record<string, object> = {};
    for (const s of stages) reports[s] = await runStage(s, ctx);
    if (stage === 'all') reports.ppo = await trainPpo({ config, from: ctx.checkpointDir, out, iters: itersOverride, resume: false, command, log });
    return { task, out, demos: demosFile, episodes: { train: split.train.length, heldOut: split.heldOut.length }, workers, stages: reports };
  },
};

// `sagr bench [--task push-t|push-3d] [--only SECTION] [--json]`: speed figures for every part that has a
// target. Sections are added as parts land. --task (the config key) picks the task of the training-step and PPO
// sections; the simulator section runs both tasks. --only runs one section (the full run takes minutes).
import { availableParallelism } from 'node:os';
import { enumFlag, type Command } from '../command';
import { microbench, type MicrobenchResult } from '../../engine/microbench';
import { NODE_BACKENDS, useNodeBackend, useProjectWasm } from '../../engine/nodeBackend';
import { benchPolicy, type PolicyBenchResult } from '../../policy/bench';
import { benchSim, benchSim3d, type SimBenchResult } from '../../sim/bench';
import { patchWasmMatMul } from '../../engine/wasmMatMul';
import { benchTrainSteps, type TrainBenchResult } from '../../train/bench';
import { benchDataParallel, type DataParallelBenchResult } from '../../train/dataParallelBench';
import { benchPpo, type PpoBenchResult } from '../../train/ppoBench';
import { defaultConfig, type Config } from '../../core/config';
import { roundsText, type Comparison } from '../../reference/compare';

/** The sections in the order they run; `--only` picks one. */
const SECTIONS = ['tensor', 'nn', 'sim', 'train', 'ppo'] as const;
type Section = (typeof SECTIONS)[number];

/** "12.3 ms, 357 kernels; old path 40.1 ms, 3,882 kernels: 3.26× faster (medians of 7 interleaved rounds, 2 timed after 1 untimed each)". */
const against = (c: Comparison) =>
  `${c.ms.toFixed(1)} ms, ${c.kernels} kernels; old path ${c.referenceMs.toFixed(1)} ms, ${c.referenceKernels} kernels: ` +
  `${c.speedup.toFixed(2)}× faster (${roundsText(c)})`;

export const bench: Command = {
  name: 'bench',
  summary: 'benchmark tensor backends, networks, the simulator, training steps (one and two workers) and PPO iterations; --json for one JSON object',
  values: ['only'],
  switches: ['json'],
  acceptsConfig: false,
  configKeys: ['task'],
  async run({ config, flags, log }) {
    const { task } = config;
    const only = flags.only === undefined ? undefined : enumFlag<Section>(flags, 'only', SECTIONS);
    const runs = (section: Section) => only === undefined || only === section;
    const result: Record<string, unknown> = { task };
    if (runs('tensor')) result.tensors = await benchTensors(log);
    if (runs('nn')) result.nn = await benchNetworks(log);
    if (runs('sim')) Object.assign(result, await benchSimulators(log));
    if (runs('train')) Object.assign(result, await benchTraining(task, log));
    if (runs('ppo')) result.ppo = await benchPpoSection(task, log);
    return result;
  },
};

type Log = (msg: string) => void;

async function benchTensors(log: Log): Promise<MicrobenchResult[]> {
  const tensors: MicrobenchResult[] = [];
  for (const backend of NODE_BACKENDS) {
    await useNodeBackend(backend);
    const r = await microbench();
    log(`tensor/${backend}: matMul ${r.matMulSize}² ${r.matMulMs.toFixed(2)} ms, Adam step (MLP, batch ${r.adamBatch}) ${r.adamStepMs.toFixed(2)} ms (median of ${r.runs})`);
    tensors.push(r);
  }
  return tensors;
}

async function benchNetworks(log: Log): Promise<PolicyBenchResult[]> {
  const nn: PolicyBenchResult[] = [];
  for (const backend of NODE_BACKENDS) {
    await useNodeBackend(backend);
    patchWasmMatMul(); // as `sagr eval` and `train` run (a no-op off wasm)
    const r = await benchPolicy();
    log(
      `nn/${backend}: prior encode + K=${r.steps} sample B=1 ${r.priorSampleB1Ms.toFixed(1)} ms, B=64 ${r.priorSampleB64Ms.toFixed(1)} ms (encode ${r.priorEncodeB64Ms.toFixed(1)} ms); ` +
        `full SDE step B=64 ${r.sdeSampleB64Ms.toFixed(1)} ms; Φ B=64 ${r.worldB64Ms.toFixed(1)} ms; reflex B=64 ${r.reflexB64Ms.toFixed(1)} ms (median of ≥ ${r.minRuns})`,
    );
    log(`nn/${backend}: K=${r.steps} sample B=1: ${against(r.priorSampleB1)} (targets: ≥ 3× faster, ≤ 400 kernels)`);
    const o = r.oneStepSampleB1;
    log(
      `nn/${backend}: one-step (MeanFlow) prior encode + sample B=1 ${o.ms.toFixed(2)} ms, ${o.kernels} kernels; K=${r.steps} prior ${o.referenceMs.toFixed(2)} ms, ` +
        `${o.referenceKernels} kernels: ${o.speedup.toFixed(2)}× faster (${roundsText(o)})`,
    );
    nn.push(r);
  }
  return nn;
}

async function benchSimulators(log: Log): Promise<{ sim: SimBenchResult; sim3d: SimBenchResult }> {
  const sim = await benchSim();
  log(
    `sim: one env ${sim.singleEnvStepsPerSec.toFixed(0)} steps/s, B=${sim.numEnvs} ${sim.vecEnvStepsPerSec.toFixed(0)} steps/s, ` +
      `raw Rapier ${sim.rawStepsPerSec.toFixed(0)} steps/s, wrapper overhead ${(100 * sim.wrapperOverhead).toFixed(1)}% of CPU time ` +
      `(targets: ≥ 5000 steps/s, ≤ 25%)`,
  );
  const sim3d = await benchSim3d();
  log(
    `sim/push-3d: one env ${sim3d.singleEnvStepsPerSec.toFixed(0)} steps/s, B=${sim3d.numEnvs} ${sim3d.vecEnvStepsPerSec.toFixed(0)} steps/s, ` +
      `raw Rapier 3D ${sim3d.rawStepsPerSec.toFixed(0)} steps/s, wrapper overhead ${(100 * sim3d.wrapperOverhead).toFixed(1)}% of CPU time`,
  );
  return { sim, sim3d };
}

async function benchTraining(task: Config['task'], log: Log): Promise<{ train: TrainBenchResult; dataParallel: DataParallelBenchResult }> {
  // Training runs on wasm with the transposed-matMul fix, as `sagr train` does.
  await useProjectWasm();
  const train = await benchTrainSteps({ ...defaultConfig(), task });
  log(
    `train/wasm (${task}): ms per Adam step prior ${train.priorStepMs.toFixed(0)} (B=${train.priorBatch}), Φ ${train.worldStepMs.toFixed(0)} (B=${train.worldBatch}), ` +
      `reflex ${train.reflexStepMs.toFixed(0)} (B=${train.reflexBatch}); default iterations ≈ ${train.priorMinutes.toFixed(1)} + ${train.worldMinutes.toFixed(1)} + ${train.reflexMinutes.toFixed(1)} min ` +
      `(target: prior ≤ 30 min)`,
  );
  log(`train/wasm (${task}): prior step B=${train.priorBatch}: ${against(train.prior)} (targets: ≥ 3.5× faster, ≤ 600 kernels)`);
  const pp = train.priorProducts;
  log(
    `train/wasm (${task}): prior step B=${train.priorBatch}: ${pp.count.toFixed(0)} matrix products, ${pp.gflop.toFixed(3)} GFLOP in ${pp.ms.toFixed(1)} ms ` +
      `(${(pp.gflop / (pp.ms / 1000)).toFixed(1)} GFLOP/s), ${(100 * pp.share).toFixed(0)}% of the step; the old step ÷ 3.5 is ${(train.prior.referenceMs / 3.5).toFixed(1)} ms`,
  );
  const dp = await benchDataParallel({ ...defaultConfig(), task });
  log(
    `train/data-parallel (${task}): prior step B=${dp.batch}: 1 worker ${dp.oneWorkerMs.toFixed(0)} ms (${dp.oneWorkerExamplesPerSec.toFixed(0)} examples/s), ` +
      `${dp.workers} workers ${dp.parallelMs.toFixed(0)} ms (${dp.parallelExamplesPerSec.toFixed(0)} examples/s): ${dp.speedup.toFixed(2)}× ` +
      `(medians of ${dp.steps} alternating steps, ${availableParallelism()} cores available; target: ≥ 1.7×)`,
  );
  log(
    `train/data-parallel (${task}): bounds from the same rounds: 1 worker on a part of ${dp.partRows} rows ${dp.partMs.toFixed(0)} ms, ` +
      `so splitting B=${dp.batch} can give at most ${dp.partBound.toFixed(2)}×; ${dp.workers} workers on B=${dp.batch * dp.workers} ${dp.scaledMs.toFixed(0)} ms, ` +
      `${dp.scaledSpeedup.toFixed(2)}× one worker's examples/s (each thread a full batch of ${dp.batch})`,
  );
  log(
    `train/data-parallel (${task}): in the ${dp.workers}-worker steps at B=${dp.batch}, each thread's part took a median of ` +
      `${dp.threadPartMs.map((ms) => ms.toFixed(0)).join(', ')} ms (this thread first), the slowest part of each step a median of ${dp.slowestPartMs.toFixed(0)} ms: ` +
      `the step waits for it, so the parts' step-to-step variation costs ${(dp.slowestPartMs - Math.max(...dp.threadPartMs)).toFixed(0)} ms a step`,
  );
  return { train, dataParallel: dp };
}

async function benchPpoSection(task: Config['task'], log: Log): Promise<PpoBenchResult> {
  // On wasm with the project's kernels, as `sagr train --stage ppo` runs (`--only ppo` has no earlier section to set it).
  await useProjectWasm();
  const ppo = await benchPpo({ task });
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  log(
    `ppo/wasm (${task}): ${ppo.envStepsPerSec.toFixed(0)} env steps/s over full iterations (B=${ppo.numEnvs}, ${ppo.controlStepsPerIteration} control steps, ${ppo.secondsPerIteration.toFixed(1)} s each); ` +
      `physics ${pct(ppo.fractions.physics)}, inference ${pct(ppo.fractions.inference)}, updates ${pct(ppo.fractions.updates)}, other ${pct(ppo.fractions.other)}`,
  );
  return ppo;
}

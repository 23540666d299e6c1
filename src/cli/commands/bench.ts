// `sagr bench [--task push-t|push-3d] [--json]`: speed figures for every part that has a target. Sections are
// added as parts land. --task (the config key) picks the task of the training-step and PPO sections; the
// simulator section runs both tasks.
import { availableParallelism } from 'node:os';
import { microbench, type MicrobenchResult } from '../../engine/microbench';
import { NODE_BACKENDS, useNodeBackend } from '../../engine/nodeBackend';
import { benchPolicy, type PolicyBenchResult } from '../../policy/bench';
import { benchSim, benchSim3d } from '../../sim/bench';
import { patchWasmMatMul } from '../../engine/wasmMatMul';
import { benchTrainSteps } from '../../train/bench';
import { benchDataParallel } from '../../train/dataParallelBench';
import { benchPpo } from '../../train/ppoBench';
import { defaultConfig } from '../../core/config';
import type { Comparison } from '../../reference/compare';
import type { Command } from '../command';

/** "12.3 ms, 357 kernels; old path 40.1 ms, 3,882 kernels: 3.26× faster (medians of 7 interleaved rounds)". */
const against = (c: Comparison) =>
  `${c.ms.toFixed(1)} ms, ${c.kernels} kernels; old path ${c.referenceMs.toFixed(1)} ms, ${c.referenceKernels} kernels: ` +
  `${c.speedup.toFixed(2)}× faster (medians of ${c.rounds} interleaved rounds)`;

export const bench: Command = {
  name: 'bench',
  summary: 'benchmark tensor backends, networks, the simulator, training steps (one and two workers) and PPO iterations; --json for one JSON object',
  switches: ['json'],
  acceptsConfig: false,
  configKeys: ['task'],
  async run({ config, log }) {
    const { task } = config;
    const tensors: MicrobenchResult[] = [];
    for (const backend of NODE_BACKENDS) {
      await useNodeBackend(backend);
      const r = await microbench();
      log(`tensor/${backend}: matMul ${r.matMulSize}² ${r.matMulMs.toFixed(2)} ms, Adam step (MLP, batch ${r.adamBatch}) ${r.adamStepMs.toFixed(2)} ms (median of ${r.runs})`);
      tensors.push(r);
    }
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
      nn.push(r);
    }
    const sim = await benchSim();
    log(
      `sim: one env ${sim.singleEnvStepsPerSec.toFixed(0)} steps/s, B=${sim.numEnvs} ${sim.vecEnvStepsPerSec.toFixed(0)} steps/s, ` +
        `raw Rapier ${sim.rawStepsPerSec.toFixed(0)} steps/s, wrapper overhead ${(100 * sim.wrapperOverhead).toFixed(1)}% ` +
        `(targets: ≥ 5000 steps/s, ≤ 25%)`,
    );
    const sim3d = await benchSim3d();
    log(
      `sim/push-3d: one env ${sim3d.singleEnvStepsPerSec.toFixed(0)} steps/s, B=${sim3d.numEnvs} ${sim3d.vecEnvStepsPerSec.toFixed(0)} steps/s, ` +
        `raw Rapier 3D ${sim3d.rawStepsPerSec.toFixed(0)} steps/s, wrapper overhead ${(100 * sim3d.wrapperOverhead).toFixed(1)}%`,
    );
    // Training runs on wasm with the transposed-matMul fix, as `sagr train` does.
    await useNodeBackend('wasm');
    patchWasmMatMul();
    const train = await benchTrainSteps({ ...defaultConfig(), task });
    log(
      `train/wasm (${task}): ms per Adam step prior ${train.priorStepMs.toFixed(0)} (B=${train.priorBatch}), Φ ${train.worldStepMs.toFixed(0)} (B=${train.worldBatch}), ` +
        `reflex ${train.reflexStepMs.toFixed(0)} (B=${train.reflexBatch}); default iterations ≈ ${train.priorMinutes.toFixed(1)} + ${train.worldMinutes.toFixed(1)} + ${train.reflexMinutes.toFixed(1)} min ` +
        `(target: prior ≤ 30 min)`,
    );
    log(`train/wasm (${task}): prior step B=${train.priorBatch}: ${against(train.prior)} (targets: ≥ 3.5× faster, ≤ 600 kernels)`);
    const dp = await benchDataParallel({ ...defaultConfig(), task });
    log(
      `train/data-parallel (${task}): prior step B=${dp.batch}: 1 worker ${dp.oneWorkerMs.toFixed(0)} ms (${dp.oneWorkerExamplesPerSec.toFixed(0)} examples/s), ` +
        `${dp.workers} workers ${dp.parallelMs.toFixed(0)} ms (${dp.parallelExamplesPerSec.toFixed(0)} examples/s): ${dp.speedup.toFixed(2)}× ` +
        `(medians of ${dp.steps} alternating steps, ${availableParallelism()} cores available; target: ≥ 1.7×)`,
    );
    const ppo = await benchPpo({ task });
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    log(
      `ppo/wasm (${task}): ${ppo.envStepsPerSec.toFixed(0)} env steps/s over full iterations (B=${ppo.numEnvs}, ${ppo.controlStepsPerIteration} control steps, ${ppo.secondsPerIteration.toFixed(1)} s each); ` +
        `physics ${pct(ppo.fractions.physics)}, inference ${pct(ppo.fractions.inference)}, updates ${pct(ppo.fractions.updates)}, other ${pct(ppo.fractions.other)}`,
    );
    return { task, tensors, nn, sim, sim3d, train, dataParallel: dp, ppo };
  },
};

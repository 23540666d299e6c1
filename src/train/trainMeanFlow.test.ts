// The MeanFlow stage on a few shipped demonstrations with a tiny prior (fixed seeds): its examples and loss at
// initialisation, the adaptive weights, the interval draws, and a short run that leaks no tensor.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { meanFlowFromPrior } from '../policy/meanFlow';
import { decodeDemos } from '../sim/dataset';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_NETS } from '../testing/tinyConfig';
import { gatherPriorBatch, indexSteps, sampleIndices, type EpisodeSplit } from './demoData';
import type { MetricsRecord } from './stage';
import { drawInterval, gapStatistics, MEANFLOW_LOSS, meanFlowExamples, meanFlowSettings, normalisedWeights, trainMeanFlow } from './trainMeanFlow';

const demos = decodeDemos(readFileSync(new URL('../../public/data/push-t-demos.bin', import.meta.url)));
const split: EpisodeSplit = { train: [0, 1, 2, 3, 4, 5], heldOut: [6, 7] };
const spec = pushTSpec;
const tiny: Config = { ...defaultConfig(), ...TINY_NETS, meanflowBatch: 16 };

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

describe('MeanFlow stage', () => {
  it('draws intervals r ≤ t in [0, 1]: (0, 1), empty ones and sorted pairs in the configured shares', () => {
    const s = { ...meanFlowSettings(tiny), fullFraction: 0.3, equalFraction: 0.2 };
    const rng = new Rng(1);
    const draws = Array.from({ length: 4000 }, () => drawInterval(rng, s));
    expect(draws.every(({ r, t }) => 0 <= r && r <= t && t <= 1)).toBe(true);
    const full = draws.filter(({ r, t }) => r === 0 && t === 1).length / draws.length;
    const empty = draws.filter(({ r, t }) => r === t).length / draws.length;
    expect(Math.abs(full - 0.3)).toBeLessThan(0.03);
    expect(Math.abs(empty - 0.2)).toBeLessThan(0.03);
  });

  it('normalises the adaptive weights to mean 1, the larger error weighing less (p = 1), all equal at p = 0', () => {
    const w = normalisedWeights([0.001, 0.009, 0.099], 1);
    expect(w.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(1, 6);
    expect(w[0]).toBeGreaterThan(w[1]);
    expect(w[1]).toBeGreaterThan(w[2]);
    expect(w[0] / w[2]).toBeCloseTo(0.1 / 0.002, 3);
    expect(Array.from(normalisedWeights([0.001, 5], 0))).toEqual([1, 1]);
  });

  it('at initialisation, on empty intervals, the target is the teacher’s velocity and the loss is exactly 0', () => {
    const teacher = new FlowPrior(flowPriorConfig(tiny, spec), 2);
    const student = meanFlowFromPrior(teacher, 3);
    const index = indexSteps(demos, split.train);
    const batch = gatherPriorBatch(demos, index, sampleIndices(new Rng(4), index.count, 8), tiny.horizon);
    const examples = meanFlowExamples(student, teacher, spec, batch, new Rng(5), { ...meanFlowSettings(tiny), fullFraction: 0, equalFraction: 1 });
    expect(Array.from(examples.fields.h)).toEqual(new Array(8).fill(0));
    const loss = MEANFLOW_LOSS.loss(student, examples);
    expect(loss.dataSync()[0]).toBe(0);
    // On (0, 1) it is not: the target adds the flow derivative.
    const whole = meanFlowExamples(student, teacher, spec, batch, new Rng(5), { ...meanFlowSettings(tiny), fullFraction: 1, equalFraction: 0 });
    const wholeLoss = MEANFLOW_LOSS.loss(student, whole);
    expect(wholeLoss.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([loss, wholeLoss]);
    teacher.dispose();
    student.dispose();
  });

  it('a short run evaluates on schedule, leaves the teacher untouched and the tensor count flat', async () => {
    const teacher = new FlowPrior(flowPriorConfig(tiny, spec), 2);
    const before = tf.tidy(() => tf.concat([...teacher.variables.values()].map((v) => tf.reshape(v, [-1]))).dataSync().slice());
    const student = meanFlowFromPrior(teacher, 3);
    const records: MetricsRecord[] = [];
    const counts: number[] = [];
    const report = await trainMeanFlow(student, teacher, demos, split, spec, tiny, {
      iters: 30,
      seed: 5,
      log: () => {},
      evalEvery: 10,
      onMetrics: (r) => {
        records.push(r);
        counts.push(tf.memory().numTensors);
      },
    });
    expect(records.map((r) => r.iter)).toEqual([10, 20, 30]);
    expect(new Set(counts).size).toBe(1);
    expect(report.skippedSteps).toBe(0);
    expect(report.initial.mseToKStep).toBeGreaterThan(0);
    const after = tf.tidy(() => tf.concat([...teacher.variables.values()].map((v) => tf.reshape(v, [-1]))).dataSync());
    expect(Array.from(after)).toEqual(Array.from(before));
    await expect(trainMeanFlow(teacher, teacher, demos, split, spec, tiny, { iters: 1, seed: 1, log: () => {}, evalEvery: 1, onMetrics: () => {} })).rejects.toThrow(/not a MeanFlow prior/);
    teacher.dispose();
    student.dispose();
  });

  it('gap statistics: 0 for identical chunks, 1 for the K-step chunks’ mean', () => {
    const kStep = Float32Array.from([1, 2, 3, 5]); // two examples of two elements
    const demo = Float32Array.from([1, 2, 3, 5]);
    expect(gapStatistics(kStep, kStep, demo, 2, 2).relativeToKStep).toBe(0);
    const mean = Float32Array.from([2, 3.5, 2, 3.5]);
    expect(gapStatistics(mean, kStep, demo, 2, 2).relativeToKStep).toBeCloseTo(1, 6);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { assignCheckpoint, readCheckpoint, saveCheckpoint } from '../nn/checkpoint';
import { normal } from '../nn/init';
import { gaussianTensor } from '../nn/noise';
import { Scope } from '../nn/scope';
import { ReferenceAdam } from '../reference/optimizer';
import { Adam } from './adam';
import { EmaWeights } from './ema';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const SHAPES = [[5, 3], [3], [2, 2, 4], [1], [7, 2]];
const EPS = 1e-8;

/** Parameters of the SHAPES drawn from `seed` (the same seed gives the same values). */
function params(seed: number): Scope {
  const scope = Scope.root('toy', seed);
  SHAPES.forEach((shape, i) => scope.variable(`p${i}`, shape, normal(1)));
  return scope;
}

const values = (s: Scope) => [...s.variables.values()].map((v) => Array.from(v.dataSync()));
/** Random gradients for every parameter (scaled per step so the moments see different magnitudes). */
const gradients = (rng: Rng, step: number) => tf.tidy(() => SHAPES.map((shape) => tf.mul(gaussianTensor(rng, shape), 10 ** ((step % 5) - 2))));

function expectClose(actual: number[][], expected: number[][], relTol: number): void {
  actual.forEach((row, i) =>
    row.forEach((x, j) => {
      const e = expected[i][j];
      expect(Math.abs(x - e), `[${i}][${j}]: ${x} vs ${e}`).toBeLessThanOrEqual(relTol * Math.max(Math.abs(e), 1e-30));
    }),
  );
}

describe('fused Adam', () => {
  it('gives the per-parameter Adam’s parameters over several steps, in ~20 kernels a step whatever the parameter count', async () => {
    const [fused, reference] = [params(3), params(3)];
    const adam = new Adam('opt', fused.variables, EPS);
    const old = new ReferenceAdam('opt', reference.variables, EPS);
    const rng = new Rng(1);
    for (let step = 0; step < 12; step++) {
      const grads = gradients(rng, step);
      const profile = await tf.profile(() => adam.apply(grads, 1e-2));
      expect(profile.kernels.length).toBeLessThanOrEqual(22);
      old.apply(grads, 1e-2);
      tf.dispose(grads);
      expectClose(values(fused), values(reference), 1e-5);
    }
    adam.dispose();
    old.dispose();
    fused.dispose();
    reference.dispose();
  });

  it('resumes from a checkpoint written with per-parameter moments and continues with the same moments', async () => {
    const [fused, reference] = [params(4), params(4)];
    const old = new ReferenceAdam('adam-toy', reference.variables, EPS);
    const rng = new Rng(2);
    for (let step = 0; step < 3; step++) {
      const grads = gradients(rng, step);
      old.apply(grads, 1e-2);
      tf.dispose(grads);
    }
    // A checkpoint as the old code wrote it: adam-toy/m/toy/p0, …, adam-toy/step.
    let artifacts: tf.io.ModelArtifacts | undefined;
    const legacyModule = { name: 'adam-toy', variables: old.variables, config: { eps: EPS, beta1: 0.9, beta2: 0.999 } };
    await saveCheckpoint([legacyModule], tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(artifacts!.weightSpecs!.map((s) => s.name)).toContain('adam-toy/m/toy/p2');

    const adam = new Adam('adam-toy', fused.variables, EPS);
    for (const [name, v] of reference.variables) fused.variables.get(name)!.assign(v);
    const checkpoint = await readCheckpoint(tf.io.fromMemory(artifacts!));
    const before = tf.memory().numTensors;
    assignCheckpoint([adam], checkpoint);
    expect(tf.memory().numTensors).toBe(before); // the converted flat moments are freed
    tf.dispose(checkpoint.weights);
    expect(adam.variables.get('adam-toy/step')!.dataSync()[0]).toBe(3);

    for (let step = 3; step < 6; step++) {
      const grads = gradients(rng, step);
      adam.apply(grads, 1e-2);
      old.apply(grads, 1e-2);
      tf.dispose(grads);
      expectClose(values(fused), values(reference), 1e-5);
    }
    [adam, old, fused, reference].forEach((x) => x.dispose());
  });

  it('round-trips its own flat state through a checkpoint, and refuses moments of the wrong size', async () => {
    const s = params(5);
    const adam = new Adam('adam-toy', s.variables, EPS);
    const grads = gradients(new Rng(3), 0);
    adam.apply(grads, 1e-2);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await saveCheckpoint([adam], tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(artifacts!.weightSpecs!.map((w) => w.name)).toEqual(['adam-toy/m', 'adam-toy/v', 'adam-toy/step']);
    const other = new Adam('adam-toy', params(6).variables, EPS);
    const checkpoint = await readCheckpoint(tf.io.fromMemory(artifacts!));
    assignCheckpoint([other], checkpoint);
    for (const name of ['adam-toy/m', 'adam-toy/v', 'adam-toy/step']) expect(other.variables.get(name)!.dataSync()).toEqual(adam.variables.get(name)!.dataSync());
    const small = new Adam('adam-toy', new Map([['w', tf.variable(tf.zeros([2]))]]), EPS);
    expect(() => assignCheckpoint([small], checkpoint)).toThrow(/"adam-toy\/m" has shape \[49\].*expected \[2\]/);
    tf.dispose([checkpoint.weights, grads]);
    [adam, other, small, s].forEach((x) => x.dispose());
  });

  it('keeps the tensor count flat over many steps, with the EMA', async () => {
    const s = params(7);
    const adam = new Adam('opt', s.variables, EPS);
    const ema = new EmaWeights(s.variables.values());
    const rng = new Rng(4);
    const step = () => {
      const grads = gradients(rng, 0);
      adam.apply(grads, 1e-3);
      ema.update();
      tf.dispose(grads);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) step();
    await ema.withAverage(async () => undefined);
    expect(tf.memory().numTensors).toBe(before);
    [adam, ema, s].forEach((x) => x.dispose());
  });
});

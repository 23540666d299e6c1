import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { averageWeights } from './averageWeights';
import type { Checkpoint } from './checkpoint';

function checkpoint(values: Record<string, number[][]>, config: Record<string, number> = { width: 2 }): Checkpoint {
  const weights: tf.NamedTensorMap = {};
  for (const [name, v] of Object.entries(values)) weights[name] = tf.tensor2d(v);
  return { weights, metadata: { version: 1, modules: { prior: config } } };
}

const labelled = (...cs: Checkpoint[]) => cs.map((checkpoint, i) => ({ label: `run${i}`, checkpoint }));

describe('averageWeights', () => {
  it('gives the element-wise mean of the module weights, leaving the inputs as they were', async () => {
    const a = checkpoint({ 'prior/w': [[1, 2]], 'prior/b': [[0, -3]], 'world/w': [[9, 9]] });
    const b = checkpoint({ 'prior/w': [[3, 6]], 'prior/b': [[1, 3]] });
    const c = checkpoint({ 'prior/w': [[5, 1]], 'prior/b': [[2, 6]] });
    const before = tf.memory().numTensors;
    const { weights, config } = averageWeights(labelled(a, b, c), 'prior');
    expect(Object.keys(weights).sort()).toEqual(['prior/b', 'prior/w']);
    expect(Array.from(await weights['prior/w'].data())).toEqual([3, 3]);
    expect(Array.from(await weights['prior/b'].data())).toEqual([1, 2]);
    expect(config).toEqual({ width: 2 });
    // Only the two averages are new; the inputs are untouched.
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(await a.weights['prior/w'].data())).toEqual([1, 2]);
    tf.dispose(weights);
    for (const x of [a, b, c]) tf.dispose(x.weights);
  });

  it.each([
    ['one checkpoint', () => labelled(checkpoint({ 'prior/w': [[1]] })), /^averaging needs at least 2 checkpoints, got 1$/],
    ['another config', () => labelled(checkpoint({ 'prior/w': [[1]] }), checkpoint({ 'prior/w': [[1]] }, { width: 4 })), /^run1's prior was built with another config than run0's$/],
    ['a missing weight', () => labelled(checkpoint({ 'prior/w': [[1]], 'prior/b': [[1]] }), checkpoint({ 'prior/w': [[1]] })), /^run1 is missing weight "prior\/b"$/],
    ['an extra weight', () => labelled(checkpoint({ 'prior/w': [[1]] }), checkpoint({ 'prior/w': [[1]], 'prior/b': [[1]] })), /^run1 has 2 prior weights, run0 has 1$/],
    ['another shape', () => labelled(checkpoint({ 'prior/w': [[1, 2]] }), checkpoint({ 'prior/w': [[1], [2]] })), /^weight "prior\/w" has shape \[2, 1\] in run1, \[1, 2\] in run0$/],
  ])('refuses %s, naming the checkpoint', (_, inputs, message) => {
    const given = inputs();
    const before = tf.memory().numTensors;
    expect(() => averageWeights(given, 'prior')).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    for (const { checkpoint: c } of given) tf.dispose(c.weights);
  });

  it('refuses a checkpoint without the module', () => {
    const world = { weights: {}, metadata: { version: 1, modules: { world: {} } } };
    expect(() => averageWeights([{ label: 'a', checkpoint: checkpoint({ 'prior/w': [[1]] }) }, { label: 'b', checkpoint: world }], 'prior')).toThrow(/^b has no "prior" module \(modules: world\)$/);
  });
});

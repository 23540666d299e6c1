import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../engine/nodeBackend';
import { assignCheckpoint, type Checkpointable, loadCheckpoint, readCheckpoint, saveCheckpoint } from './checkpoint';
import { Dense } from './dense';
import { LayerNorm } from './layerNorm';
import { Scope } from './scope';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/** A small module: dense → layer norm, named `${name}/…`. */
function makeModule(name: string, seed: number, width = 4, config: Record<string, number> = {}): Checkpointable & { scope: Scope } {
  const scope = Scope.root(name, seed);
  new Dense(scope.child('dense'), 3, width);
  new LayerNorm(scope.child('norm'), width);
  return { name, scope, variables: scope.variables, config: { width, ...config } };
}

/** An in-memory round trip: save through withSaveHandler, load through fromMemory. */
async function saveToMemory(modules: Checkpointable[], extra: Record<string, unknown> = {}): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await saveCheckpoint(modules, tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), extra);
  return saved!;
}

const snapshot = (m: Checkpointable) => new Map([...m.variables].map(([k, v]) => [k, v.dataSync().slice()]));

describe('checkpoints', () => {
  it('round-trips exactly in memory, with the metadata', async () => {
    const a = makeModule('prior', 1);
    const b = makeModule('prior', 2);
    expect(snapshot(b)).not.toEqual(snapshot(a));
    const artifacts = await saveToMemory([a], { config: { horizon: 16 } });
    expect(artifacts.weightSpecs!.map((s) => s.name)).toEqual(['prior/dense/w', 'prior/dense/b', 'prior/norm/gain', 'prior/norm/bias']);
    const metadata = await loadCheckpoint([b], tf.io.fromMemory(artifacts));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(metadata.modules.prior).toEqual({ width: 4 });
    expect(metadata.config).toEqual({ horizon: 16 });
    a.scope.dispose();
    b.scope.dispose();
  });

  it('loads one module out of a bundle and ignores the others', async () => {
    const prior = makeModule('prior', 1);
    const world = makeModule('world', 3);
    const artifacts = await saveToMemory([prior, world]);
    const target = makeModule('world', 4);
    await loadCheckpoint([target], tf.io.fromMemory(artifacts));
    expect(snapshot(target)).toEqual(snapshot(world));
    for (const m of [prior, world, target]) m.scope.dispose();
  });

  describe('rejects a mismatched checkpoint and keeps the current weights', () => {
    async function expectRejected(source: Checkpointable, message: RegExp) {
      const target = makeModule('prior', 9);
      const before = snapshot(target);
      const artifacts = await saveToMemory([source]);
      await expect(loadCheckpoint([target], tf.io.fromMemory(artifacts))).rejects.toThrow(message);
      expect(snapshot(target)).toEqual(before);
      target.scope.dispose();
    }

    it('wrong name', async () => {
      const src = makeModule('prior', 1);
      const renamed = new Map([...src.variables].map(([k, v]) => [k.replace('norm/bias', 'norm/beta'), v]));
      await expectRejected({ ...src, variables: renamed }, /missing weight "prior\/norm\/bias"/);
      src.scope.dispose();
    });

    it('wrong shape (names the first mismatched weight)', async () => {
      const src = makeModule('prior', 1, 5);
      await expectRejected(src, /weight "prior\/dense\/w" has shape \[3, 5\] in the checkpoint, expected \[3, 4\]/);
      src.scope.dispose();
    });

    it('missing weight', async () => {
      const src = makeModule('prior', 1);
      const fewer = new Map([...src.variables].filter(([k]) => k !== 'prior/norm/gain'));
      await expectRejected({ ...src, variables: fewer }, /missing weight "prior\/norm\/gain"/);
      src.scope.dispose();
    });

    it('unexpected extra weight of the same module', async () => {
      const src = makeModule('prior', 1);
      const extra = tf.variable(tf.zeros([2]));
      await expectRejected({ ...src, variables: new Map([...src.variables, ['prior/extra', extra]]) }, /unexpected weight "prior\/extra"/);
      extra.dispose();
      src.scope.dispose();
    });

    it('same shapes but a different module config', async () => {
      const src = makeModule('prior', 1, 4, { tokens: 7 });
      const target = makeModule('prior', 9, 4, { tokens: 8 });
      const before = snapshot(target);
      const artifacts = await saveToMemory([src]);
      await expect(loadCheckpoint([target], tf.io.fromMemory(artifacts))).rejects.toThrow(/built with tokens=7, this prior has tokens=8/);
      expect(snapshot(target)).toEqual(before);
      src.scope.dispose();
      target.scope.dispose();
    });

    it('NaN in a weight, truncated data, foreign format', async () => {
      const src = makeModule('prior', 1);
      const target = makeModule('prior', 9);
      const before = snapshot(target);
      src.variables.get('prior/norm/gain')!.assign(tf.tensor1d([1, NaN, 1, 1]));
      const poisoned = await saveToMemory([src]);
      await expect(loadCheckpoint([target], tf.io.fromMemory(poisoned))).rejects.toThrow(/"prior\/norm\/gain" contains NaN/);
      const truncated = { ...poisoned, weightData: (poisoned.weightData as ArrayBuffer).slice(0, 20) };
      await expect(loadCheckpoint([target], tf.io.fromMemory(truncated))).rejects.toThrow(/20 bytes/);
      await expect(loadCheckpoint([target], tf.io.fromMemory({ ...poisoned, format: 'layers-model' }))).rejects.toThrow(/format/);
      expect(snapshot(target)).toEqual(before);
      src.scope.dispose();
      target.scope.dispose();
    });
  });

  it('readCheckpoint + assignCheckpoint let a caller build the module from the saved config first', async () => {
    const src = makeModule('prior', 1, 6);
    const artifacts = await saveToMemory([src]);
    const ckpt = await readCheckpoint(tf.io.fromMemory(artifacts));
    const target = makeModule('prior', 2, ckpt.metadata.modules.prior.width as number);
    assignCheckpoint([target], ckpt);
    tf.dispose(ckpt.weights);
    expect(snapshot(target)).toEqual(snapshot(src));
    src.scope.dispose();
    target.scope.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint';
import { Dense } from '../nn/dense';
import { Scope } from '../nn/scope';
import { nodeFileHandler } from './nodeCheckpoint';
import { useNodeBackend } from './nodeBackend';

const dir = mkdtempSync(path.join(tmpdir(), 'sagr-ckpt-'));

beforeAll(async () => {
  await useNodeBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function module(seed: number) {
  const scope = Scope.root('world', seed);
  new Dense(scope.child('dense'), 3, 5);
  return { name: 'world', scope, variables: scope.variables, config: { width: 5 } };
}
const snapshot = (m: { variables: Map<string, tf.Variable> }) => [...m.variables.values()].map((v) => Array.from(v.dataSync()));

describe('Node file checkpoint handler', () => {
  it('writes model.json + weights.bin and reads them back exactly', async () => {
    const a = module(1);
    const b = module(2);
    const folder = path.join(dir, 'ok');
    await saveCheckpoint([a], nodeFileHandler(folder), { task: 'push-t' });
    const json = JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(['world/dense/w', 'world/dense/b']);
    expect(json.userDefinedMetadata.task).toBe('push-t');
    const meta = await loadCheckpoint([b], nodeFileHandler(path.join(folder, 'model.json')));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(meta.modules.world).toEqual({ width: 5 });
    a.scope.dispose();
    b.scope.dispose();
  });

  it('refuses a manifest pointing outside its folder and a missing file, weights unchanged', async () => {
    const a = module(1);
    const folder = path.join(dir, 'evil');
    await saveCheckpoint([a], nodeFileHandler(folder));
    const jsonPath = path.join(folder, 'model.json');
    const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    json.weightsManifest[0].paths = ['../ok/weights.bin'];
    writeFileSync(jsonPath, JSON.stringify(json));
    const before = snapshot(a);
    await expect(loadCheckpoint([a], nodeFileHandler(folder))).rejects.toThrow(/leaves the checkpoint folder/);
    await expect(loadCheckpoint([a], nodeFileHandler(path.join(dir, 'nowhere')))).rejects.toThrow(/cannot read .*model\.json/);
    expect(snapshot(a)).toEqual(before);
    a.scope.dispose();
  });
});

// The PPO critic as a module the person saves and uploads: its two files load back into the same weights, and
// files that are not a critic of this task are refused with the reason, before any module is built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Critic, criticConfig } from '../policy/critic';
import { Strategy, strategyConfig } from '../policy/strategy';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { checkpointFiles, loadUploaded, type CheckpointFiles } from './checkpointFiles';
import { useNodeBackend } from './nodeBackend';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS };
const weights = (m: { variables: Map<string, tf.Variable> }) => [...m.variables.values()].map((v) => Array.from(v.dataSync()));
const upload = (f: CheckpointFiles, json = f.json) => loadUploaded('critic', json, f.weightsName, f.weights.slice().buffer as ArrayBuffer, pushTSpec);

describe('critic checkpoint files', () => {
  it('save and upload back the same critic', async () => {
    const critic = new Critic(criticConfig(config, pushTSpec), 7);
    const files = await checkpointFiles(critic, 'sagr-ppo-critic', config, 'push-t');
    expect([files.jsonName, files.weightsName]).toEqual(['sagr-ppo-critic.json', 'sagr-ppo-critic.weights.bin']);
    const loaded = await upload(files);
    expect(loaded.config).toEqual(critic.config);
    expect(weights(loaded)).toEqual(weights(critic));
    critic.dispose();
    loaded.dispose();
  });

  it('refuse another module, another task, renamed weights and short weights with the reason, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const strategy = new Strategy(strategyConfig(config, pushTSpec), 1);
    const critic3d = new Critic(criticConfig(config, push3dSpec), 2);
    const critic = new Critic(criticConfig(config, pushTSpec), 3);
    const strategyFiles = await checkpointFiles(strategy, 's', config, 'push-t');
    const files3d = await checkpointFiles(critic3d, 'c3', config, 'push-3d');
    const files = await checkpointFiles(critic, 'c', config, 'push-t');
    [strategy, critic3d, critic].forEach((m) => m.dispose());

    await expect(upload(strategyFiles)).rejects.toThrow('checkpoint: no "critic" module in it (modules: strategy)');
    await expect(upload(files3d)).rejects.toThrow(`checkpoint: the critic was trained for ${push3dSpec.numTokens} tokens, task push-t has ${pushTSpec.numTokens}`);
    const name = JSON.parse(files.json).weightsManifest[0].weights[0].name as string;
    await expect(upload(files, files.json.replace(`"${name}"`, '"critic/renamed"'))).rejects.toThrow(`checkpoint rejected, weights unchanged: checkpoint is missing weight "${name}"`);
    await expect(loadUploaded('critic', files.json, files.weightsName, files.weights.slice(0, 8).buffer as ArrayBuffer, pushTSpec)).rejects.toThrow(/bytes/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

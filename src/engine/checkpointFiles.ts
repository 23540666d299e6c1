// A module's checkpoint as two files the person can save and upload again: `<name>.json` (the tfjs weights
// manifest with the checkpoint's metadata, as model.json) and `<name>.weights.bin`. Uploads go through the
// evaluation's loaders, which validate everything (format, names, shapes, finite values, task) before a weight
// is assigned, so a bad file changes nothing.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { saveCheckpoint, type Checkpointable } from '../nn/checkpoint';
import type { TaskSpec } from '../sim/taskSpec';
import type { ModuleName } from './livePolicies';
import { LOADERS, type ModuleTypes } from './policyModules';

/** Largest manifest accepted from an upload (a real one is a few kB). */
const MAX_JSON_CHARS = 1 << 20;

export interface CheckpointFiles {
  /** The manifest's file name and text. */
  jsonName: string;
  json: string;
  weightsName: string;
  weights: Uint8Array;
}

/** Serialises `module` with `config` and the task in its metadata; `stem` names the files. */
export async function checkpointFiles(module: Checkpointable, stem: string, config: Config, task: string): Promise<CheckpointFiles> {
  const weightsName = `${stem}.weights.bin`;
  let files: CheckpointFiles | null = null;
  await saveCheckpoint(
    [module],
    tf.io.withSaveHandler(async (a) => {
      const modelJson: tf.io.ModelJSON = {
        modelTopology: a.modelTopology as object,
        format: a.format,
        generatedBy: a.generatedBy,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: a.weightSpecs! }],
        userDefinedMetadata: a.userDefinedMetadata,
      };
      files = { jsonName: `${stem}.json`, json: JSON.stringify(modelJson), weightsName, weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
    { task, config, savedFrom: 'playground' },
  );
  return files!;
}

/** An IO handler over uploaded files: the manifest must name the weights file it came with. */
function uploadHandler(json: string, weightsName: string, weights: ArrayBuffer): tf.io.IOHandler {
  return {
    async load() {
      if (json.length > MAX_JSON_CHARS) throw new Error(`upload: the manifest is too long (${json.length} characters)`);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(json);
      } catch (e) {
        throw new Error(`upload: the manifest is not JSON (${(e as Error).message.split('\n')[0]})`);
      }
      if (typeof modelJson !== 'object' || modelJson === null || !Array.isArray(modelJson.weightsManifest)) throw new Error('upload: the manifest has no weightsManifest (is it a model.json?)');
      const paths = modelJson.weightsManifest.flatMap((g) => g.paths);
      const base = (p: string) => p.split('/').pop();
      if (paths.length !== 1 || base(paths[0]) !== weightsName) throw new Error(`upload: the manifest's weights are ${paths.map((p) => `"${String(p).slice(0, 60)}"`).join(', ')}, the file given is "${weightsName.slice(0, 60)}"`);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [tf.io.getWeightSpecs(manifest), weights]);
    },
  };
}

/** Loads an uploaded checkpoint of module `name` (validated; throws a one-line reason, changing nothing). */
export async function loadUploaded<K extends ModuleName>(name: K, json: string, weightsName: string, weights: ArrayBuffer, spec: TaskSpec): Promise<ModuleTypes[K]> {
  return (await LOADERS[name](uploadHandler(json, weightsName, weights), spec)) as ModuleTypes[K];
}

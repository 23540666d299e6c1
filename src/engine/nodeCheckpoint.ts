// A tf.io.IOHandler for Node that reads and writes a checkpoint as DIR/model.json + DIR/weights.bin, the
// same layout tf.io.browserDownloads produces and tf.io.browserHTTPRequest reads, so a checkpoint built by
// the CLI can be shipped in public/ and fetched by the browser unchanged.
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** `dir` is the checkpoint's folder (a path ending in model.json also works). */
export function nodeFileHandler(dir: string): tf.io.IOHandler {
  const folder = dir.endsWith('.json') ? path.dirname(dir) : dir;
  const jsonPath = path.join(folder, MODEL_JSON);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error('checkpoint: nothing to save (no weights)');
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, WEIGHTS_BIN), new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)));
      await writeFile(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8'));
      } catch (e) {
        throw new Error(`checkpoint: cannot read ${jsonPath} as JSON (${(e as Error).message.split('\n')[0]})`);
      }
      if (!Array.isArray(modelJson?.weightsManifest)) throw new Error(`checkpoint: ${jsonPath} has no weightsManifest`);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const file = path.resolve(folder, p);
            // Weight files must sit beside model.json: a manifest must not make us read elsewhere.
            if (path.dirname(file) !== path.resolve(folder)) throw new Error(`checkpoint: weight path "${p.slice(0, 60)}" leaves the checkpoint folder`);
            const bytes = await readFile(file).catch((e: Error) => {
              throw new Error(`checkpoint: cannot read weight file ${file} (${e.message.split('\n')[0]})`);
            });
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

// Checkpoints as standard tfjs weight artifacts: a model.json-style manifest (weightSpecs + binary weight data)
// moved by any tf.io.IOHandler — tf.io.fromMemory / withSaveHandler, browserHTTPRequest (URLs), browserFiles
// (uploads), browserDownloads, 'indexeddb://…', or the Node file handler in src/engine/nodeCheckpoint.ts.
// A checkpoint holds one or more modules (prior, world, …); weight names carry the module prefix.
// The user-defined metadata records each module's construction config plus whatever the caller adds
// (the full hyperparameter Config, the task name), so a checkpoint can rebuild the module it came from.
// Loading validates everything (names, shapes, dtypes, finite values, module configs) before assigning
// anything: a bad file changes no weight.
import * as tf from '@tensorflow/tfjs';
import type { VariableMap } from './scope';

export const CHECKPOINT_FORMAT = 'sagr-weights';
export const CHECKPOINT_VERSION = 1;

/** A module's construction parameters, as JSON. */
export type ModuleConfig = Record<string, number | string | boolean | readonly number[]>;

/** What a checkpoint can hold: a named module whose variable names all start with `${name}/`. */
export interface Checkpointable {
  readonly name: string;
  readonly variables: VariableMap;
  readonly config: ModuleConfig;
  /**
   * For a module whose stored layout changed: the checkpoint's weights rewritten into the current layout (new
   * tensors for what it converts, freed by the caller), or `weights` itself when they are already current.
   */
  upgradeWeights?(weights: tf.NamedTensorMap): tf.NamedTensorMap;
}

export interface CheckpointMetadata {
  version: number;
  /** Module name → the config it was built with. */
  modules: Record<string, ModuleConfig>;
  /** Anything the caller added at save time (e.g. `config`, `task`). */
  [extra: string]: unknown;
}

export interface Checkpoint {
  /** Decoded weights; the caller disposes them (loadCheckpoint does). */
  weights: tf.NamedTensorMap;
  metadata: CheckpointMetadata;
}

/** "[3, 64]" */
export const showShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Writes the modules' current weights through `handler`; `extra` is merged into the metadata. */
export async function saveCheckpoint(modules: readonly Checkpointable[], handler: tf.io.IOHandler, extra: Record<string, unknown> = {}): Promise<tf.io.SaveResult> {
  if (!handler.save) throw new Error('checkpoint: this IO handler cannot save');
  const named: tf.NamedTensorMap = {};
  const metadata: CheckpointMetadata = { ...extra, version: CHECKPOINT_VERSION, modules: {} };
  for (const m of modules) {
    if (metadata.modules[m.name]) throw new Error(`checkpoint: module "${m.name}" is given twice`);
    metadata.modules[m.name] = m.config;
    for (const [name, v] of m.variables) named[name] = v;
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  return handler.save({
    // tf.io.browserFiles refuses a model.json without a topology, so the module list stands in for one.
    modelTopology: { format: CHECKPOINT_FORMAT, modules: modules.map((m) => m.name) },
    format: CHECKPOINT_FORMAT,
    generatedBy: 'sagr-flow-playground',
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: metadata as unknown as Record<string, object>,
  });
}

/** Loads and decodes a checkpoint, checking its format and that every weight is finite float32. */
export async function readCheckpoint(handler: tf.io.IOHandler): Promise<Checkpoint> {
  if (!handler.load) throw new Error('checkpoint: this IO handler cannot load');
  const artifacts = await handler.load();
  if (artifacts.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint: format is "${String(artifacts.format).slice(0, 40)}", expected "${CHECKPOINT_FORMAT}"`);
  const metadata = artifacts.userDefinedMetadata as unknown as CheckpointMetadata | undefined;
  if (!metadata || typeof metadata !== 'object' || typeof metadata.modules !== 'object' || metadata.modules === null) throw new Error('checkpoint: userDefinedMetadata.modules is missing');
  if (metadata.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint: version ${String(metadata.version)} is not ${CHECKPOINT_VERSION}`);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error('checkpoint: no weights in the manifest');
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const expectedBytes = artifacts.weightSpecs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  for (const s of artifacts.weightSpecs) if (s.dtype !== 'float32') throw new Error(`checkpoint: weight "${s.name}" has dtype ${s.dtype}, expected float32`);
  if (data.byteLength !== expectedBytes) throw new Error(`checkpoint: weight data has ${data.byteLength} bytes, the manifest describes ${expectedBytes}`);
  const weights = tf.io.decodeWeights(data, artifacts.weightSpecs);
  for (const [name, t] of Object.entries(weights)) {
    const values = (await t.data()) as Float32Array;
    if (!values.every(Number.isFinite)) {
      tf.dispose(weights);
      throw new Error(`checkpoint: weight "${name}" contains NaN or Inf`);
    }
  }
  return { weights, metadata };
}

/** The first reason `checkpoint` cannot be loaded into `modules`, or null. */
function mismatch(modules: readonly Checkpointable[], { weights, metadata }: Checkpoint): string | null {
  const names = new Set(modules.map((m) => m.name));
  for (const m of modules) {
    for (const [name, v] of m.variables) {
      const w = weights[name];
      if (!w) return `checkpoint is missing weight "${name}"`;
      if (!sameShape(w.shape, v.shape)) return `weight "${name}" has shape ${showShape(w.shape)} in the checkpoint, expected ${showShape(v.shape)}`;
    }
  }
  for (const name of Object.keys(weights)) {
    const owner = modules.find((m) => m.variables.has(name));
    if (!owner && names.has(name.split('/')[0])) return `checkpoint has unexpected weight "${name}"`;
  }
  for (const m of modules) {
    const saved = metadata.modules[m.name];
    if (!saved) return `checkpoint metadata has no module "${m.name}"`;
    for (const [key, value] of Object.entries(m.config)) {
      if (JSON.stringify(saved[key]) !== JSON.stringify(value)) return `checkpoint's ${m.name} was built with ${key}=${JSON.stringify(saved[key])}, this ${m.name} has ${key}=${JSON.stringify(value)}`;
    }
  }
  return null;
}

/**
 * Assigns the checkpoint's weights to `modules` after validating all of them. Weights of other modules in the
 * checkpoint are ignored (a bundle can hold prior + world + reflex and load one of them).
 */
export function assignCheckpoint(modules: readonly Checkpointable[], checkpoint: Checkpoint): void {
  const weights = modules.reduce((w, m) => (m.upgradeWeights ? m.upgradeWeights(w) : w), checkpoint.weights);
  const original = new Set(Object.values(checkpoint.weights));
  try {
    const reason = mismatch(modules, { ...checkpoint, weights });
    if (reason) throw new Error(`checkpoint rejected, weights unchanged: ${reason}`);
    for (const m of modules) for (const [name, v] of m.variables) v.assign(weights[name]);
  } finally {
    tf.dispose(Object.values(weights).filter((t) => !original.has(t)));
  }
}

/** readCheckpoint + assignCheckpoint; returns the metadata. On any error no weight changes. */
export async function loadCheckpoint(modules: readonly Checkpointable[], handler: tf.io.IOHandler): Promise<CheckpointMetadata> {
  const checkpoint = await readCheckpoint(handler);
  try {
    assignCheckpoint(modules, checkpoint);
  } finally {
    tf.dispose(checkpoint.weights);
  }
  return checkpoint.metadata;
}

// Demonstration datasets: a compact binary format, pure encode/decode over ArrayBuffers (browser and Node).
//
// File layout (all integers little-endian):
//   bytes 0..7    magic "SAGRDEMO"
//   bytes 8..11   u32 format version (DEMO_VERSION)
//   bytes 12..15  u32 manifest length M (bytes of UTF-8 JSON, space-padded to a multiple of 8)
//   bytes 16..19  u32 payload length P
//   bytes 20..23  u32 CRC-32 of manifest + payload
//   bytes 24..    manifest JSON (M bytes), then the payload (P bytes): one contiguous array per field,
//                 each at its manifest byteOffset (from the payload start, 8-byte aligned).
//
// Rows. An episode of T control steps has T+1 observation rows (tokens S_0 … S_T: before each action and
// after the last) and T step rows (the simulator state before a_t, a_t, then the reward and coverage
// observed after it). Episode e's observation rows start at stepOffsets[e] + e, its step rows at stepOffsets[e].
//
// Fields:
//   tokens    float32 [obs, N, 3]  normalised tokens (world = tokens·worldScale + worldOffset)
//   states    float64 [steps, S]   the task's whole physical state before the action, in the manifest's
//                                  stateLayout order, so setState(states[row]) restores it. Push-T: S = 7,
//                                  agent x, y, vx, vy, block x, y, angle (pixels, px/s, radians); push-3d:
//                                  S = 19 (src/sim/push3d/push3dEnv.ts)
//   actions   float32 [steps, A]   normalised target positions (Push-T: A = 2, pixel = action·256 + 256)
//   rewards   float32 [steps]      the task reward after the action (Push-T: clip(coverage / 0.95, 0, 1))
//   coverage  float32 [steps]      the task's score after the action (Push-T: coverage; push-3d: pose score)

import { crc32 } from './crc32';
import { encodeNpz } from './npz';

export const DEMO_MAGIC = 'SAGRDEMO';
export const DEMO_FORMAT = 'sagr-demos';
export const DEMO_VERSION = 1;
const HEADER_BYTES = 24;
const ALIGN = 8;
/** A manifest beyond this is not one we wrote (200 episodes need ~10 KB). */
const MAX_MANIFEST_BYTES = 16 << 20;

/** Push-T's state layout (the default, and what files without a task-specific layout hold). */
export const STATE_LAYOUT = ['agentX', 'agentY', 'agentVx', 'agentVy', 'blockX', 'blockY', 'blockAngle'] as const;
export const STATE_DIM = STATE_LAYOUT.length;
/** A state layout beyond this many values is not one we wrote. */
const MAX_STATE_DIM = 256;

export type FieldName = 'tokens' | 'states' | 'actions' | 'rewards' | 'coverage';
type Dtype = 'float32' | 'float64';
type RowKind = 'observation' | 'step';

interface FieldSpec {
  name: FieldName;
  dtype: Dtype;
  rows: RowKind;
  /** Shape of one row. */
  rowShape: number[];
  byteOffset: number;
  byteLength: number;
}

/** What produced the demonstrations and how well it did, for the record. */
export interface ExpertStats {
  name: string;
  /** Episodes run to record the successful ones (failures are dropped). */
  attempts: number;
  successes: number;
  successRate: number;
  /** Mean length of the recorded (successful) episodes, control steps. */
  meanLength: number;
  /** Mean over all attempts of the episode's maximum coverage. */
  meanMaxCoverage: number;
}

export interface DemoManifest {
  format: typeof DEMO_FORMAT;
  version: number;
  task: string;
  seed: number;
  episodes: number;
  /** Total step rows (transitions). */
  steps: number;
  /** Total observation rows = steps + episodes. */
  observations: number;
  numTokens: number;
  tokenDim: number;
  actionDim: number;
  stateLayout: readonly string[];
  /** Reset seed of each recorded episode. */
  episodeSeeds: number[];
  episodeLengths: number[];
  /** First step row of each episode; its first observation row is stepOffsets[e] + e. */
  stepOffsets: number[];
  normalisation: { worldScale: readonly number[]; worldOffset: readonly number[]; rule: string };
  expert: ExpertStats;
  /**
   * Only in a shard's part of a sharded recording (src/eval/recoveryShards.ts): what `merge` needs to put the parts
   * back together. Absent from a whole dataset.
   */
  part?: unknown;
  fields: FieldSpec[];
}

export interface DemoDataset {
  manifest: DemoManifest;
  tokens: Float32Array;
  states: Float64Array;
  actions: Float32Array;
  rewards: Float32Array;
  coverage: Float32Array;
}

/** Everything encodeDemos needs besides the arrays (layout, offsets and counts are derived). */
export type DemoMeta = Omit<DemoManifest, 'format' | 'version' | 'steps' | 'observations' | 'stepOffsets' | 'fields' | 'stateLayout'> & {
  /** The task's state keys (default: Push-T's STATE_LAYOUT). */
  stateLayout?: readonly string[];
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rowWidth(spec: { rowShape: readonly number[] }): number {
  return spec.rowShape.reduce((a, b) => a * b, 1);
}

function fieldSpecs(numTokens: number, tokenDim: number, actionDim: number, stateDim: number): Omit<FieldSpec, 'byteOffset' | 'byteLength'>[] {
  return [
    { name: 'tokens', dtype: 'float32', rows: 'observation', rowShape: [numTokens, tokenDim] },
    { name: 'states', dtype: 'float64', rows: 'step', rowShape: [stateDim] },
    { name: 'actions', dtype: 'float32', rows: 'step', rowShape: [actionDim] },
    { name: 'rewards', dtype: 'float32', rows: 'step', rowShape: [] },
    { name: 'coverage', dtype: 'float32', rows: 'step', rowShape: [] },
  ];
}

function stepOffsetsOf(lengths: readonly number[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const len of lengths) {
    offsets.push(at);
    at += len;
  }
  return offsets;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Serialises a dataset. Array sizes are checked against the episode lengths. */
export function encodeDemos(meta: DemoMeta, arrays: Omit<DemoDataset, 'manifest'>): Uint8Array {
  if (!LITTLE_ENDIAN_HOST) throw new Error('demos: this host is big-endian; the format is little-endian');
  const steps = meta.episodeLengths.reduce((a, b) => a + b, 0);
  const observations = steps + meta.episodes;
  if (meta.episodeLengths.length !== meta.episodes || meta.episodeSeeds.length !== meta.episodes) {
    throw new Error(`demos: ${meta.episodes} episodes but ${meta.episodeLengths.length} lengths and ${meta.episodeSeeds.length} seeds`);
  }
  let payloadLength = 0;
  const stateLayout = meta.stateLayout ?? STATE_LAYOUT;
  const fields: FieldSpec[] = fieldSpecs(meta.numTokens, meta.tokenDim, meta.actionDim, stateLayout.length).map((f) => {
    const data = arrays[f.name];
    const rows = f.rows === 'observation' ? observations : steps;
    if (data.length !== rows * rowWidth(f)) throw new Error(`demos ${f.name}: expected ${rows * rowWidth(f)} values, got ${data.length}`);
    const spec = { ...f, byteOffset: payloadLength, byteLength: data.byteLength };
    payloadLength = align(payloadLength + data.byteLength);
    return spec;
  });
  const manifest: DemoManifest = {
    format: DEMO_FORMAT,
    version: DEMO_VERSION,
    task: meta.task,
    seed: meta.seed,
    episodes: meta.episodes,
    steps,
    observations,
    numTokens: meta.numTokens,
    tokenDim: meta.tokenDim,
    actionDim: meta.actionDim,
    stateLayout,
    episodeSeeds: meta.episodeSeeds,
    episodeLengths: meta.episodeLengths,
    stepOffsets: stepOffsetsOf(meta.episodeLengths),
    normalisation: meta.normalisation,
    expert: meta.expert,
    part: meta.part, // JSON.stringify drops it when undefined
    fields,
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const manifestLength = align(json.length);
  const out = new Uint8Array(HEADER_BYTES + manifestLength + payloadLength);
  out.fill(0x20, HEADER_BYTES, HEADER_BYTES + manifestLength); // JSON tolerates trailing spaces
  out.set(json, HEADER_BYTES);
  const payloadStart = HEADER_BYTES + manifestLength;
  for (const f of fields) {
    const data = arrays[f.name];
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), payloadStart + f.byteOffset);
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < DEMO_MAGIC.length; i++) out[i] = DEMO_MAGIC.charCodeAt(i);
  view.setUint32(8, DEMO_VERSION, true);
  view.setUint32(12, manifestLength, true);
  view.setUint32(16, payloadLength, true);
  view.setUint32(20, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}

/** The CRC-32 of a decoded file's manifest and payload (its header's): an identity for the file's contents. */
export function demoChecksum(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(20, true);
}

/** A demonstration file that cannot be read; the message says what is wrong. */
export class DemoFormatError extends Error {
  override name = 'DemoFormatError';
}

function fail(message: string): never {
  throw new DemoFormatError(`demos: ${message}`);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Parses and checks a dataset: magic, version, lengths, checksum, manifest consistency, finite values. */
export function decodeDemos(input: ArrayBuffer | Uint8Array): DemoDataset {
  if (!LITTLE_ENDIAN_HOST) fail('this host is big-endian; the format is little-endian');
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < HEADER_BYTES) fail(`file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated?)`);
  const magic = String.fromCharCode(...bytes.subarray(0, DEMO_MAGIC.length));
  if (magic !== DEMO_MAGIC) fail('not a demonstration file (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== DEMO_VERSION) fail(`unsupported format version ${version} (this build reads version ${DEMO_VERSION})`);
  const manifestLength = view.getUint32(12, true);
  const payloadLength = view.getUint32(16, true);
  if (manifestLength > MAX_MANIFEST_BYTES) fail(`manifest length ${manifestLength} is implausible (corrupted header?)`);
  const expected = HEADER_BYTES + manifestLength + payloadLength;
  if (bytes.length < expected) fail(`file is ${bytes.length} bytes, the header promises ${expected} (truncated)`);
  if (bytes.length > expected) fail(`file is ${bytes.length} bytes, the header promises ${expected} (trailing data)`);
  if (crc32(bytes.subarray(HEADER_BYTES)) !== view.getUint32(20, true)) fail('checksum mismatch (the file is corrupted)');

  let manifest: DemoManifest;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength)));
  } catch (e) {
    fail(`manifest is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  checkManifest(manifest, payloadLength);

  const payloadStart = HEADER_BYTES + manifestLength;
  const read = (name: FieldName): Float32Array | Float64Array => {
    const f = manifest.fields.find((x) => x.name === name)!;
    // Copy into a fresh, aligned buffer (Node's Buffer.slice would return a view of a shared pool).
    const copy = new Uint8Array(f.byteLength);
    copy.set(bytes.subarray(payloadStart + f.byteOffset, payloadStart + f.byteOffset + f.byteLength));
    const data = f.dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) fail(`${name}[${i}] is not finite`);
    return data;
  };
  return {
    manifest,
    tokens: read('tokens') as Float32Array,
    states: read('states') as Float64Array,
    actions: read('actions') as Float32Array,
    rewards: read('rewards') as Float32Array,
    coverage: read('coverage') as Float32Array,
  };
}

function checkManifest(m: DemoManifest, payloadLength: number): void {
  if (typeof m !== 'object' || m === null) fail('manifest is not an object');
  if (m.format !== DEMO_FORMAT) fail(`manifest format is "${String(m.format).slice(0, 40)}", expected "${DEMO_FORMAT}"`);
  if (m.version !== DEMO_VERSION) fail(`manifest version ${m.version} disagrees with the header's ${DEMO_VERSION}`);
  for (const k of ['episodes', 'steps', 'observations', 'numTokens', 'tokenDim', 'actionDim'] as const) {
    if (!isCount(m[k])) fail(`manifest ${k} is not a non-negative integer`);
  }
  if (typeof m.task !== 'string') fail('manifest task is not a string');
  for (const k of ['episodeSeeds', 'episodeLengths', 'stepOffsets'] as const) {
    if (!Array.isArray(m[k]) || m[k].length !== m.episodes || !m[k].every(isCount)) fail(`manifest ${k} must list ${m.episodes} non-negative integers`);
  }
  const offsets = stepOffsetsOf(m.episodeLengths);
  if (offsets.some((o, e) => o !== m.stepOffsets[e])) fail('manifest stepOffsets disagree with episodeLengths');
  const steps = m.episodeLengths.reduce((a, b) => a + b, 0);
  if (steps !== m.steps) fail(`manifest steps ${m.steps} disagrees with the episode lengths (sum ${steps})`);
  if (m.observations !== steps + m.episodes) fail(`manifest observations ${m.observations} should be steps + episodes = ${steps + m.episodes}`);
  const layout = m.stateLayout;
  if (!Array.isArray(layout) || layout.length < 1 || layout.length > MAX_STATE_DIM || !layout.every((k) => typeof k === 'string') || new Set(layout).size !== layout.length) {
    fail(`manifest stateLayout must list 1 to ${MAX_STATE_DIM} distinct state keys`);
  }
  if (!Array.isArray(m.fields)) fail('manifest fields is not a list');
  for (const want of fieldSpecs(m.numTokens, m.tokenDim, m.actionDim, layout.length)) {
    const f = m.fields.find((x) => x?.name === want.name);
    if (!f) fail(`manifest lacks the field "${want.name}"`);
    if (f.dtype !== want.dtype || f.rows !== want.rows || !Array.isArray(f.rowShape) || f.rowShape.join() !== want.rowShape.join()) {
      fail(`field ${want.name} must be ${want.dtype} per ${want.rows} with row shape [${want.rowShape.join(', ')}]`);
    }
    const rows = want.rows === 'observation' ? m.observations : m.steps;
    const bytesPer = want.dtype === 'float32' ? 4 : 8;
    if (f.byteLength !== rows * rowWidth(want) * bytesPer) fail(`field ${want.name} holds ${f.byteLength} bytes, expected ${rows * rowWidth(want) * bytesPer}`);
    if (!isCount(f.byteOffset) || f.byteOffset % ALIGN !== 0 || f.byteOffset + f.byteLength > payloadLength) fail(`field ${want.name} lies outside the payload`);
  }
}

/** Observation rows [start, end) of episode e (T+1 rows). */
export function episodeObservationRows(m: DemoManifest, e: number): [number, number] {
  const start = m.stepOffsets[e] + e;
  return [start, start + m.episodeLengths[e] + 1];
}

/** Step rows [start, end) of episode e (T rows). */
export function episodeStepRows(m: DemoManifest, e: number): [number, number] {
  return [m.stepOffsets[e], m.stepOffsets[e] + m.episodeLengths[e]];
}

/**
 * The dataset as an .npz for NumPy: tokens (obs, N, 3) f4, states (steps, S) f8, actions (steps, A) f4,
 * rewards and coverage (steps,) f4, episode_lengths / step_offsets (E,) i4, episode_seeds (E,) u4, and
 * the manifest as UTF-8 bytes: json.loads(bytes(npz["manifest_json"])).
 */
export function encodeDemosNpz(ds: DemoDataset): Uint8Array {
  const m = ds.manifest;
  const { fields: _layout, ...manifest } = m; // byte offsets describe the .bin file, not the .npz
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  return encodeNpz({
    tokens: { data: ds.tokens, shape: [m.observations, m.numTokens, m.tokenDim] },
    states: { data: ds.states, shape: [m.steps, m.stateLayout.length] },
    actions: { data: ds.actions, shape: [m.steps, m.actionDim] },
    rewards: { data: ds.rewards, shape: [m.steps] },
    coverage: { data: ds.coverage, shape: [m.steps] },
    episode_lengths: { data: Int32Array.from(m.episodeLengths), shape: [m.episodes] },
    step_offsets: { data: Int32Array.from(m.stepOffsets), shape: [m.episodes] },
    episode_seeds: { data: Uint32Array.from(m.episodeSeeds), shape: [m.episodes] },
    manifest_json: { data: json, shape: [json.length] },
  });
}

// The engine worker: owns tfjs, chooses the backend, answers requests one at a time in arrival order, and
// streams a status snapshot. The UI thread talks to it only through protocol.ts messages.
import * as tf from '@tensorflow/tfjs';
import { applyRaw, defaultConfig, type Config } from '../core/config';
import {
  benchCost,
  canStillWin,
  costToBeat,
  decideBackend,
  fallbackBackend,
  parseBackendParam,
  pickFastest,
  type BenchFigures,
  type BrowserBackend,
} from './backendChoice';
import { memoryFrom, memoryKey, recall, type BackendMemory } from './backendMemory';
import { activate, probeAdapter, startableBackends, useWasmKernels, wasmState, webgpuDevice } from './browserBackends';
import { benchBackend, benchControlStep, withBenchModules, type InferenceBenchRow } from './inferenceBench';
import { benchMatMul } from './microbench';
import { checkpointFiles, loadUploaded } from './checkpointFiles';
import type { ModuleName } from './livePolicies';
import { LiveEvaluation } from './liveEvaluation';
import { LivePpo } from './livePpo';
import { LiveTraining } from './liveTraining';
import { Playground } from './playground';
import { loadShippedModules, type ShippedLoad } from './policyModules';
import {
  SNAPSHOT_INTERVAL_MS,
  type BackendState,
  type Notice,
  type Request,
  type RequestHandlers,
  type StartupStage,
  type WorkerMessage,
} from './protocol';
import { taskSpec, validateTask } from '../sim/tasks';
import { parseWasmKernelsParam } from './wasmKernels';
import { chooseWasmThreads, parseWasmThreadsParam } from './wasmThreads';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Timed runs (after one warm-up) of each start-up timing: few, so choosing a backend stays short in software. */
const STARTUP_RUNS = 3;
/** The start-up matMul probe: small, so an emulated GPU is ruled out cheaply (see canStillWin). */
const STARTUP_MATMUL = { matMulSize: 64, runs: STARTUP_RUNS, warmup: 1 } as const;
/** The playground's batch: each lane steps one environment. */
const PLAYGROUND_BATCH = 1;
/** No checkpoint is loaded before the choice, so the start-up policy step runs the config's architecture. */
const CONFIG_SIZES: ShippedLoad = { modules: new Map(), found: [], problems: [] };
/** Largest matrix side accepted by tensorCheck (it is a correctness probe, not a workload). */
const MAX_CHECK_SIDE = 256;
/** Timed runs per batch size in the inference benchmark (after warm-up). */
const INFERENCE_BENCH_RUNS = 3;
const MAX_BENCH_BATCHES = 4;
const MAX_BENCH_BATCH = 1024;
/** Longest label an upload may give for where its weights came from. */
const MAX_SOURCE_CHARS = 120;

let config: Config = defaultConfig();
let state: BackendState | null = null;
let tick = 0;
let playground: Playground | null = null;
let checkpointBase: string | null = null;
// Training, PPO and evaluation run on the playground's task (its spec, demonstrations, modules and envs).
const training = new LiveTraining((progress) => post({ type: 'training', progress }), enqueue);
const ppo = new LivePpo((progress) => post({ type: 'training', progress }), enqueue);
const evaluation = new LiveEvaluation((progress) => post({ type: 'evaluation', progress }));

function post(msg: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}
function notify(level: Notice['level'], source: Notice['source'], message: string): void {
  post({ type: 'notice', notice: { level, source, message } });
}
/** Tells the page which start-up stage the engine is in (its progress indicator). */
function progress(stage: StartupStage, detail: string): void {
  post({ type: 'startup', progress: { stage, detail, elapsedMs: performance.now() } });
}

// Requests and internal jobs (a backend fallback) run strictly one after another, so a request never sees a
// backend half-switched and init always finishes before the first setConfig or tensor work.
let queue: Promise<unknown> = Promise.resolve();
function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job);
  queue = run.catch(() => undefined);
  return run;
}

/** Activates `backend` and times its matMul probe; the policy's figures are left untimed (null). */
async function probeFigures(backend: BrowserBackend): Promise<BenchFigures> {
  await activate(backend);
  const matMulMs = await benchMatMul(STARTUP_MATMUL);
  return { backend, matMulMs, matMulSize: STARTUP_MATMUL.matMulSize, stepPassMs: null, policyStepMs: null, policyBatch: PLAYGROUND_BATCH, runs: STARTUP_RUNS };
}

/**
 * Times `backend` cheapest first, stopping as soon as it cannot beat the best of `measured`: its matMul probe, then
 * the policy's per-step pass, then one whole control step at the playground's batch (random weights, the config's
 * architecture).
 */
async function startupFigures(backend: BrowserBackend, measured: readonly BenchFigures[], step: string): Promise<BenchFigures> {
  progress('benchmarking', `timing ${backend} ${step}: matMul probe`);
  const probe = await probeFigures(backend);
  if (!canStillWin(probe.matMulMs, measured)) return probe;
  progress('benchmarking', `timing ${backend} ${step}: one policy step`);
  const spec = taskSpec(config.task);
  const timing = await withBenchModules(CONFIG_SIZES, config, spec, (modules) =>
    benchControlStep(modules, spec, config, PLAYGROUND_BATCH, STARTUP_RUNS, costToBeat(measured)),
  );
  return { ...probe, stepPassMs: timing.stepMs, policyStepMs: timing.perControlStepMs };
}

/** Times candidates in order; a candidate whose partial figure has already lost is not timed further. */
async function benchmark(candidates: readonly BrowserBackend[]): Promise<BenchFigures[]> {
  const results: BenchFigures[] = [];
  for (const [i, backend] of candidates.entries()) results.push(await startupFigures(backend, results, `(${i + 1} of ${candidates.length}: ${candidates.join(', ')})`));
  return results;
}

/** A backend's start-up figure for the reason string: its policy step, or the partial figure that ruled it out. */
function benchFigureText(r: BenchFigures): string {
  if (r.policyStepMs !== null) return `${benchCost(r).toFixed(1)} ms`;
  if (r.stepPassMs !== null) return `out after reflex + Φ ${r.stepPassMs.toFixed(1)} ms`;
  return `out after matMul ${r.matMulMs.toFixed(1)} ms`;
}

async function chooseBackend(backendParam: string | null, wasmThreadsParam: string | null, wasmKernelsParam: string | null, remembered: BackendMemory): Promise<BackendState> {
  const t0 = performance.now();
  progress('probing', 'probing the WebGPU adapter and starting the tfjs backends');
  const param = parseBackendParam(backendParam);
  if (param.error) notify('error', 'backend', param.error);
  const threadsParam = parseWasmThreadsParam(wasmThreadsParam);
  if (threadsParam.error) notify('error', 'backend', threadsParam.error);
  const kernelsParam = parseWasmKernelsParam(wasmKernelsParam);
  if (kernelsParam.error) notify('error', 'backend', kernelsParam.error);
  const isolated = scope.crossOriginIsolated;
  const threads = chooseWasmThreads({ forced: threadsParam.forced, isolated, cores: navigator.hardwareConcurrency });
  for (const n of threads.notices) notify('warn', 'backend', n);
  const adapter = await probeAdapter();
  const runnable = await startableBackends(threads.threads);
  const key = memoryKey({ adapter, userAgent: navigator.userAgent, wasmThreads: threads.threads });
  const wasm = runnable.includes('wasm') ? await wasmState(threads.reason, kernelsParam.kernels, useWasmKernels(kernelsParam.kernels)) : null;
  const found = { adapter, runnable, crossOriginIsolated: isolated, wasm, memoryKey: key };
  const decision = decideBackend({ forced: param.forced, adapter, runnable });
  const level = param.forced ? 'warn' : 'info';
  if (decision.action === 'none') throw new Error(`backend: ${decision.reason}`);
  if (decision.action === 'use') {
    for (const n of decision.notices) notify(level, 'backend', n);
    // The chosen backend's matMul only, so the UI always has a speed to show. Speed decides nothing here, and the
    // policy step would cost seconds on a forced software WebGPU (the playground panel's "measure inference" times it).
    const bench = [await probeFigures(decision.backend)];
    const choice = decision.backend === param.forced ? 'forced' : 'automatic';
    return { backend: decision.backend, reason: decision.reason, ...found, bench, startupMs: performance.now() - t0, choice };
  }
  // A benchmark is due: a choice this adapter and browser made on an earlier visit stands in for it.
  const memory = recall(remembered, key, runnable);
  if (memory.kind === 'usable') {
    const { backend, reason, savedAt } = memory.choice;
    progress('probing', `using ${backend}, remembered from an earlier visit`);
    try {
      const bench = [await probeFigures(backend)];
      return { backend, reason: `remembered from an earlier visit (${savedAt.slice(0, 10)}): ${reason}`, ...found, bench, startupMs: performance.now() - t0, choice: 'remembered' };
    } catch (err) {
      notify('warn', 'backend', `the remembered backend ${backend} failed to start (${err instanceof Error ? err.message : String(err)}): choosing again`);
    }
  } else if (memory.kind === 'stale') {
    notify('warn', 'backend', `the backend remembered from an earlier visit (${memory.choice.backend}) did not start here: choosing again`);
  }
  for (const n of decision.notices) notify(level, 'backend', n);
  const bench = await benchmark(decision.candidates);
  const { backend } = pickFastest(bench);
  await activate(backend);
  const figures = bench.map((r) => `${r.backend} ${benchFigureText(r)}`).join('; ');
  return { backend, reason: `${decision.reason}; fastest policy step B=${PLAYGROUND_BATCH} (${figures})`, ...found, bench, startupMs: performance.now() - t0, choice: 'automatic' };
}

/** Moves off WebGPU after its device is lost or reports an error. Weights will be carried over once models exist. */
async function leaveWebgpu(why: string): Promise<void> {
  if (!state || !state.runnable.includes('webgpu')) return;
  const wasActive = state.backend === 'webgpu';
  const runnable = state.runnable.filter((b) => b !== 'webgpu');
  if (!wasActive) {
    state = { ...state, runnable };
    notify('info', 'backend', `WebGPU ${why}; it was not in use (engine stays on ${state.backend})`);
    post({ type: 'backend', state });
    return;
  }
  const next = fallbackBackend('webgpu', state.runnable, state.bench);
  if (!next) {
    notify('error', 'backend', `WebGPU ${why} and no other backend can run: the engine is stopped`);
    state = { ...state, runnable };
    return;
  }
  await activate(next);
  state = { ...state, backend: next, runnable, reason: `fallback after WebGPU ${why}` };
  notify('warn', 'backend', `WebGPU ${why}: switched to ${next}`);
  post({ type: 'backend', state });
  // The weights lived on the lost device: the playground reloads its checkpoints on the new backend.
  if (playground && checkpointBase) {
    ppo.forget(`the engine moved to ${next} and reloaded the checkpoints`);
    playground.dispose();
    playground = null;
    await startPlayground(checkpointBase);
    notify('info', 'engine', `playground restarted on ${next} with its checkpoints reloaded`);
  }
}

/** The playground on config.task with the checkpoints under `base`. */
async function startPlayground(base: string): Promise<Playground> {
  const spec = taskSpec(config.task);
  progress('checkpoints', `loading the ${spec.name} checkpoints and starting the playground`);
  const shipped = await loadShippedModules(base, spec);
  for (const p of shipped.problems) notify('error', 'engine', p);
  const pg = new Playground(
    {
      config: () => config,
      enqueue,
      postFrame: (frame, transfer) => post({ type: 'frame', frame }, transfer),
      postStatus: (status) => post({ type: 'playground', status }),
      notify: (level, message) => notify(level, 'engine', message),
    },
    shipped,
    spec,
    base,
  );
  playground = pg;
  await pg.start();
  progress('ready', `running ${spec.name}`);
  return pg;
}

function requirePlayground(): Playground {
  if (!playground) throw new Error('playground: not started yet');
  return playground;
}

/** The config a run in the page uses: the person's, on the playground's task (config.task may already name the
 * next task while the playground restarts on it). */
function runConfig(pg: Playground): Config {
  return { ...config, task: validateTask(pg.spec.name) };
}

function watchWebgpu(): void {
  const device = webgpuDevice();
  if (!device) return;
  void device.lost.then((info) => enqueue(() => leaveWebgpu(`device lost (${info.reason || 'unknown'}: ${info.message || 'no message'})`)));
  device.addEventListener('uncapturederror', (e) => void enqueue(() => leaveWebgpu(`error (${e.error.message})`)));
}

function validMatrix(m: unknown, name: string): number[][] {
  const fail = (why: string): never => {
    throw new Error(`tensorCheck.${name}: ${why}`);
  };
  if (!Array.isArray(m) || m.length === 0 || m.length > MAX_CHECK_SIDE) fail(`expected 1–${MAX_CHECK_SIDE} rows`);
  const rows = m as unknown[];
  const cols = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : 0;
  if (cols === 0 || cols > MAX_CHECK_SIDE) fail(`expected 1–${MAX_CHECK_SIDE} columns`);
  for (const r of rows) {
    if (!Array.isArray(r) || r.length !== cols) fail('rows differ in length');
    for (const x of r as unknown[]) if (typeof x !== 'number' || !Number.isFinite(x)) fail('entries must be finite numbers');
  }
  return rows as number[][];
}

function startHeartbeat(): void {
  setInterval(() => {
    tick++;
    const mem = tf.memory();
    post({ type: 'snapshot', snapshot: { tick, backend: state?.backend ?? null, numTensors: mem.numTensors, numBytes: mem.numBytes } });
  }, SNAPSHOT_INTERVAL_MS);
}

const handlers: RequestHandlers = {
  async init({ backendParam, wasmThreadsParam, wasmKernelsParam, config: initial, remembered }) {
    if (state) return state;
    config = applyRaw(defaultConfig(), initial as unknown as Record<string, unknown>).config;
    state = await chooseBackend(backendParam, wasmThreadsParam, wasmKernelsParam, memoryFrom(remembered));
    watchWebgpu();
    startHeartbeat();
    post({ type: 'backend', state });
    return state;
  },

  async setConfig({ config: next }) {
    if (typeof next !== 'object' || next === null) throw new Error('config: expected an object of parameter: value');
    const applied = applyRaw(config, next as unknown as Record<string, unknown>);
    config = applied.config;
    return { config, errors: applied.errors };
  },

  async tensorCheck({ a, b }) {
    const ma = validMatrix(a, 'a');
    const mb = validMatrix(b, 'b');
    if (ma[0].length !== mb.length) throw new Error(`tensorCheck.b: has ${mb.length} rows, a has ${ma[0].length} columns`);
    const [product, sum] = tf.tidy(() => {
      const p = tf.matMul(tf.tensor2d(ma), tf.tensor2d(mb));
      return [p, tf.sum(p)];
    });
    const [rows, total] = await Promise.all([product.array(), sum.data()]);
    product.dispose();
    sum.dispose();
    return { backend: tf.getBackend(), product: rows as number[][], sum: total[0] };
  },

  async playgroundStart({ checkpointBase: base }) {
    if (typeof base !== 'string' || base.length > 2048) throw new Error('playgroundStart.checkpointBase: expected a URL');
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new Error(`playgroundStart.checkpointBase: "${base.slice(0, 60)}" is not a URL`);
    }
    if (!state) throw new Error('playgroundStart: the engine has not chosen a backend yet (init first)');
    if (playground && playground.spec.name === config.task) return playground.status();
    if (playground) {
      // A change of task: the training, PPO and evaluation in the page run the playground's modules.
      if (training.running || ppo.running || evaluation.running) throw new Error(`task: a training run or evaluation is going on ${playground.spec.name}; stop it before switching to ${config.task}`);
      ppo.forget(`the task changed to ${config.task}`);
      playground.dispose();
      playground = null;
    }
    checkpointBase = url.href;
    const pg = await startPlayground(checkpointBase);
    if (pg.trained.size === 0) notify('warn', 'engine', `no ${config.task} checkpoints under ${checkpointBase}: running the expert; learned policies run randomly initialised and say so`);
    return pg.status();
  },

  async playgroundIntent({ intent }) {
    if (typeof intent !== 'object' || intent === null) throw new Error('playgroundIntent.intent: expected an object with a kind');
    await requirePlayground().apply(intent);
    return { ok: true };
  },

  async playgroundHistory() {
    return requirePlayground().recorded();
  },

  async exportRollout({ lane }) {
    if (!Number.isInteger(lane)) throw new Error(`exportRollout.lane: ${String(lane)} is not an integer`);
    return { npz: requirePlayground().exportRollout(lane) };
  },

  async benchInference({ batches }) {
    if (!Array.isArray(batches) || batches.length < 1 || batches.length > MAX_BENCH_BATCHES) throw new Error(`benchInference.batches: expected 1–${MAX_BENCH_BATCHES} batch sizes`);
    for (const b of batches) if (!Number.isInteger(b) || b < 1 || b > MAX_BENCH_BATCH) throw new Error(`benchInference.batches: ${String(b)} is not an integer in [1, ${MAX_BENCH_BATCH}]`);
    if (!state) throw new Error('benchInference: the engine has not chosen a backend yet');
    const pg = requirePlayground();
    const home = state.backend;
    const rows: InferenceBenchRow[] = [];
    pg.suspend();
    try {
      for (const backend of state.runnable) {
        await activate(backend);
        rows.push(...(await withBenchModules(pg.shippedLoad, config, pg.spec, (modules) => benchBackend(backend, modules, pg.spec, config, batches, INFERENCE_BENCH_RUNS))));
      }
    } finally {
      await activate(home);
      pg.resume();
    }
    return { rows };
  },

  async saveModule({ slot }) {
    if (typeof slot !== 'string') throw new Error('saveModule.slot: expected a slot name such as "prior"');
    const pg = requirePlayground();
    return checkpointFiles(pg.moduleAt(slot), `sagr-${slot.replace('/', '-')}`, config, pg.spec.name);
  },

  async uploadModule({ slot, json, weightsName, weights, source }) {
    if (typeof slot !== 'string') throw new Error('uploadModule.slot: expected a slot name such as "prior"');
    if (source !== undefined && (typeof source !== 'string' || source.length > MAX_SOURCE_CHARS)) throw new Error(`uploadModule.source: expected a label of at most ${MAX_SOURCE_CHARS} characters`);
    if (typeof json !== 'string' || typeof weightsName !== 'string' || !(weights instanceof ArrayBuffer)) throw new Error('uploadModule: expected the manifest text, the weights file name and its bytes');
    if (training.running || ppo.running) throw new Error('uploadModule: a training run is going; stop it first');
    const pg = requirePlayground();
    const name = pg.moduleAt(slot).name as ModuleName;
    const module = await loadUploaded(name, json, weightsName, weights, pg.spec);
    await pg.replaceModule(slot, module, source ?? `uploaded ${weightsName.slice(0, 80)}`);
    return { ok: true };
  },

  async restoreShipped() {
    if (training.running || ppo.running) throw new Error('restoreShipped: a training run is going; stop it first');
    if (evaluation.running) throw new Error('restoreShipped: an evaluation is going; stop it first');
    const pg = requirePlayground();
    const shipped = await loadShippedModules(checkpointBase!, pg.spec);
    for (const p of shipped.problems) notify('error', 'engine', p);
    ppo.forget('the shipped checkpoints were restored');
    await pg.restoreShipped(shipped);
    return pg.status();
  },

  async evalStart({ policies, suites, episodes }) {
    if (ppo.running) throw new Error('evalStart: a PPO run is going (it replaces the modules the policies run); stop it first');
    const pg = requirePlayground();
    evaluation.start(policies, suites, episodes, runConfig(pg), pg);
    return { ok: true };
  },

  async evalStop() {
    evaluation.stop();
    return { ok: true };
  },

  async trainStart({ stage, iters, demosUrl }) {
    if (ppo.running) throw new Error('trainStart: a PPO run is going; stop it first');
    const pg = requirePlayground();
    await training.start(stage, iters, demosUrl, runConfig(pg), pg);
    return { ok: true };
  },

  async ppoStart({ stage, iters }) {
    if (training.running) throw new Error('ppoStart: a training run is going; stop it first');
    if (evaluation.running) throw new Error('ppoStart: an evaluation is going (it runs the modules a PPO run replaces); stop it first');
    const pg = requirePlayground();
    await ppo.start(stage, iters, runConfig(pg), pg);
    return { ok: true };
  },

  async ppoContinue({ iters }) {
    if (training.running) throw new Error('ppoContinue: a training run is going; stop it first');
    if (evaluation.running) throw new Error('ppoContinue: an evaluation is going (it runs the modules a PPO run replaces); stop it first');
    await ppo.continueRun(iters, requirePlayground());
    return { ok: true };
  },

  async trainPause({ paused }) {
    if (training.running) training.setPaused(paused);
    else ppo.setPaused(paused);
    return { ok: true };
  },

  async trainStop() {
    training.stop();
    ppo.stop();
    return { ok: true };
  },

  async loseDevice() {
    const device = webgpuDevice();
    if (!device || !state?.runnable.includes('webgpu')) return { lost: false };
    device.destroy();
    return { lost: true };
  },
};

async function handle(req: Request): Promise<unknown> {
  const handler = handlers[req.type] as (payload: unknown) => Promise<unknown>;
  if (!handler) throw new Error(`engine: unknown request type "${String(req.type)}"`);
  return handler(req.payload);
}

scope.onmessage = (e: MessageEvent<Request>) => {
  const req = e.data;
  void enqueue(() => handle(req)).then(
    (result) => post({ type: 'reply', id: req.id, result } as WorkerMessage),
    (err: unknown) => post({ type: 'failure', id: req.id, message: err instanceof Error ? err.message : String(err) }),
  );
};

// A failure outside any request (e.g. an in-flight read-back when the WebGPU device is lost) is reported to the UI
// as an error notice; preventDefault keeps it from also surfacing as an uncaught error of the page.
scope.onunhandledrejection = (e: PromiseRejectionEvent) => {
  e.preventDefault();
  notify('error', 'engine', `engine: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`);
};

// Stage 2 in the worker, run in Node on tiny modules: the same SagrTrainer as the CLI, one chart record per
// iteration, the run's modules in the policy's slots after its first iteration, pause/stop between iterations,
// and continuing a stopped or finished run.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { Critic, criticConfig } from '../policy/critic';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import type { MetricsRecord } from '../train/stage';
import type { ModuleName } from './livePolicies';
import { LivePpo, type PpoHost } from './livePpo';
import { useNodeBackend } from './nodeBackend';
import type { ModuleTypes } from './policyModules';
import type { TrainingProgress } from './trainingProgress';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const TINY: Partial<Config> = {
  ...TINY_SAGR_NETS,
  numEnvs: 2,
  episodeLength: 10,
  executeSteps: 3,
  rolloutSteps: 12,
  epochs: 1,
  minibatches: 2,
  criticWarmupIters: 0,
  targetKl: 0,
};
const config: Config = { ...defaultConfig(), ...TINY };

type Module = ModuleTypes[ModuleName];

/** The playground as the run sees it: top-level modules, and the slots and labels the run writes. */
function fakeHost() {
  const top: Record<string, Module> = {
    prior: new FlowPrior(flowPriorConfig(config, pushTSpec), 1),
    world: new WorldPredictor(worldPredictorConfig(config, pushTSpec), 2),
    reflex: new Reflex(reflexConfig(config, pushTSpec), 3),
  };
  const slots = new Map<string, Module>();
  const labels = new Map<string, string>();
  const host: PpoHost = {
    spec: pushTSpec,
    moduleAt: (key) => slots.get(key) ?? top[key],
    async replaceModules(entries, source) {
      for (const [key, m] of entries) {
        slots.get(key)?.dispose();
        slots.set(key, m);
        labels.set(key, source);
      }
    },
    relabel(keys, source) {
      for (const k of keys) labels.set(k, source);
    },
  };
  const dispose = () => [...Object.values(top), ...slots.values()].forEach((m) => m.dispose());
  return { host, top, slots, labels, dispose };
}

const weights = (m: Module) => [...m.variables.values()].map((v) => Array.from(v.dataSync()));

/**
 * A LivePpo whose posts are recorded; `ended` resolves with the last progress once the run has ended, and
 * `nextEnd()` with the last progress of the next run to end (a continued one).
 */
function livePpo(onPost: (p: TrainingProgress, ppo: LivePpo) => void = () => {}) {
  const posts: TrainingProgress[] = [];
  let end: (p: TrainingProgress) => void = () => {};
  const ended = new Promise<TrainingProgress>((r) => (end = r));
  const waiting: ((p: TrainingProgress) => void)[] = [];
  const nextEnd = () => new Promise<TrainingProgress>((r) => waiting.push(r));
  const ppo: LivePpo = new LivePpo(
    (p) => {
      posts.push(structuredClone(p));
      onPost(p, ppo);
      if (!p.running) {
        end(structuredClone(p));
        for (const w of waiting.splice(0)) w(structuredClone(p));
      }
    },
    (job) => job(),
  );
  return { ppo, posts, ended, nextEnd };
}

describe('PPO in the engine worker', () => {
  it('trains copies of the stage-0/1 modules, one record per iteration with every charted figure, and hands them to the sagr slots', async () => {
    const h = fakeHost();
    const topWorld = weights(h.top.world);
    const { ppo, posts, ended } = livePpo();
    await ppo.start('ppo-sagr', 2, config, h.host);
    const last = await ended;
    expect(last.outcome).toBe('done');
    expect(last.iter).toBe(2);
    expect(last.records.map((r) => r.iter)).toEqual([1, 2]);
    for (const key of ['success', 'rewardTask', 'rewardSurprise', 'rewardEffort', 'deltaZ', 'reflex', 'approxKl', 'clipFrac', 'explainedVariance', 'dynamicsLoss', 'seconds'])
      for (const r of last.records) expect(Number.isFinite(r[key]), key).toBe(true);
    // Progress went up one iteration at a time, and the ETA's clock (working seconds) only grows.
    expect(posts.filter((p) => p.records.length > 0).map((p) => p.iter)).toEqual([1, 2, 2]);
    expect(last.records[1].seconds as number).toBeGreaterThan(last.records[0].seconds as number);
    expect([...h.slots.keys()].sort()).toEqual(['ppo/critic', 'ppo/prior', 'ppo/reflex', 'ppo/strategy', 'ppo/world']);
    expect(h.labels.get('ppo/strategy')).toBe('this session (2 iterations of ppo-sagr)');
    // Φ learned on the fresh rollouts in the run's copy; the top-level Φ the other policies run is untouched.
    expect(weights(h.top.world)).toEqual(topWorld);
    expect(weights(h.slots.get('ppo/world')!)).not.toEqual(topWorld);
    h.dispose();
  }, 60_000);

  it('pauses at its next yield, and a stop then ends the run keeping the iterations it finished (strategy ablation: no reflex)', async () => {
    const h = fakeHost();
    let paused: TrainingProgress | null = null;
    let asked = false;
    const { ppo, ended } = livePpo((p, live) => {
      if (p.iter === 1 && !asked) {
        asked = true;
        live.setPaused(true);
      }
      if (p.paused && paused === null) {
        paused = structuredClone(p);
        live.stop();
      }
    });
    await ppo.start('ppo-strategy', 5, config, h.host);
    const last = await ended;
    expect(paused!.iter).toBe(1);
    expect(last.outcome).toBe('stopped');
    expect(last.iter).toBe(1);
    expect([...h.slots.keys()].sort()).toEqual(['ppo-strategy/critic', 'ppo-strategy/prior', 'ppo-strategy/strategy', 'ppo-strategy/world']);
    expect(h.labels.get('ppo-strategy/world')).toBe('this session (1 iterations of ppo-strategy)');
    h.dispose();
  }, 60_000);

  it('yields to the event loop during an iteration (the worker answers requests), and a stop there cuts it short, recording nothing', async () => {
    const h = fakeHost();
    const { ppo, ended } = livePpo();
    let timerRuns = 0;
    // The first timer run comes at the run's first yield (before any work), the second only at a yield inside the iteration.
    const timer = setInterval(() => {
      timerRuns++;
      if (timerRuns === 2) ppo.stop();
    }, 1);
    // Long enough (many decisions and minibatches) to pass the yield period several times.
    await ppo.start('ppo-sagr', 1, { ...config, rolloutSteps: 60, epochs: 4, minibatches: 4 }, h.host);
    const last = await ended;
    clearInterval(timer);
    expect(last.outcome).toBe('stopped');
    expect(last.records).toEqual([]);
    expect(h.slots.size).toBe(0);
    h.dispose();
  }, 60_000);

  it('a run stopped before its first iteration changes nothing and frees what it made', async () => {
    const h = fakeHost();
    const before = tf.memory().numTensors;
    const { ppo, ended } = livePpo();
    await ppo.start('ppo-sagr', 3, config, h.host);
    ppo.stop();
    const last = await ended;
    expect(last.outcome).toBe('stopped');
    expect(last.records).toEqual([]);
    expect(h.slots.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    await expect(ppo.continueRun(3, h.host)).rejects.toThrow('ppoContinue: the ppo-sagr run cannot continue: it stopped before its first iteration finished; start a new run');
    h.dispose();
  }, 60_000);

  it('refuses bad requests with a message naming the field, before touching anything', async () => {
    const h = fakeHost();
    const { ppo, posts } = livePpo();
    await expect(ppo.start('ppo', 3, config, h.host)).rejects.toThrow('ppoStart.stage: "ppo" is not one of ppo-sagr, ppo-strategy');
    await expect(ppo.start('ppo-sagr', 0, config, h.host)).rejects.toThrow(/^ppoStart.iters: 0 is not an integer/);
    await expect(ppo.start('ppo-sagr', 3, { ...config, reflexGain: 0 }, h.host)).rejects.toThrow(/reflexGain is 0/);
    await expect(ppo.start('ppo-sagr', 3, { ...config, horizon: 8 }, h.host)).rejects.toThrow('ppoStart: horizon: 8, but the prior was trained with horizon 4');
    expect(() => ppo.setPaused(true)).toThrow('trainPause: no PPO run is going');
    expect(posts).toEqual([]);
    expect(h.slots.size).toBe(0);
    h.dispose();
  });
});

describe('continuing a PPO run in the engine worker', () => {
  // cpu: the figures are compared bit for bit.
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  const TIMING = ['seconds', 'envStepsPerSec', 'rolloutMs', 'updateMs'];
  const figures = (records: MetricsRecord[]) => records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.includes(k))));
  const slotWeights = (h: ReturnType<typeof fakeHost>) => Object.fromEntries([...h.slots].map(([key, m]) => [key, weights(m)]));

  /** One run of `iters` iterations never stopped: its figures and the weights it leaves in the slots. */
  async function uninterrupted(iters: number, c: Config) {
    const h = fakeHost();
    const { ppo, ended } = livePpo();
    await ppo.start('ppo-sagr', iters, c, h.host);
    const last = await ended;
    const out = { figures: figures(last.records), weights: slotWeights(h) };
    ppo.forget('compared');
    h.dispose();
    return out;
  }

  it('a run stopped between iterations and continued is the run never stopped: same weights (critic included) and figures, tensors flat', async () => {
    const before = tf.memory().numTensors;
    const h = fakeHost();
    let stopped = false;
    const { ppo, ended, nextEnd } = livePpo((p, live) => {
      if (p.running && p.iter === 2 && !stopped) {
        stopped = true;
        live.stop();
      }
    });
    await ppo.start('ppo-sagr', 4, config, h.host);
    const first = await ended;
    expect([first.outcome, first.iter]).toEqual(['stopped', 2]);
    const tensors = tf.memory().numTensors;
    const critic = h.slots.get('ppo/critic');

    const end = nextEnd();
    await ppo.continueRun(4, h.host);
    const last = await end;
    expect([last.outcome, last.iter, last.iters, last.continuedFrom]).toEqual(['done', 4, 4, 2]);
    expect(last.records.map((r) => r.iter)).toEqual([1, 2, 3, 4]);
    expect(last.records[2].seconds as number).toBeGreaterThan(last.records[1].seconds as number);
    expect(h.slots.get('ppo/critic')).toBe(critic);
    expect(h.labels.get('ppo/critic')).toBe('this session (4 iterations of ppo-sagr)');
    expect(tf.memory().numTensors).toBe(tensors);

    const reference = await uninterrupted(4, config);
    expect(figures(last.records)).toEqual(reference.figures);
    expect(slotWeights(h)).toEqual(reference.weights);
    ppo.forget('test over');
    h.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('a finished run continued for more iterations extends it: without LR annealing, 2 then 2 more iterations are one run of 4', async () => {
    const c: Config = { ...config, annealLr: false };
    const h = fakeHost();
    const { ppo, ended, nextEnd } = livePpo();
    await ppo.start('ppo-sagr', 2, c, h.host);
    expect((await ended).outcome).toBe('done');
    const end = nextEnd();
    await ppo.continueRun(4, h.host);
    const last = await end;
    expect([last.outcome, last.iter, last.continuedFrom]).toEqual(['done', 4, 2]);
    const reference = await uninterrupted(4, c);
    expect(figures(last.records)).toEqual(reference.figures);
    expect(slotWeights(h)).toEqual(reference.weights);
    ppo.forget('test over');
    h.dispose();
  }, 60_000);

  it('refuses to continue with a reason naming the field or why, changing nothing', async () => {
    const h = fakeHost();
    const { ppo, posts, ended, nextEnd } = livePpo((p, live) => {
      if (p.running && p.iter === 1) live.stop();
    });
    await expect(ppo.continueRun(2, h.host)).rejects.toThrow('ppoContinue: no PPO run in this session has stopped or finished yet; start a new run');
    await ppo.start('ppo-strategy', 3, config, h.host);
    await ended;
    await expect(ppo.continueRun(1, h.host)).rejects.toThrow('ppoContinue.iters: 1 is not an integer in [2, 100000] (the run is at iteration 1)');
    await expect(ppo.continueRun(3, { ...h.host, spec: push3dSpec })).rejects.toThrow('ppoContinue: the ppo-strategy run cannot continue: the task changed to push-3d; start a new run');

    // Other weights in one of the run's slots (here an uploaded critic) end the chance to continue.
    const second = nextEnd();
    await ppo.start('ppo-strategy', 3, config, h.host);
    await second;
    const posted = posts.length;
    await h.host.replaceModules([['ppo-strategy/critic', new Critic(criticConfig(config, pushTSpec), 9)]], 'uploaded');
    const replaced = 'ppoContinue: the ppo-strategy run cannot continue: ppo-strategy/critic holds other weights than the run\'s (loaded, uploaded or restored since); start a new run';
    await expect(ppo.continueRun(3, h.host)).rejects.toThrow(replaced);
    await expect(ppo.continueRun(3, h.host)).rejects.toThrow(replaced);
    expect(posts.length).toBe(posted);
    h.dispose();
  }, 60_000);
});

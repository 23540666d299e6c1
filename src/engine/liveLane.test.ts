// The playground's lane on the cpu backend with tiny randomly initialised modules: the action terms add up,
// a shove lands after Φ's prediction (so Δz shows it on the block's tokens and the reflex reacts), a seed
// replays exactly, and a finished episode holds its last state.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { initRapier, type PushTEnv } from '../sim/pusht/pushTEnv';
import { tokenNorms } from '../sim/taskSpec';
import { TRAIL_STRIDE, decompositionTerm, laneLayout, laneViews } from './liveFrame';
import { LANE_EVENTS, LiveHistory, SERIES_INDEX, SERIES_STRIDE, recordedLane, seriesRow } from './liveHistory';
import { LiveLane } from './liveLane';
import { LivePolicy } from './livePolicy';
import { useNodeBackend } from './nodeBackend';
import { standIn, type ModuleSet } from './policyModules';

const config: Config = {
  ...defaultConfig(),
  horizon: 4,
  executeSteps: 2,
  priorWidth: 16,
  priorDepth: 1,
  priorExpertDepth: 1,
  priorHeads: 2,
  priorActionTokens: 2,
  worldWidth: 16,
  worldDepth: 1,
  worldHeads: 2,
  reflexWidth: 16,
  reflexHeads: 2,
  strategyWidth: 16,
  sdeSteps: 2,
  liveEpisodeLength: 10,
};
const SEED = 12345;
const PX = 256;

let modules: Required<Omit<ModuleSet, 'critic'>>;
beforeAll(async () => {
  await useNodeBackend('cpu');
  await initRapier();
  modules = { prior: standIn('prior', config, pushTSpec), world: standIn('world', config, pushTSpec), reflex: standIn('reflex', config, pushTSpec), strategy: standIn('strategy', config, pushTSpec) };
});

async function lane(): Promise<LiveLane> {
  const l = await LiveLane.create(new LivePolicy('sagr', modules, pushTSpec), config);
  l.startEpisode(0, SEED);
  return l;
}

function views(l: LiveLane) {
  return laneViews(l.frame().data, l.layout);
}

/** A frame without its timings (the only part that differs between identical runs). */
function untimed(l: LiveLane): Float32Array {
  const data = l.frame().data;
  const v = laneViews(data, l.layout);
  v.setScalar('inferenceMs', 0);
  v.setScalar('physicsMs', 0);
  return data;
}

describe('live lane', () => {
  it('splits the executed action into terms that add up to it', async () => {
    const l = await lane();
    for (let t = 0; t < 3; t++) {
      await l.stepOnce(config);
      const v = views(l);
      const term = (name: Parameters<typeof decompositionTerm>[1]) => decompositionTerm(v, name, 2);
      for (let d = 0; d < 2; d++) {
        expect(term('prior')[d] + term('reflex')[d] + term('strategy')[d] + term('noise')[d]).toBeCloseTo(term('total')[d], 2);
      }
      // The reflex term is g_b·b (pixels), b the reflex output that acted in this step.
      expect(term('reflex')[0]).toBeCloseTo(config.reflexGain * v.reflex[0] * PX, 3);
      expect(v.scalar('hasDecomposition')).toBe(1);
      // The stage-2 reward of the step with the live α, β, γ: α·r_task − β‖Δz‖² − γ‖b‖².
      const sq = (xs: Float32Array) => xs.reduce((a, x) => a + x * x, 0);
      expect(v.scalar('sagrReward')).toBeCloseTo(config.alpha * v.scalar('reward') - config.beta * sq(v.deltaZ) - config.gamma * sq(v.reflex), 5);
    }
    l.free();
  });

  it('shows a shove as Δz on the block tokens (not the agent) and the reflex reacts', async () => {
    const shoved = await lane();
    const plain = await lane();
    for (let t = 0; t < 3; t++) {
      await shoved.stepOnce(config);
      await plain.stepOnce(config);
    }
    expect(views(shoved).tokens).toEqual(views(plain).tokens);
    shoved.shove({ dx: 30, dy: -20, dtheta: 0 });
    expect(views(shoved).scalar('pendingDx')).toBe(30);
    await shoved.stepOnce(config);
    await plain.stepOnce(config);
    const a = views(shoved);
    const b = views(plain);
    expect(a.scalar('pendingDx')).toBe(0);
    // Φ predicted the same Ŝ in both (same state and action before the shove): the residuals differ by the
    // shove, up to what the step's contacts did to the moved block (a few px at most).
    expect(a.predicted).toEqual(b.predicted);
    for (let k = 0; k < 9; k++) {
      const dx = (a.deltaZ[3 * k] - b.deltaZ[3 * k]) * PX;
      const dy = (a.deltaZ[3 * k + 1] - b.deltaZ[3 * k + 1]) * PX;
      expect(Math.hypot(dx - 30, dy + 20)).toBeLessThan(3);
    }
    expect(a.deltaZ[27]).toBeCloseTo(b.deltaZ[27], 6);
    const keypointPx = (v: ReturnType<typeof views>) => Array.from(tokenNorms(v.deltaZ).subarray(0, 9), (n) => n * PX);
    expect(Math.min(...keypointPx(a))).toBeGreaterThan(25);
    expect(Math.max(...keypointPx(b))).toBeLessThan(10); // an untrained Φ's own error
    // At the next step the reflex reads the new residual: its output and attention move.
    expect([...a.reflex]).toEqual([...b.reflex]);
    await shoved.stepOnce(config);
    await plain.stepOnce(config);
    const a2 = views(shoved);
    const b2 = views(plain);
    expect(Math.hypot(a2.reflex[0] - b2.reflex[0], a2.reflex[1] - b2.reflex[1])).toBeGreaterThan(1e-4);
    expect([...a2.attention]).not.toEqual([...b2.attention]);
    expect(a2.attention.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
    shoved.free();
    plain.free();
  });

  it('replays an episode exactly from its seed, and holds the last state when it ends', async () => {
    const first = await lane();
    const second = await lane();
    for (let t = 0; t < config.liveEpisodeLength; t++) {
      await first.stepOnce(config);
      await second.stepOnce(config);
    }
    expect(untimed(first)).toEqual(untimed(second));
    expect(first.done).toBe(true);
    const held = first.frame();
    await first.stepOnce(config);
    expect(first.frame().data).toEqual(held.data); // a done lane does not step
    const v = laneViews(held.data, first.layout);
    expect(v.scalar('step')).toBe(config.liveEpisodeLength);
    expect(v.scalar('done')).toBe(1);
    // The held block pose is the final observation's, not the next episode's start the env has moved on to.
    const env = (first.env.envs[0] as PushTEnv).block;
    expect(Math.hypot(v.scalar('blockX') - env.x, v.scalar('blockY') - env.y)).toBeGreaterThan(1);
    expect(held.trail.length).toBe(4 * (config.liveEpisodeLength + 1));
    const npzArrays = first.exportArrays();
    expect(npzArrays.obs.shape).toEqual([config.liveEpisodeLength + 1, 10, 3]);
    expect(npzArrays.action_terms.shape).toEqual([config.liveEpisodeLength, 5, 2]);
    first.free();
    second.free();
    expect(tf.memory().numTensors).toBeGreaterThan(0); // the shared modules are still alive
  });
});

describe('the strip chart series and the scrub history', () => {
  it('a series row is the lane buffer in world units: ‖Δz‖ max and mean over tokens, the increments, the flags', () => {
    const layout = laneLayout(2, 2);
    const data = new Float32Array(layout.size);
    const v = laneViews(data, layout);
    v.setScalar('hasPrediction', 1);
    v.setScalar('hasDecomposition', 1);
    v.setScalar('decided', 1);
    v.setScalar('event', LANE_EVENTS.shove | LANE_EVENTS.condition);
    v.deltaZ.set([0.03, 0.04, 0, 0, 0, 0.01]); // 0.05 and 0.01 normalised: 12.8 px and 2.56 px
    decompositionTerm(v, 'reflex', 2).set([3, -4]);
    const row = seriesRow(7, data, layout, [PX, PX, PX]);
    const at = (name: keyof typeof SERIES_INDEX) => row[SERIES_INDEX[name]];
    expect(at('tick')).toBe(7);
    expect(at('deltaZMax')).toBeCloseTo(12.8, 4);
    expect(at('deltaZMean')).toBeCloseTo((12.8 + 2.56) / 2, 4);
    expect(at('reflex')).toBeCloseTo(5, 5);
    expect(at('noise')).toBe(0);
    expect([at('replan'), at('event')]).toEqual([1, 5]);
    v.setScalar('hasPrediction', 0);
    expect(Number.isNaN(seriesRow(7, data, layout, [PX, PX, PX])[SERIES_INDEX.deltaZMax])).toBe(true);
  });

  it('marks a shove and a condition at the step they act, re-plans every n steps, and spikes ‖Δz‖ at the shove', async () => {
    const shoved = await lane();
    const plain = await lane();
    const histories = [new LiveHistory(), new LiveHistory()];
    for (let tick = 1; tick <= 8; tick++) {
      if (tick === 4) shoved.shove({ dx: 30, dy: -20, dtheta: 0 });
      if (tick === 6) shoved.setCondition({ kind: 'friction', scale: 2 } as never);
      for (const [i, l] of [shoved, plain].entries()) {
        await l.stepOnce(config);
        const data = l.frame().data;
        histories[i].record(tick, [{ data, trailRow: l.trailRow(), condition: null, series: seriesRow(tick, data, l.layout, pushTSpec.worldScale) }]);
      }
    }
    const column = (h: LiveHistory, name: keyof typeof SERIES_INDEX) => {
      const rows = h.series(0);
      return Array.from({ length: rows.length / SERIES_STRIDE }, (_, i) => rows[i * SERIES_STRIDE + SERIES_INDEX[name]]);
    };
    const [a, b] = histories;
    expect(column(a, 'tick')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(column(a, 'event')).toEqual([0, 0, 0, LANE_EVENTS.shove, 0, LANE_EVENTS.condition, 0, 0]);
    expect(column(b, 'event')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(column(a, 'replan')).toEqual([1, 0, 1, 0, 1, 0, 1, 0]); // executeSteps 2
    // The shove moves the block's nine tokens by 36 px: the mean over ten tokens jumps by up to 9/10 of that
    // (32 px, less the untrained Φ's own error it adds to) at the shove's step, after identical steps before it.
    const meanA = column(a, 'deltaZMean');
    const meanB = column(b, 'deltaZMean');
    expect(meanA.slice(0, 3)).toEqual(meanB.slice(0, 3));
    expect(meanA[3] - meanB[3]).toBeGreaterThan(15);
    shoved.free();
    plain.free();
  });

  it('keeps the last `capacity` ticks, and a recorded frame carries its trail back to its episode start only', async () => {
    const l = await lane();
    const history = new LiveHistory(6);
    const trails: Float32Array[] = [];
    for (let tick = 1; tick <= 14; tick++) {
      if (l.done) l.startEpisode(1, SEED + 1); // episodeLength 10: ticks 11–14 are episode 1's steps 1–4
      await l.stepOnce(config);
      const { data, trail } = l.frame();
      trails.push(trail);
      history.record(tick, [{ data, trailRow: l.trailRow(), condition: tick > 12 ? 'bias:dx=8' : null, series: seriesRow(tick, data, l.layout, pushTSpec.worldScale) }]);
    }
    const h = history.snapshot({ task: 'push-t', numTokens: 10, actionDim: 2, lanes: [{ policy: 'sagr', label: 'sagr' }] });
    expect(h.ticks).toEqual([9, 10, 11, 12, 13, 14]);
    // Tick 10 (episode 0's last step): its whole buffer, and the trail rows recorded for ticks 9 and 10.
    const end0 = recordedLane(h, 0, 1, l.layout);
    expect(laneViews(end0.data, l.layout).scalar('step')).toBe(10);
    expect(end0.trail).toEqual(trails[9].slice(-2 * TRAIL_STRIDE));
    // Tick 13 (episode 1, step 3): the rows of ticks 11–13 equal the live trail's rows after steps 1–3.
    const mid1 = recordedLane(h, 0, 4, l.layout);
    expect(laneViews(mid1.data, l.layout).scalar('episode')).toBe(1);
    expect(mid1.trail).toEqual(trails[12].slice(TRAIL_STRIDE));
    expect(mid1.condition).toBe('bias:dx=8');
    l.free();
  });
});

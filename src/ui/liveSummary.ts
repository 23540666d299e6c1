// What the panels, the status bar and the test hook read from a live frame: plain numbers and arrays copied
// out of the frame's buffers (the buffers themselves stay with the render loop).
import { DECOMPOSITION_TERMS, decompositionTerm, laneLayout, laneViews, type DecompositionTerm, type LaneLayout } from '../engine/liveFrame';
import { tokenNorms } from '../sim/taskSpec';
import type { LaneFrame, LiveFrame } from '../engine/protocol';
import type { LivePolicyName } from '../engine/livePolicies';
import { PX_PER_M } from '../sim/push3d/geometry';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';

/** The specs of the tasks the playground shows (not sim/tasks.ts: that would bundle both physics engines here). */
const SPECS: Record<string, TaskSpec> = { 'push-t': pushTSpec, 'push-3d': push3dSpec };

/** The TaskSpec of a frame's task. */
export function specOf(task: string): TaskSpec {
  const spec = SPECS[task];
  if (!spec) throw new Error(`task: "${task.slice(0, 40)}" is not one of ${Object.keys(SPECS).join(', ')}`);
  return spec;
}

/** The unit the view draws a task in and how many of it make one world unit: Push-T pixels; push-3d millimetres (its scene's units). */
export function viewUnit(task: string): { name: 'px' | 'mm'; perWorldUnit: number } {
  return task === 'push-t' ? { name: 'px', perWorldUnit: 1 } : { name: 'mm', perWorldUnit: PX_PER_M };
}

const MM_PER_M = 1000;
const DEG_PER_RAD = 180 / Math.PI;

/** push-3d's pose score parts as the views show them: "position 12.3 mm · heading 4.5° · tilt 0.8°" (metres and radians in). */
export function posePartsText(position: number, heading: number, tilt: number): string {
  return `position ${(position * MM_PER_M).toFixed(1)} mm · heading ${(heading * DEG_PER_RAD).toFixed(1)}° · tilt ${(tilt * DEG_PER_RAD).toFixed(1)}°`;
}

export interface LaneSummary {
  policy: LivePolicyName;
  label: string;
  condition: string | null;
  episode: number;
  episodeSeed: number;
  step: number;
  /** Whether the latest step sampled a new action chunk (a re-plan; every n steps, n the lane's chunk length). */
  decided: boolean;
  /** The task's score (Push-T: goal coverage; push-3d: pose score) and its episode maximum. */
  coverage: number;
  maxCoverage: number;
  /** push-3d: the pose score's parts (m, rad, rad; objectPose3d.ts); null for Push-T. */
  pose: { position: number; heading: number; tilt: number } | null;
  /** R = α·r_task − β‖Δz‖² − γ‖b‖² of the latest step and its sum over the episode. */
  sagrReward: number;
  sagrReturn: number;
  done: boolean;
  success: boolean;
  inferenceMs: number;
  physicsMs: number;
  block: { x: number; y: number; angle: number };
  agent: { x: number; y: number };
  /** Token positions in the task's world units (Push-T pixels, push-3d metres) [N][x, y], and their heights [N]. */
  tokens: [number, number][];
  tokenZ: number[];
  /** Δz per token in world units [N][x, y, z], and its norm per token; null when the policy has no Φ. */
  deltaZ: [number, number, number][] | null;
  deltaZNorm: number[] | null;
  /** b_ψ in world units [A], its norm, and the attention over tokens [N]; null when the policy has no reflex. */
  reflex: number[] | null;
  reflexNorm: number | null;
  attention: number[] | null;
  /** The executed action's terms, world units; null for the expert (only the total exists). */
  terms: Record<DecompositionTerm, number[]> | null;
  target: [number, number];
  pending: { dx: number; dy: number; dtheta: number };
}

export interface LiveSummary {
  seq: number;
  running: boolean;
  stepsPerSecond: number | null;
  measuredStepsPerSecond: number;
  episode: number;
  task: string;
  lanes: LaneSummary[];
}

const layouts = new Map<string, LaneLayout>();
export function layoutOf(frame: Pick<LiveFrame, 'numTokens' | 'actionDim'>): LaneLayout {
  const key = `${frame.numTokens}/${frame.actionDim}`;
  let l = layouts.get(key);
  if (!l) layouts.set(key, (l = laneLayout(frame.numTokens, frame.actionDim)));
  return l;
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));
/** Normalised rows of `dims` values (Δz as [N, 3], or an action) in the task's world units, axis by axis. */
function toWorld(spec: TaskSpec, v: Float32Array, dims: number): Float32Array {
  return v.map((x, i) => x * spec.worldScale[i % dims]);
}

export function summariseLane(lane: LaneFrame, layout: LaneLayout, spec: TaskSpec): LaneSummary {
  const v = laneViews(lane.data, layout);
  const s = v.scalar;
  const N = layout.numTokens;
  const A = layout.actionDim;
  const tokens: [number, number][] = [];
  const tokenZ: number[] = [];
  for (let k = 0; k < N; k++) {
    tokens.push([round(denormaliseCoord(spec, 0, v.tokens[3 * k]), 3), round(denormaliseCoord(spec, 1, v.tokens[3 * k + 1]), 3)]);
    tokenZ.push(round(denormaliseCoord(spec, 2, v.tokens[3 * k + 2]), 3));
  }
  const hasPrediction = s('hasPrediction') === 1;
  const hasReflex = s('hasReflex') === 1;
  const deltaZ = toWorld(spec, v.deltaZ, TOKEN_DIM);
  const reflex = toWorld(spec, v.reflex, A);
  const total = decompositionTerm(v, 'total', A);
  return {
    policy: lane.policy,
    label: lane.label,
    condition: lane.condition,
    episode: s('episode'),
    episodeSeed: s('episodeSeed'),
    step: s('step'),
    decided: s('decided') === 1,
    coverage: round(s('coverage')),
    maxCoverage: round(s('maxCoverage')),
    pose: spec.name === 'push-3d' ? { position: round(s('posePosition'), 5), heading: round(s('poseHeading')), tilt: round(s('poseTilt')) } : null,
    sagrReward: round(s('sagrReward')),
    sagrReturn: round(s('sagrReturn')),
    done: s('done') === 1,
    success: s('success') === 1,
    inferenceMs: round(s('inferenceMs'), 2),
    physicsMs: round(s('physicsMs'), 2),
    block: { x: round(s('blockX'), 3), y: round(s('blockY'), 3), angle: round(s('blockAngle')) },
    agent: { x: round(s('agentX'), 3), y: round(s('agentY'), 3) },
    tokens,
    tokenZ,
    deltaZ: hasPrediction ? Array.from({ length: N }, (_, k): [number, number, number] => [round(deltaZ[3 * k]), round(deltaZ[3 * k + 1]), round(deltaZ[3 * k + 2])]) : null,
    deltaZNorm: hasPrediction ? Array.from(tokenNorms(deltaZ), (x) => round(x)) : null,
    reflex: hasReflex ? Array.from(reflex, (x) => round(x)) : null,
    reflexNorm: hasReflex ? round(Math.hypot(...reflex)) : null,
    attention: hasReflex ? Array.from(v.attention, (x) => round(x)) : null,
    terms: s('hasDecomposition') === 1 ? (Object.fromEntries(DECOMPOSITION_TERMS.map((t) => [t, Array.from(decompositionTerm(v, t, A), (x) => round(x, 3))])) as Record<DecompositionTerm, number[]>) : null,
    target: [round(total[0], 3), round(total[1], 3)],
    pending: { dx: s('pendingDx'), dy: s('pendingDy'), dtheta: s('pendingDtheta') },
  };
}

export function summarise(frame: LiveFrame): LiveSummary {
  const layout = layoutOf(frame);
  return {
    seq: frame.seq,
    running: frame.running,
    stepsPerSecond: frame.stepsPerSecond,
    measuredStepsPerSecond: frame.measuredStepsPerSecond,
    episode: frame.episode,
    task: frame.task,
    lanes: frame.lanes.map((l) => summariseLane(l, layout, specOf(frame.task))),
  };
}

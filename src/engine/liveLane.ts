// One lane of the playground: an env of the policy's task (B = 1; Push-T or push-3d), the policy driving it, the perturbations the person asks
// for, and the record of the episode (trail for the view, arrays for the .npz export).
//
// Control step t of a lane:
//   policy.act(S_t, Δz_t) → a_t (and Ŝ_{t+1}) → pending one-shots (shove, kick, tilt) applied to the object  →  physics  →  S_{t+1}
//   →  policy.observe(S_{t+1}) → Δz_{t+1} (the reflex reacts to it in the next act).
// A shove lands after Φ made its prediction, like the displace suite's (which acts "before the step's action
// runs", after the policy saw S_t): the world moved while the policy was not looking, so Δz shows it.
// An episode ends at success or the step limit; the lane then holds its last state (recovered from the final
// observation, since the vectorised env has already reset) until the playground starts the next episode.
// Any suite of the lane's task applies live (livePerturbations.ts): a one-shot (displace, kick, tilt) at the next
// step, like a shove; a lasting condition (bias, friction, mass) from now on, and in later episodes too.
import type { Config } from '../core/config';
import type { NpyArray } from '../sim/npz';
import { suiteDefault, type SuiteTable, type TaskPerturbation } from '../sim/perturbationSpec';
import type { Pose } from '../sim/pusht/geometry';
import type { PushTEnv } from '../sim/pusht/pushTEnv';
import type { TaskState } from '../sim/simTask';
import { simTask } from '../sim/tasks';
import { TOKEN_DIM } from '../sim/taskSpec';
import { denormaliseCoord } from '../sim/tokens';
import { createVecEnv, type VecEnv } from '../sim/vecEnv';
import { blockCentroid, poseFromKeypoints, type Displacement } from './blockPose';
import { liveActs, type LiveTaskActs } from './livePerturbations';
import { isOneShot } from './liveSuites';
import { objectPlanarPose, poseParts, type PoseParts } from './objectPose3d';
import { emptyRewardTerms, sagrReward, type RewardTerms } from '../train/reward';
import { DECOMPOSITION_TERMS, TRAIL_STRIDE, laneLayout, laneViews, type LaneLayout } from './liveFrame';
import { LANE_EVENTS } from './liveHistory';
import type { LivePolicy } from './livePolicy';

/** Export names of the one-shots' records (rows: step, then the suite's parameters in its key order, `at` and `jitter` left out). */
const ONE_SHOT_RECORDS: Record<string, string> = { displace: 'shoves', kick: 'kicks', tilt: 'tilts' };

/** A recorded one-shot's parameters: all but its timing (`at` is the recorded step; an applied event has no jitter). */
function recordedParams(suites: SuiteTable<TaskPerturbation>, kind: string): { field: string }[] {
  return suites.params[kind as keyof typeof suites.params].filter((d) => d.key !== 'at' && d.key !== 'jitter');
}

/** What the lane records per control step for the export. */
interface EpisodeRecord {
  obs: number[];
  action: number[];
  predicted: number[];
  deltaZ: number[];
  terms: number[];
  coverage: number[];
  reward: number[];
  sagrReward: number[];
  blockPose: number[];
  agent: number[];
  /** Per one-shot suite (drags count as displace): step, then the perturbation's parameters, of each one applied. */
  oneShots: Record<string, number[]>;
}

const emptyRecord = (): EpisodeRecord => ({ obs: [], action: [], predicted: [], deltaZ: [], terms: [], coverage: [], reward: [], sagrReward: [], blockPose: [], agent: [], oneShots: {} });

export class LiveLane {
  readonly layout: LaneLayout;
  episode = 0;
  episodeSeed = 0;
  done = false;
  success = false;
  coverage = 0;
  maxCoverage = 0;
  reward = 0;
  episodeReturn = 0;
  sagrReward = 0;
  private rewardTerms: RewardTerms = emptyRewardTerms();
  inferenceMs = 0;
  physicsMs = 0;
  /** The displayed state: S_t, block pose and agent (held at the final state once the episode is done). */
  readonly tokens: Float32Array;
  readonly block: Pose = { x: 0, y: 0, angle: 0 };
  /** push-3d: the displayed state's pose score parts (Push-T: zeros). */
  readonly poseParts: PoseParts = { position: 0, heading: 0, tilt: 0 };
  agentX = 0;
  agentY = 0;
  /** Shoves asked for since the last step, summed; applied at the next step. */
  readonly pending: Displacement = { dx: 0, dy: 0, dtheta: 0 };
  /** One-shot perturbations asked for since the last step (directions drawn), applied in order at the next step. */
  private pendingOneShots: TaskPerturbation[] = [];
  private condition: TaskPerturbation;
  /** LANE_EVENTS asked for since the last step (a condition set between steps shows at the next), and those of the latest step. */
  private eventsPending = 0;
  private eventsOfStep = 0;
  private readonly state: TaskState;
  /** How the task's suites act on its simulator mid-episode. */
  private readonly acts: LiveTaskActs;
  /** Push-T's block pose is read off its simulator; push-3d's off the tokens (objectPose3d). */
  private readonly pushT: boolean;
  private readonly action: Float32Array;
  private trail: Float32Array;
  private trailLength = 0;
  private record: EpisodeRecord = emptyRecord();

  private constructor(
    readonly env: VecEnv<unknown, TaskState, TaskPerturbation>,
    public policy: LivePolicy,
  ) {
    this.state = env.task.zeroState();
    this.acts = liveActs(env.spec.name);
    this.condition = suiteDefault(env.task.suites, 'nominal');
    this.pushT = env.spec.name === 'push-t';
    this.layout = laneLayout(env.spec.numTokens, env.spec.actionDim);
    this.tokens = new Float32Array(env.spec.numTokens * TOKEN_DIM);
    this.action = new Float32Array(env.spec.actionDim);
    this.trail = new Float32Array((env.maxSteps + 1) * TRAIL_STRIDE);
  }

  /** A lane on the policy's task. */
  static async create(policy: LivePolicy, config: Config): Promise<LiveLane> {
    const env = await createVecEnv(simTask(policy.spec.name), { numEnvs: 1, seed: config.liveSeed, maxSteps: config.liveEpisodeLength });
    return new LiveLane(env, policy);
  }

  get step(): number {
    return this.record.action.length / this.env.spec.actionDim;
  }

  get activeCondition(): TaskPerturbation {
    return this.condition;
  }

  /** Starts episode `episode` (seed `seed`): the env is reseeded, the policy forgets, the record restarts. */
  startEpisode(episode: number, seed: number): void {
    this.episode = episode;
    this.episodeSeed = seed;
    this.env.setPerturbation(this.condition);
    this.env.reseed(0, seed);
    this.done = false;
    this.success = false;
    this.coverage = this.env.coverage[0];
    this.maxCoverage = this.coverage;
    this.reward = 0;
    this.episodeReturn = 0;
    this.sagrReward = 0;
    this.rewardTerms = emptyRewardTerms();
    this.pending.dx = this.pending.dy = this.pending.dtheta = 0;
    this.pendingOneShots = [];
    this.eventsPending = this.eventsOfStep = 0;
    this.record = emptyRecord();
    this.trailLength = 0;
    this.showEnv();
    this.policy.reset(seed);
  }

  /** Replaces the policy (the caller restarts the episode); returns the old one. */
  swapPolicy(policy: LivePolicy): LivePolicy {
    const old = this.policy;
    this.policy = policy;
    return old;
  }

  /** Push-T: px and rad about the block's origin; push-3d: metres and rad about the centre of mass's vertical. */
  shove(d: Displacement): void {
    this.pending.dx += d.dx;
    this.pending.dy += d.dy;
    this.pending.dtheta += d.dtheta;
  }

  /** A one-shot suite of the lane's task (displace, kick, tilt; its random directions drawn), applied at the next step. */
  perturbOnce(p: TaskPerturbation): void {
    if (!isOneShot(this.env.task.suites, p.kind)) throw new Error(`perturb: ${p.kind} is not a one-shot suite of ${this.env.spec.name}`);
    this.pendingOneShots.push(p);
  }

  /** Sets a lasting condition now (bias, friction, mass, or nominal to clear); it carries over to later episodes. */
  setCondition(c: TaskPerturbation): void {
    if (isOneShot(this.env.task.suites, c.kind) || c.kind === 'shifted-init') throw new Error(`perturb: ${c.kind} is not a lasting condition of ${this.env.spec.name}`);
    this.condition = c;
    this.env.setPerturbation(c);
    this.env.setEpisodePerturbation(0, c);
    this.eventsPending |= LANE_EVENTS.condition;
    this.acts.condition(this.env.envs[0], c);
  }

  /** One control step (see the header). Does nothing once the episode is done. */
  async stepOnce(config: Config): Promise<void> {
    if (this.done) return;
    const t0 = performance.now();
    this.env.getState(0, this.state);
    await this.policy.act(this.env.tokens, this.state, config, this.action);
    const t1 = performance.now();

    const t = this.env.episodeStep[0];
    if (this.pendingOneShots.length > 0) this.eventsPending |= LANE_EVENTS.oneShot;
    if (this.pending.dx !== 0 || this.pending.dy !== 0 || this.pending.dtheta !== 0) {
      this.eventsPending |= LANE_EVENTS.shove;
      this.pendingOneShots.unshift(this.acts.displacement(this.pending));
      this.pending.dx = this.pending.dy = this.pending.dtheta = 0;
    }
    for (const p of this.pendingOneShots) this.recordOneShot(t, this.acts.oneShot(this.env.envs[0], p, t));
    this.pendingOneShots = [];
    this.eventsOfStep = this.eventsPending;
    this.eventsPending = 0;
    this.recordBefore(this.action);
    this.env.step(this.action);
    const t2 = performance.now();

    const finished = this.env.dones[0] === 1;
    this.coverage = this.env.coverage[0];
    this.maxCoverage = Math.max(this.maxCoverage, this.coverage);
    this.reward = this.env.rewards[0];
    this.episodeReturn += this.reward;
    if (finished) {
      this.done = true;
      this.success = this.env.success[0] === 1; // push-3d also terminates in failure (fallen, tipped over)
      this.showFinal();
    } else this.showEnv();
    this.policy.observe(this.tokens);
    // The stage-2 reward of this step: Δz it produced, b in force during it (zero for a policy without Φ / reflex).
    const p = this.policy;
    const squared = (xs: Float32Array) => xs.reduce((sum, x) => sum + x * x, 0);
    this.sagrReward = sagrReward(config, this.reward, p.hasPrediction ? squared(p.deltaZ) : 0, p.hasReflex ? squared(p.reflexOut) : 0, this.rewardTerms);
    this.recordAfter();
    this.inferenceMs = t1 - t0 + (performance.now() - t2);
    this.physicsMs = t2 - t1;
  }

  private showEnv(): void {
    this.tokens.set(this.env.tokens);
    if (!this.pushT) return this.showTokens();
    const env = this.env.envs[0] as PushTEnv;
    this.block.x = env.block.x;
    this.block.y = env.block.y;
    this.block.angle = env.block.angle;
    this.agentX = env.agentX;
    this.agentY = env.agentY;
    this.pushTrail();
  }

  /** The finished episode's last observation; the env itself already shows the next episode's start. */
  private showFinal(): void {
    const spec = this.env.spec;
    this.tokens.set(this.env.finalTokens);
    if (!this.pushT) return this.showTokens();
    poseFromKeypoints(this.tokens, spec, this.block);
    const agent = (spec.numTokens - 1) * TOKEN_DIM;
    this.agentX = denormaliseCoord(spec, 0, this.tokens[agent]);
    this.agentY = denormaliseCoord(spec, 1, this.tokens[agent + 1]);
    this.pushTrail();
  }

  /** push-3d: the object's planar pose (centre of mass, heading), its pose score's parts and the pusher, metres, read off the tokens. */
  private showTokens(): void {
    const spec = this.env.spec;
    objectPlanarPose(this.tokens, spec, this.block);
    poseParts(this.tokens, spec, this.poseParts);
    const agent = (spec.numTokens - 1) * TOKEN_DIM;
    this.agentX = denormaliseCoord(spec, 0, this.tokens[agent]);
    this.agentY = denormaliseCoord(spec, 1, this.tokens[agent + 1]);
    this.pushTrail();
  }

  private pushTrail(): void {
    if ((this.trailLength + 1) * TRAIL_STRIDE > this.trail.length) return;
    const c = this.pushT ? blockCentroid(this.block) : this.block;
    this.trail.set([this.agentX, this.agentY, c.x, c.y], this.trailLength * TRAIL_STRIDE);
    this.trailLength++;
  }

  private recordOneShot(step: number, p: TaskPerturbation): void {
    const values = recordedParams(this.env.task.suites, p.kind).map((d) => (p as unknown as Record<string, number>)[d.field]);
    (this.record.oneShots[p.kind] ??= []).push(step, ...values);
  }

  private recordBefore(action: Float32Array): void {
    const r = this.record;
    if (r.obs.length === 0) this.recordState();
    for (const v of action) r.action.push(v);
  }

  private recordAfter(): void {
    const r = this.record;
    const p = this.policy;
    this.recordState();
    for (const v of p.predicted) r.predicted.push(v);
    for (const v of p.deltaZ) r.deltaZ.push(v);
    for (const term of DECOMPOSITION_TERMS) for (const v of p.terms[term]) r.terms.push(v);
    r.coverage.push(this.coverage);
    r.reward.push(this.reward);
    r.sagrReward.push(this.sagrReward);
  }

  private recordState(): void {
    const r = this.record;
    for (const v of this.tokens) r.obs.push(v);
    r.blockPose.push(this.block.x, this.block.y, this.block.angle);
    r.agent.push(this.agentX, this.agentY);
  }

  /** The trail's latest row (agent, then the object's centroid), a copy. */
  trailRow(): Float32Array {
    const at = Math.max(0, this.trailLength - 1) * TRAIL_STRIDE;
    return this.trail.slice(at, at + TRAIL_STRIDE);
  }

  /** The lane's live state as a fresh buffer (transferable), and the trail so far. */
  frame(): { data: Float32Array; trail: Float32Array } {
    const data = new Float32Array(this.layout.size);
    const v = laneViews(data, this.layout);
    const p = this.policy;
    const set = v.setScalar;
    set('step', this.step);
    set('episode', this.episode);
    set('episodeSeed', this.episodeSeed);
    set('coverage', this.coverage);
    set('maxCoverage', this.maxCoverage);
    set('reward', this.reward);
    set('episodeReturn', this.episodeReturn);
    set('sagrReward', this.sagrReward);
    set('sagrReturn', this.rewardTerms.task - this.rewardTerms.surprise - this.rewardTerms.effort);
    set('done', this.done ? 1 : 0);
    set('success', this.success ? 1 : 0);
    set('inferenceMs', this.inferenceMs);
    set('physicsMs', this.physicsMs);
    set('deltaZNorm', Math.hypot(...p.deltaZ));
    set('reflexNorm', Math.hypot(...p.reflexOut));
    set('decided', p.decided ? 1 : 0);
    set('event', this.eventsOfStep);
    set('hasPrediction', p.hasPrediction ? 1 : 0);
    set('hasReflex', p.hasReflex ? 1 : 0);
    set('hasDecomposition', p.hasDecomposition ? 1 : 0);
    set('blockX', this.block.x);
    set('blockY', this.block.y);
    set('blockAngle', this.block.angle);
    set('agentX', this.agentX);
    set('agentY', this.agentY);
    set('posePosition', this.poseParts.position);
    set('poseHeading', this.poseParts.heading);
    set('poseTilt', this.poseParts.tilt);
    set('pendingDx', this.pending.dx);
    set('pendingDy', this.pending.dy);
    set('pendingDtheta', this.pending.dtheta);
    v.tokens.set(this.tokens);
    v.predicted.set(p.predicted);
    v.deltaZ.set(p.deltaZ);
    v.attention.set(p.attention);
    v.reflex.set(p.reflexOut);
    DECOMPOSITION_TERMS.forEach((term, i) => v.decomposition.set(p.terms[term], i * this.layout.actionDim));
    return { data, trail: this.trail.slice(0, this.trailLength * TRAIL_STRIDE) };
  }

  /** The episode so far as named arrays for an .npz. */
  exportArrays(): Record<string, NpyArray> {
    const r = this.record;
    const { numTokens: N, actionDim: A } = this.env.spec;
    const T = r.action.length / A;
    const f32 = (xs: number[]) => Float32Array.from(xs);
    const suites = this.env.task.suites;
    const oneShots: Record<string, NpyArray> = {};
    for (const kind of suites.names.filter((k) => isOneShot(suites, k))) {
      const xs = r.oneShots[kind] ?? [];
      const width = 1 + recordedParams(suites, kind).length; // the step, then the parameters
      oneShots[ONE_SHOT_RECORDS[kind]] = { data: Float64Array.from(xs), shape: [xs.length / width, width] };
    }
    return {
      obs: { data: f32(r.obs), shape: [r.obs.length / (N * TOKEN_DIM), N, TOKEN_DIM] },
      action: { data: f32(r.action), shape: [T, A] },
      predicted: { data: f32(r.predicted), shape: [T, N, TOKEN_DIM] },
      delta_z: { data: f32(r.deltaZ), shape: [T, N, TOKEN_DIM] },
      action_terms: { data: f32(r.terms), shape: [T, DECOMPOSITION_TERMS.length, A] },
      coverage: { data: f32(r.coverage), shape: [T] },
      reward: { data: f32(r.reward), shape: [T] },
      sagr_reward: { data: f32(r.sagrReward), shape: [T] },
      block_pose: { data: Float64Array.from(r.blockPose), shape: [r.blockPose.length / 3, 3] },
      agent_pos: { data: Float64Array.from(r.agent), shape: [r.agent.length / 2, 2] },
      ...oneShots,
      episode_seed: { data: Uint32Array.from([this.episodeSeed]), shape: [1] },
    };
  }

  free(): void {
    this.policy.dispose();
    this.env.free();
  }
}

// The live playground in the engine worker: one lane (single view) or two lanes (side by side) stepped on the
// worker's own clock, and the person's intents (play, pause, step, reset, shove, perturb, choose policies, and
// per-lane overrides of live parameters such as the executed chunk length n, so two lanes can run one policy two ways).
//
// Episodes: episode k of every lane starts from seed episodeSeed(config.liveSeed, k), the evaluation's episode
// seeds, so `sagr eval --seed <liveSeed>` reproduces what the playground shows and two lanes always face the same start. A lane whose
// episode ends holds its last state; when every lane has ended, the playground pauses briefly on the result
// and all lanes start episode k + 1 together. Shoves and perturbations go to every lane at the same step.
//
// Pacing: real time is the task's 10 control steps per second, times the speed; `null` runs as fast as the
// engine can. Every step runs through the worker's job queue, so a request never sees a step half done. The
// UI gets a snapshot (transferable typed arrays) at most once per display frame, whatever the step rate.
import type { Config } from '../core/config';
import { deriveSeed, Rng } from '../core/rng';
import { episodeSeed } from '../eval/runEpisodes';
import { encodeNpz } from '../sim/npz';
import { formatPerturbationSpec, parsePerturbationSpec } from '../sim/perturbationSpec';
import { CONTROL_HZ } from '../sim/pusht/geometry';
import { simTask } from '../sim/tasks';
import type { TaskSpec } from '../sim/taskSpec';
import { followConfig, laneConfig, parseLaneSettings, type LaneSettings } from './laneSettings';
import { LiveHistory, seriesRow, type PlaygroundHistory } from './liveHistory';
import { LiveLane } from './liveLane';
import { LivePolicy } from './livePolicy';
import { bestPolicy, checkpointKey, checkpointSlots, LIVE_POLICIES, MODULE_NAMES, POLICY_FOLDERS, POLICY_MODULES, ONE_STEP_PRIOR_POLICIES, STAND_IN_RATES, policyLabel, policyModules, type LivePolicyName, type ModuleName } from './livePolicies';
import { strategyRate } from '../policy/strategy';
import { isOneShot } from './liveSuites';
import { standIn, type ModuleSet, type ModuleTypes, type ShippedLoad } from './policyModules';
import type { LiveFrame, PlaygroundIntent, PlaygroundStatus } from './protocol';

/** At most one snapshot per display frame (60 Hz). */
const FRAME_MS = 1000 / 60;
/** How long the finished episode stays on screen before the next starts, in control steps of the current speed. */
const END_HOLD_STEPS = 10;
/** Bounds of what an intent may ask for. */
const MAX_STEPS_PER_SECOND = 1000;
const MIN_STEPS_PER_SECOND = 0.5;
const MAX_SHOVE_PX = 512;
const MAX_SHOVE_RAD = 2 * Math.PI;
const MAX_LANES = 2;

export interface PlaygroundHost {
  config(): Config;
  /** Runs a job on the worker's queue (after every request and job before it). */
  enqueue<T>(job: () => Promise<T>): Promise<T>;
  postFrame(frame: LiveFrame, transfer: Transferable[]): void;
  postStatus(status: PlaygroundStatus): void;
  /** A message the person must see. */
  notify(level: 'info' | 'warn' | 'error', message: string): void;
}


/** How a lane's label says where its η_φ acts. */
const STRATEGY_LABELS: Record<string, string> = { chunk: 'η per chunk', step: 'η per control step', latent: 'η chooses a_0', noise: 'η = σ_k(s), v_θ fine-tuned' };
export class Playground {
  private lanes: LiveLane[] = [];
  private policies: LivePolicyName[];
  /** Per lane index, kept across changes of policies and resets (a new playground, on a task switch, starts without). */
  private readonly laneSettings: LaneSettings[] = Array.from({ length: MAX_LANES }, followConfig);
  private standIns: ModuleSet = {};
  private runConfig: Config;
  private episode = 0;
  private running = true;
  private stepsPerSecond: number | null = CONTROL_HZ;
  private holdUntil = 0;
  private perturbRng: Rng;
  private seq = 0;
  private stepTimer: ReturnType<typeof setTimeout> | null = null;
  private postTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPost = 0;
  private lastTickStart = 0;
  /** Control steps completed (lane steps count once per tick) and when, for the measured rate. */
  private stepTimes: number[] = [];
  /** Ticks (control steps of the playground's clock) since it started, and the lanes' record of the latest ones. */
  private ticks = 0;
  private readonly history = new LiveHistory();

  constructor(
    private readonly host: PlaygroundHost,
    private readonly shipped: ShippedLoad,
    readonly spec: TaskSpec,
    private readonly checkpointBase: string,
  ) {
    this.runConfig = host.config();
    this.perturbRng = new Rng(deriveSeed(this.runConfig.liveSeed, 'playground/perturb'));
    this.policies = [bestPolicy(this.trained)];
  }

  get shippedLoad(): ShippedLoad {
    return this.shipped;
  }

  /**
   * The module the top-level policies (prior, reflex, and the expert's Φ) run for `name`, for training in place:
   * its checkpoint's, else the stand-in, which from now on counts as this session's own (a reset keeps it).
   */
  trainableModule<K extends ModuleName>(name: K): ModuleTypes[K] {
    const key = checkpointKey('', name);
    const loaded = this.shipped.modules.get(key);
    if (loaded) return loaded as ModuleTypes[K];
    const own = ((this.standIns as Record<string, ModuleTypes[ModuleName]>)[name] ??= standIn(name, this.runConfig, this.spec)) as ModuleTypes[K];
    delete (this.standIns as Record<string, unknown>)[name];
    this.shipped.modules.set(key, own);
    this.shipped.found.push({ key, module: name, source: 'this session (training)' });
    return own;
  }

  /** Says where the top-level `name` module's weights now come from, and rebuilds the lanes so every policy that can use it does. */
  async adopted(name: ModuleName, source: string): Promise<void> {
    const key = checkpointKey('', name);
    const entry = this.shipped.found.find((f) => f.key === key);
    if (entry) entry.source = source;
    await this.buildLanes();
    this.startEpisode(this.episode);
    this.host.postStatus(this.status());
  }

  /** The module a checkpoint slot (checkpointKey) runs now: its checkpoint's, else the stand-in built for it. */
  moduleAt(key: string): ModuleTypes[ModuleName] {
    const slot = checkpointSlots().find(([folder, m]) => checkpointKey(folder, m) === key);
    if (!slot) throw new Error(`slot: "${key.slice(0, 40)}" is not one of ${checkpointSlots().map(([f, m]) => checkpointKey(f, m)).join(', ')}`);
    const name = slot[1];
    return this.shipped.modules.get(key) ?? ((this.standIns as Record<string, ModuleTypes[ModuleName]>)[name] ??= standIn(name, this.runConfig, this.spec));
  }

  /** Puts `module` in slot `key` (weights from `source`), rebuilds the lanes on it, and frees the module it replaces. */
  async replaceModule(key: string, module: ModuleTypes[ModuleName], source: string): Promise<void> {
    await this.replaceModules([[key, module]], source);
  }

  /** Several slots at once (a stage-2 run's modules), with one rebuild of the lanes. */
  async replaceModules(entries: readonly (readonly [string, ModuleTypes[ModuleName]])[], source: string): Promise<void> {
    const old = entries.map(([key]) => this.shipped.modules.get(key)).filter((m, i) => m !== entries[i][1]);
    for (const [key, module] of entries) {
      this.shipped.modules.set(key, module);
      const entry = this.shipped.found.find((f) => f.key === key);
      if (entry) entry.source = source;
      else this.shipped.found.push({ key, module: module.name as ModuleName, source });
    }
    await this.buildLanes();
    this.startEpisode(this.episode);
    for (const m of old) m?.dispose();
    this.host.postStatus(this.status());
  }

  /**
   * Goes back to `load` (the shipped checkpoints, read again): every slot it lacks runs a stand-in again, and the
   * modules replaced are freed.
   */
  async restoreShipped(load: ShippedLoad): Promise<void> {
    const old = [...this.shipped.modules.values(), ...Object.values(this.standIns)];
    this.shipped.modules.clear();
    for (const [key, m] of load.modules) this.shipped.modules.set(key, m);
    this.shipped.found.splice(0, this.shipped.found.length, ...load.found);
    this.shipped.problems.splice(0, this.shipped.problems.length, ...load.problems);
    this.standIns = {};
    await this.buildLanes();
    this.startEpisode(this.episode);
    for (const m of old) m.dispose();
    this.host.postStatus(this.status());
  }

  /** Says where the modules in slots `keys` now come from (their weights changed in place). */
  relabel(keys: readonly string[], source: string): void {
    for (const f of this.shipped.found) if (keys.includes(f.key)) f.source = source;
    this.host.postStatus(this.status());
  }

  /** The modules policy `name` runs (trained or stand-in), for running it elsewhere (the evaluation). */
  modulesOf(name: LivePolicyName): ModuleSet {
    return this.modulesFor(name);
  }

  /** What policy `name` runs, as the labels say it, with when its η_φ acts (per chunk, per control step, on a_0, or as the chain's noise). */
  label(name: LivePolicyName): string {
    const base = policyLabel(name, policyModules(name, this.trained));
    const strategy = POLICY_MODULES[name].required.includes('strategy') ? this.modulesFor(name).strategy : undefined;
    if (strategy) return `${base}, ${STRATEGY_LABELS[strategyRate(strategy.config)]}`;
    return this.modulesFor(name).prior?.config.meanFlow ? `${base}, one step per chunk` : base;
  }

  /** Lane `i`'s policy label and the overrides it runs with, so two lanes of one policy read apart. */
  private laneLabel(i: number): string {
    const lane = this.lanes[i];
    const s = this.laneSettings[i];
    const own = [s.executeSteps !== null ? `n = ${s.executeSteps}` : '', s.reflexGain !== null && lane.policy.hasReflex ? `g_b = ${s.reflexGain}` : ''].filter(Boolean);
    const label = this.label(lane.policy.name);
    return own.length ? `${label} · ${own.join(', ')}` : label;
  }

  /** Keys of the checkpoints found (checkpointKey). */
  get trained(): Set<string> {
    return new Set(this.shipped.modules.keys());
  }

  /** Builds the lanes and starts running (call inside the host's queue). */
  async start(): Promise<PlaygroundStatus> {
    await this.reset();
    this.schedule();
    return this.status();
  }

  status(): PlaygroundStatus {
    const trained = this.trained;
    return {
      task: this.spec.name,
      checkpointBase: this.checkpointBase,
      found: this.shipped.found,
      problems: this.shipped.problems,
      trained: [...trained],
      lanes: this.lanes.map((l, i) => ({ policy: l.policy.name, label: this.laneLabel(i), modules: policyModules(l.policy.name, trained), settings: { ...this.laneSettings[i] } })),
      runConfig: this.runConfig,
    };
  }

  /** Applies one intent (inside the host's queue). Bad input throws a message naming the field. */
  async apply(intent: PlaygroundIntent): Promise<void> {
    switch (intent.kind) {
      case 'play':
        this.running = true;
        this.schedule();
        break;
      case 'pause':
        this.running = false;
        break;
      case 'step':
        this.running = false;
        await this.tick(true);
        break;
      case 'reset':
        await this.reset();
        break;
      case 'nextEpisode':
        this.startEpisode(this.episode + 1);
        break;
      case 'speed': {
        const s = intent.stepsPerSecond;
        if (s !== null && !(typeof s === 'number' && s >= MIN_STEPS_PER_SECOND && s <= MAX_STEPS_PER_SECOND)) {
          throw new Error(`speed: ${String(s)} is not null (as fast as possible) or a number of steps/s in [${MIN_STEPS_PER_SECOND}, ${MAX_STEPS_PER_SECOND}]`);
        }
        this.stepsPerSecond = s;
        break;
      }
      case 'shove': {
        const { dx, dy, dtheta } = intent;
        for (const [name, v, max] of [['dx', dx, MAX_SHOVE_PX], ['dy', dy, MAX_SHOVE_PX], ['dtheta', dtheta, MAX_SHOVE_RAD]] as const) {
          if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > max) throw new Error(`shove.${name}: ${String(v)} is not a number in [−${max}, ${max}]`);
        }
        for (const lane of this.lanes) lane.shove({ dx, dy, dtheta });
        break;
      }
      case 'perturb':
        this.perturb(intent.spec);
        break;
      case 'policies':
        await this.setPolicies(intent.policies);
        break;
      case 'laneSettings':
        this.setLaneSettings(intent.lane, intent.settings);
        break;
      default:
        throw new Error(`intent: unknown kind "${String((intent as { kind: unknown }).kind).slice(0, 40)}"`);
    }
    this.post();
    this.schedule();
  }

  /** The episode so far of lane `index` as an .npz (np.load reads it). */
  exportRollout(index: number): Uint8Array {
    const lane = this.lanes[index];
    if (!lane) throw new Error(`exportRollout.lane: ${index} is not a lane (there are ${this.lanes.length})`);
    return encodeNpz(lane.exportArrays());
  }

  /** The recorded ticks of every lane, for scrubbing back and replaying while paused. */
  recorded(): PlaygroundHistory {
    return this.history.snapshot({ task: this.spec.name, numTokens: this.spec.numTokens, actionDim: this.spec.actionDim, lanes: this.lanes.map((_, i) => this.laneMeta(i)) });
  }

  /** Stops the clock (a backend switch or benchmark runs meanwhile); resume() restarts it. */
  suspend(): void {
    if (this.stepTimer !== null) clearTimeout(this.stepTimer);
    this.stepTimer = null;
  }
  resume(): void {
    this.schedule();
  }

  // ── perturbations ───────────────────────────────────────────────────────────────────────────────
  /** Any suite of the task as a `--perturb` spec: a one-shot acts at every lane's next step, a condition from now on. */
  private perturb(spec: unknown): void {
    if (typeof spec !== 'string') throw new Error('perturb.spec: expected a string such as "kick:impulse=40"');
    const suites = simTask(this.spec.name).suites;
    const p = parsePerturbationSpec(suites, spec);
    if (p.kind === 'shifted-init') throw new Error(`perturb: shifted-init changes where episodes start; it is not a live perturbation (use sagr eval --task ${this.spec.name} --suite shifted-init)`);
    if (!isOneShot(suites, p.kind)) {
      for (const lane of this.lanes) lane.setCondition(p);
      return;
    }
    // A direction the spec leaves open (a kick's angle, a tilt's azimuth) is drawn once from the playground's own
    // seeded stream, so every lane gets the same one.
    const drawn: Record<string, unknown> = { ...p };
    for (const d of suites.params[p.kind]) if (d.optional && drawn[d.field] === null) drawn[d.field] = this.perturbRng.range(-Math.PI, Math.PI);
    for (const lane of this.lanes) lane.perturbOnce(drawn as unknown as typeof p);
  }

  // ── lanes and episodes ──────────────────────────────────────────────────────────────────────────
  private modulesFor(policy: LivePolicyName): ModuleSet {
    const status = policyModules(policy, this.trained);
    const set: Record<string, unknown> = {};
    for (const name of MODULE_NAMES) {
      if (status[name] === 'trained') set[name] = this.shipped.modules.get(checkpointKey(POLICY_FOLDERS[policy], name));
      else if (status[name] === 'random') set[name] = this.standInFor(policy, name);
    }
    return set as ModuleSet;
  }

  /**
   * The stand-in `name` for `policy`: shared by module name, except a strategy that must act at another rate and the
   * one-step prior of meanflow (the MeanFlow architecture).
   */
  private standInFor(policy: LivePolicyName, name: ModuleName): unknown {
    const standIns = this.standIns as Record<string, unknown>;
    if (name === 'prior' && ONE_STEP_PRIOR_POLICIES.includes(policy)) return (standIns['prior:one-step'] ??= standIn(name, this.runConfig, this.spec, { meanFlow: true }));
    const rate = name === 'strategy' ? STAND_IN_RATES[policy] : undefined;
    const key = rate && rate !== this.runConfig.strategyRate ? `${name}:${rate}` : name;
    return (standIns[key] ??= standIn(name, rate ? { ...this.runConfig, strategyRate: rate } : this.runConfig, this.spec));
  }

  private async setPolicies(policies: unknown): Promise<void> {
    if (!Array.isArray(policies) || policies.length < 1 || policies.length > MAX_LANES) throw new Error(`policies: expected 1 or ${MAX_LANES} policy names`);
    for (const p of policies) if (!LIVE_POLICIES.includes(p as LivePolicyName)) throw new Error(`policies: "${String(p).slice(0, 40)}" is not one of ${LIVE_POLICIES.join(', ')}`);
    this.policies = policies as LivePolicyName[];
    await this.buildLanes();
    this.startEpisode(this.episode);
    this.host.postStatus(this.status());
  }

  private setLaneSettings(lane: unknown, settings: unknown): void {
    if (!Number.isInteger(lane) || (lane as number) < 0 || (lane as number) >= this.lanes.length) throw new Error(`laneSettings.lane: ${String(lane).slice(0, 40)} is not a lane (there are ${this.lanes.length})`);
    const i = lane as number;
    // Bounded by the config's horizon as the config's own n is (a prior with a shorter one executes its whole chunk).
    Object.assign(this.laneSettings[i], parseLaneSettings(settings, i, this.host.config().horizon));
    this.host.postStatus(this.status());
  }

  /** Applies the config (the parameters that apply on restart included) and starts again at episode 0. */
  private async reset(): Promise<void> {
    this.runConfig = this.host.config();
    this.perturbRng = new Rng(deriveSeed(this.runConfig.liveSeed, 'playground/perturb'));
    for (const m of Object.values(this.standIns)) m.dispose();
    this.standIns = {};
    await this.buildLanes();
    this.startEpisode(0);
    this.host.postStatus(this.status());
  }

  private async buildLanes(): Promise<void> {
    const conditions = this.lanes.map((l) => l.activeCondition);
    for (const lane of this.lanes) lane.free();
    this.lanes = [];
    this.history.clear();
    await simTask(this.spec.name).init(); // the expert's planner builds its own simulator copy
    for (const name of this.policies) {
      const lane = await LiveLane.create(new LivePolicy(name, this.modulesFor(name), this.spec, this.runConfig.horizon), this.runConfig);
      // A lasting condition (bias, friction, mass) survives a change of policies or a reset.
      lane.setCondition(conditions[0] ?? { kind: 'nominal' });
      this.lanes.push(lane);
    }
  }

  private startEpisode(k: number): void {
    this.episode = k;
    this.holdUntil = 0;
    const seed = episodeSeed(this.runConfig.liveSeed, k);
    for (const lane of this.lanes) lane.startEpisode(k, seed);
    this.post();
  }

  /** One control step of every lane still running; after all have ended and the result was shown, the next episode. */
  private async tick(manual = false): Promise<void> {
    if (this.lanes.every((l) => l.done)) {
      if (!manual && performance.now() < this.holdUntil) return;
      this.startEpisode(this.episode + 1);
      return;
    }
    const config = this.host.config();
    for (const [i, lane] of this.lanes.entries()) await lane.stepOnce(laneConfig(config, this.laneSettings[i]));
    this.record();
    const now = performance.now();
    this.stepTimes.push(now);
    // A one-second window, but never fewer than two steps: a step slower than the window (a decision on a
    // software GPU) would otherwise read as 0 steps/s while the playground runs.
    while (this.stepTimes.length > 2 && this.stepTimes[0] < now - 1000) this.stepTimes.shift();
    if (this.lanes.every((l) => l.done)) this.holdUntil = now + (this.stepsPerSecond ? (END_HOLD_STEPS * 1000) / this.stepsPerSecond : 0);
    this.requestPost();
  }

  // ── clock and snapshots ─────────────────────────────────────────────────────────────────────────
  private schedule(): void {
    if (!this.running || this.stepTimer !== null) return;
    const interval = this.stepsPerSecond ? 1000 / this.stepsPerSecond : 0;
    const wait = Math.max(0, this.lastTickStart + interval - performance.now());
    this.stepTimer = setTimeout(() => {
      this.lastTickStart = performance.now();
      void this.host
        .enqueue(() => (this.running ? this.tick() : Promise.resolve()))
        .finally(() => {
          this.stepTimer = null;
          this.schedule();
        });
    }, wait);
  }

  private requestPost(): void {
    const since = performance.now() - this.lastPost;
    if (since >= FRAME_MS) {
      this.post();
      return;
    }
    if (this.postTimer !== null) return;
    this.postTimer = setTimeout(() => {
      this.postTimer = null;
      void this.host.enqueue(async () => this.post());
    }, FRAME_MS - since);
  }

  /** Every lane's state after tick `ticks`, into the history. */
  private record(): void {
    this.ticks++;
    this.history.record(
      this.ticks,
      this.lanes.map((lane, i) => {
        const data = lane.frame().data;
        return { data, trailRow: lane.trailRow(), condition: this.conditionSpec(i), series: seriesRow(this.ticks, data, lane.layout, this.spec.worldScale) };
      }),
    );
  }

  /** Lane `i`'s policy, its label and its lasting condition as a spec (null: nominal). */
  private laneMeta(i: number): { policy: LivePolicyName; label: string; condition: string | null } {
    return { policy: this.lanes[i].policy.name, label: this.laneLabel(i), condition: this.conditionSpec(i) };
  }

  /** Lane `i`'s lasting condition as a spec (null: nominal). */
  private conditionSpec(i: number): string | null {
    const c = this.lanes[i].activeCondition;
    return c.kind === 'nominal' ? null : formatPerturbationSpec(simTask(this.spec.name).suites, c);
  }

  private post(): void {
    this.lastPost = performance.now();
    const transfer: Transferable[] = [];
    const lanes = this.lanes.map((lane, i) => {
      const { data, trail } = lane.frame();
      const series = this.history.series(i);
      transfer.push(data.buffer, trail.buffer, series.buffer);
      return { ...this.laneMeta(i), data, trail, series };
    });
    const frame: LiveFrame = {
      seq: ++this.seq,
      running: this.running,
      stepsPerSecond: this.stepsPerSecond,
      measuredStepsPerSecond: this.measuredRate(),
      episode: this.episode,
      tick: this.ticks,
      task: this.spec.name,
      numTokens: this.spec.numTokens,
      actionDim: this.spec.actionDim,
      lanes,
    };
    this.host.postFrame(frame, transfer);
  }

  /** Control steps per second over the last second (ticks between the first and the last in the window). */
  private measuredRate(): number {
    const t = this.stepTimes;
    const span = t.length > 1 ? t[t.length - 1] - t[0] : 0;
    return span > 0 ? Math.round((((t.length - 1) * 1000) / span) * 10) / 10 : 0;
  }

  dispose(): void {
    this.suspend();
    for (const lane of this.lanes) lane.free();
    for (const m of Object.values(this.standIns)) m.dispose();
  }
}

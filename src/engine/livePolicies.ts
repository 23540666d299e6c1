// Which policies the playground can run, what each is made of, and which to show when some checkpoints are
// missing. Pure (no tfjs): the UI uses it for its menus and labels, the worker to build the policies.
//
// A policy's required modules are built from a checkpoint when one was found, else randomly initialised and
// labelled as such; its optional modules are used only when trained (an untrained Φ next to the expert or the
// prior would draw meaningless residuals).

// reflex-literal: the reflex warmed up with the literal stage-1 target (it copies an actuator error instead of
// cancelling it), with the positions-only Φ it was trained against; under a bias it fails where reflex holds.
// residual: the prior with η_φ evaluated at every control step (strategyRate step, no reflex), beside strategy's
// η once per chunk.
// dsrl: the frozen prior whose initial noise a_0 η_φ chooses (strategyRate latent; DSRL, a baseline).
// reinflow: ReinFlow's fine-tuned prior v_θ with its noise net η_φ = σ_k(s) (strategyRate noise; a baseline): the
// learned noise joins the chain when σ ≠ 0, at σ = 0 the lane runs the fine-tuned prior's ODE.
// reinflow-reflex: ReinFlow trained with the reflex and Φ acting in its rollouts (`train --stage reinflow
// --reflex-gain 1`): its fine-tuned v_θ with that reflex at every control step, for long chunks (docs/results.md).
// rwfm, grpo: the prior itself fine-tuned by reward-weighted flow matching on its own rollouts, and by its GRPO
// variant (baselines, src/train/rwfm.ts): they run as the prior does, with other weights.
// meanflow: a one-step prior distilled from the prior (MeanFlow, a baseline): one network evaluation per chunk.
// prior-long, reflex-long, sagr-long, reinflow-reflex-long: the same policies on the long-chunk prior (DAgger
// with the learner executing 8 and 16 actions per chunk, variants/prior-long/), each from its own folder; they
// are for long chunks (docs/results.md, "DAgger at long chunks").
// expert-chunks, expert-chunks-reflex: the expert's own plans executed open loop, n actions per chunk (the ceiling of
// long chunks), alone and with the shipped Φ and reflex correcting every planned action: under an actuator offset
// the plans alone miss, the reflex cancels the offset (docs/results.md, "The reflex on the expert's plans").
export const LIVE_POLICIES = ['expert', 'expert-chunks', 'expert-chunks-reflex', 'prior', 'reflex', 'reflex-literal', 'strategy', 'residual', 'sagr', 'dsrl', 'reinflow', 'reinflow-reflex', 'rwfm', 'grpo', 'meanflow', 'prior-long', 'reflex-long', 'sagr-long', 'reinflow-reflex-long'] as const;
export type LivePolicyName = (typeof LIVE_POLICIES)[number];

export const MODULE_NAMES = ['prior', 'world', 'reflex', 'strategy', 'critic'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

export const MODULE_SYMBOLS: Record<ModuleName, string> = { prior: 'v_θ', world: 'Φ', reflex: 'b_ψ', strategy: 'η_φ', critic: 'V' };

export const POLICY_MODULES: Record<LivePolicyName, { required: readonly ModuleName[]; optional: readonly ModuleName[] }> = {
  expert: { required: [], optional: ['world'] },
  'expert-chunks': { required: [], optional: ['world'] },
  'expert-chunks-reflex': { required: ['world', 'reflex'], optional: [] },
  prior: { required: ['prior'], optional: ['world'] },
  reflex: { required: ['prior', 'world', 'reflex'], optional: [] },
  'reflex-literal': { required: ['prior', 'world', 'reflex'], optional: [] },
  strategy: { required: ['prior', 'strategy'], optional: ['world'] },
  residual: { required: ['prior', 'strategy'], optional: ['world'] },
  sagr: { required: ['prior', 'world', 'reflex', 'strategy'], optional: [] },
  dsrl: { required: ['prior', 'strategy'], optional: ['world'] },
  reinflow: { required: ['prior', 'strategy'], optional: ['world'] },
  'reinflow-reflex': { required: ['prior', 'world', 'reflex', 'strategy'], optional: [] },
  rwfm: { required: ['prior'], optional: ['world'] },
  grpo: { required: ['prior'], optional: ['world'] },
  meanflow: { required: ['prior'], optional: [] },
  'prior-long': { required: ['prior'], optional: ['world'] },
  'reflex-long': { required: ['prior', 'world', 'reflex'], optional: [] },
  'sagr-long': { required: ['prior', 'world', 'reflex', 'strategy'], optional: [] },
  'reinflow-reflex-long': { required: ['prior', 'world', 'reflex', 'strategy'], optional: [] },
};

/** The policies whose chunks the task's expert plans, executed open loop, in place of a prior's. */
export const PLANNED_CHUNK_POLICIES: readonly LivePolicyName[] = ['expert-chunks', 'expert-chunks-reflex'];

/** Policies whose randomly initialised stand-in prior is a one-step (MeanFlow) prior, sampled as theirs is. */
export const ONE_STEP_PRIOR_POLICIES: readonly LivePolicyName[] = ['meanflow'];

/** How a policy's randomly initialised stand-in strategy must act, where that is not the config's strategyRate. */
export const STAND_IN_RATES: Partial<Record<LivePolicyName, 'chunk' | 'step' | 'latent' | 'noise'>> = { strategy: 'chunk', residual: 'step', dsrl: 'latent', reinflow: 'noise', 'reinflow-reflex': 'noise', 'reinflow-reflex-long': 'noise' };

/**
 * What a policy's stage-2 run trains besides the modules the policy runs: the critic V(s), kept in the run's folder
 * (as `sagr train --stage ppo` writes it) so that the run can be saved, loaded and continued.
 */
export const RUN_MODULES: Partial<Record<LivePolicyName, readonly ModuleName[]>> = { strategy: ['critic'], sagr: ['critic'] };

export type ModuleStatus = 'trained' | 'random';

/**
 * Where each policy's checkpoints live under the shipped folder (public/checkpoints/<task>/): the stage-0/1
 * modules at its top, each stage-2 run in its own subfolder holding every module it ran with (the CLI's
 * defaults, src/cli/learnedPolicy.ts PPO_RUNS). The expert's observing Φ is the top-level one.
 */
export const POLICY_FOLDERS: Record<LivePolicyName, string> = {
  expert: '',
  'expert-chunks': '',
  'expert-chunks-reflex': '',
  prior: '',
  reflex: '',
  'reflex-literal': 'variants/reflex-literal/',
  strategy: 'ppo-strategy/',
  residual: 'ppo-residual/',
  sagr: 'ppo/',
  dsrl: 'dsrl/',
  reinflow: 'reinflow/',
  'reinflow-reflex': 'reinflow-reflex/',
  rwfm: 'rwfm/',
  grpo: 'grpo/',
  meanflow: 'meanflow/',
  'prior-long': 'variants/prior-long/',
  'reflex-long': 'variants/prior-long/',
  'sagr-long': 'variants/sagr-long/',
  'reinflow-reflex-long': 'variants/reinflow-reflex-long/',
};

/** A checkpoint's key: its folder and module, e.g. "ppo/strategy" or "prior". */
export const checkpointKey = (folder: string, module: ModuleName): string => `${folder}${module}`;

/** Every checkpoint some policy may use, as [folder, module]. */
export function checkpointSlots(): [string, ModuleName][] {
  const slots = new Map<string, [string, ModuleName]>();
  for (const p of LIVE_POLICIES) {
    const { required, optional } = POLICY_MODULES[p];
    for (const m of [...required, ...optional, ...(RUN_MODULES[p] ?? [])]) slots.set(checkpointKey(POLICY_FOLDERS[p], m), [POLICY_FOLDERS[p], m]);
  }
  return [...slots.values()];
}

/** The modules a policy runs with, given the checkpoints found (keys), and whether each is trained or a stand-in. */
export function policyModules(policy: LivePolicyName, found: ReadonlySet<string>): Partial<Record<ModuleName, ModuleStatus>> {
  const out: Partial<Record<ModuleName, ModuleStatus>> = {};
  const { required, optional } = POLICY_MODULES[policy];
  const has = (m: ModuleName) => found.has(checkpointKey(POLICY_FOLDERS[policy], m));
  for (const m of required) out[m] = has(m) ? 'trained' : 'random';
  for (const m of optional) if (has(m)) out[m] = 'trained';
  return out;
}

export function isFullyTrained(policy: LivePolicyName, found: ReadonlySet<string>): boolean {
  return POLICY_MODULES[policy].required.every((m) => found.has(checkpointKey(POLICY_FOLDERS[policy], m)));
}

/** Most complete first: what runs at open is the first of these whose modules are all trained. */
const PREFERENCE: readonly LivePolicyName[] = ['sagr', 'reflex', 'strategy', 'prior', 'expert'];

export function bestPolicy(found: ReadonlySet<string>): LivePolicyName {
  return PREFERENCE.find((p) => isFullyTrained(p, found)) ?? 'expert';
}

/**
 * The side-by-side pair: the prior against the full method. Without a trained prior the left lane is the expert;
 * without a trained full method the right lane is the most complete trained policy other than the left one;
 * with nothing trained, a randomly initialised prior (labelled) stands opposite the expert.
 */
export function defaultPair(found: ReadonlySet<string>): [LivePolicyName, LivePolicyName] {
  const left: LivePolicyName = isFullyTrained('prior', found) ? 'prior' : 'expert';
  const right = PREFERENCE.find((p) => p !== left && p !== 'expert' && isFullyTrained(p, found)) ?? (left === 'expert' ? 'prior' : 'expert');
  return [left, right];
}

/** e.g. "reflex (v_θ, Φ trained; b_ψ random init)" or "expert (privileged planner)". */
export function policyLabel(policy: LivePolicyName, modules: Partial<Record<ModuleName, ModuleStatus>>): string {
  const names = MODULE_NAMES.filter((m) => modules[m] !== undefined);
  const planner = policy === 'expert' ? 'privileged planner' : PLANNED_CHUNK_POLICIES.includes(policy) ? 'privileged planner, open-loop chunks' : '';
  if (POLICY_MODULES[policy].required.length === 0) return names.length ? `${policy} (${planner}; Φ observing)` : `${policy} (${planner})`;
  const trained = names.filter((m) => modules[m] === 'trained').map((m) => MODULE_SYMBOLS[m]);
  const random = names.filter((m) => modules[m] === 'random').map((m) => MODULE_SYMBOLS[m]);
  const parts = [planner, trained.length ? `${trained.join(', ')} trained` : '', random.length ? `${random.join(', ')} random init` : ''].filter(Boolean);
  return `${policy} (${parts.join('; ')})`;
}

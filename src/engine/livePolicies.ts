// Which policies the playground can run, what each is made of, and which to show when some checkpoints are
// missing. Pure (no tfjs): the UI uses it for its menus and labels, the worker to build the policies.
//
// A policy's required modules are built from a checkpoint when one was found, else randomly initialised and
// labelled as such; its optional modules are used only when trained (an untrained Φ next to the expert or the
// prior would draw meaningless residuals).

export const LIVE_POLICIES = ['expert', 'prior', 'reflex', 'strategy', 'sagr'] as const;
export type LivePolicyName = (typeof LIVE_POLICIES)[number];

export const MODULE_NAMES = ['prior', 'world', 'reflex', 'strategy'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

export const MODULE_SYMBOLS: Record<ModuleName, string> = { prior: 'v_θ', world: 'Φ', reflex: 'b_ψ', strategy: 'η_φ' };

export const POLICY_MODULES: Record<LivePolicyName, { required: readonly ModuleName[]; optional: readonly ModuleName[] }> = {
  expert: { required: [], optional: ['world'] },
  prior: { required: ['prior'], optional: ['world'] },
  reflex: { required: ['prior', 'world', 'reflex'], optional: [] },
  strategy: { required: ['prior', 'strategy'], optional: ['world'] },
  sagr: { required: ['prior', 'world', 'reflex', 'strategy'], optional: [] },
};

export type ModuleStatus = 'trained' | 'random';

/** The modules a policy runs with, and whether each is trained or randomly initialised. */
export function policyModules(policy: LivePolicyName, trained: ReadonlySet<ModuleName>): Partial<Record<ModuleName, ModuleStatus>> {
  const out: Partial<Record<ModuleName, ModuleStatus>> = {};
  const p = POLICY_MODULES[policy];
  for (const m of p.required) out[m] = trained.has(m) ? 'trained' : 'random';
  for (const m of p.optional) if (trained.has(m)) out[m] = 'trained';
  return out;
}

export function isFullyTrained(policy: LivePolicyName, trained: ReadonlySet<ModuleName>): boolean {
  return POLICY_MODULES[policy].required.every((m) => trained.has(m));
}

/** Most complete first: what runs at open is the first of these whose modules are all trained. */
const PREFERENCE: readonly LivePolicyName[] = ['sagr', 'reflex', 'strategy', 'prior', 'expert'];

export function bestPolicy(trained: ReadonlySet<ModuleName>): LivePolicyName {
  return PREFERENCE.find((p) => isFullyTrained(p, trained)) ?? 'expert';
}

/**
 * The side-by-side pair: the prior against the full method. Without a trained prior the left lane is the expert;
 * without a trained full method the right lane is the most complete trained policy other than the left one;
 * with nothing trained, a randomly initialised prior (labelled) stands opposite the expert.
 */
export function defaultPair(trained: ReadonlySet<ModuleName>): [LivePolicyName, LivePolicyName] {
  const left: LivePolicyName = isFullyTrained('prior', trained) ? 'prior' : 'expert';
  const right = PREFERENCE.find((p) => p !== left && p !== 'expert' && isFullyTrained(p, trained)) ?? (left === 'expert' ? 'prior' : 'expert');
  return [left, right];
}

/** e.g. "reflex (v_θ, Φ trained; b_ψ random init)" or "expert (privileged planner)". */
export function policyLabel(policy: LivePolicyName, modules: Partial<Record<ModuleName, ModuleStatus>>): string {
  const names = MODULE_NAMES.filter((m) => modules[m] !== undefined);
  if (policy === 'expert') return names.length ? `expert (privileged planner; Φ observing)` : 'expert (privileged planner)';
  const trained = names.filter((m) => modules[m] === 'trained').map((m) => MODULE_SYMBOLS[m]);
  const random = names.filter((m) => modules[m] === 'random').map((m) => MODULE_SYMBOLS[m]);
  const parts = [trained.length ? `${trained.join(', ')} trained` : '', random.length ? `${random.join(', ')} random init` : ''].filter(Boolean);
  return `${policy} (${parts.join('; ')})`;
}

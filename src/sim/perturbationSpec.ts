// The `--perturb SPEC` language, for every task: `kind[:key=value,…]`, e.g. `displace:dx=30,at=60`. One
// parser; each task brings its table of kinds (its suites), their keys with ranges, and the suite defaults
// (Push-T: perturbations.ts; push-3d: push3d/perturbations3d.ts). Keys left out keep the suite's default.
// Also the per-episode draws both tasks' suites share (an event's step within its jitter, an offset's bias).
import type { Rng } from '../core/rng';

/** A perturbation: a kind (a suite's name) and its numeric parameters. */
export interface TaskPerturbation {
  readonly kind: string;
}

export interface ParamDef {
  /** Name in the spec (`com_dx`). */
  key: string;
  /** Property of the perturbation object (`comDx`). */
  field: string;
  min: number;
  max: number;
  integer: boolean;
  /** Whether the key may be left out with no default (a random direction drawn per episode). */
  optional?: boolean;
}

/** A task's suites: their names in order, their parameters, and their default perturbations. */
export interface SuiteTable<P extends TaskPerturbation> {
  readonly names: readonly P['kind'][];
  readonly params: { readonly [K in P['kind']]: readonly ParamDef[] };
  readonly defaults: { readonly [K in P['kind']]: Readonly<Extract<P, { kind: K }>> };
}

/** Throws a clear error unless `name` is one of the table's suites. */
export function validateSuiteIn<P extends TaskPerturbation>(table: SuiteTable<P>, name: string): P['kind'] {
  if (!(table.names as readonly string[]).includes(name)) {
    throw new Error(`suite: "${name.slice(0, 40)}" is not one of ${table.names.join(', ')}`);
  }
  return name as P['kind'];
}

/** The default perturbation of a suite (a fresh copy). */
export function suiteDefault<P extends TaskPerturbation>(table: SuiteTable<P>, name: string): P {
  return { ...table.defaults[validateSuiteIn(table, name)] } as P;
}

/**
 * Parses `kind[:key=value,…]` against a task's table. Errors name the bad part: unknown kind or key,
 * non-numeric or out-of-range value, duplicate key, malformed item.
 */
export function parsePerturbationSpec<P extends TaskPerturbation>(table: SuiteTable<P>, spec: string): P {
  const shown = (s: string) => `"${s.length > 40 ? s.slice(0, 40) + '…' : s}"`;
  const colon = spec.indexOf(':');
  const kindText = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!(table.names as readonly string[]).includes(kindText)) {
    throw new Error(`perturbation: unknown kind ${shown(kindText)} (kinds: ${table.names.join(', ')})`);
  }
  const kind = kindText as P['kind'];
  const defs = table.params[kind];
  const out: Record<string, unknown> = { ...table.defaults[kind] };
  if (colon < 0) return out as unknown as P;
  const body = spec.slice(colon + 1);
  if (body.trim() === '') throw new Error(`perturbation ${kind}: nothing after ":" (expected key=value,…)`);
  const seen = new Set<string>();
  for (const item of body.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new Error(`perturbation ${kind}: ${shown(item)} is not key=value`);
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    const def = defs.find((d) => d.key === key);
    if (!def) {
      const keys = defs.length ? `keys: ${defs.map((d) => d.key).join(', ')}` : 'it takes no parameters';
      throw new Error(`perturbation ${kind}: unknown key ${shown(key)} (${keys})`);
    }
    if (seen.has(key)) throw new Error(`perturbation ${kind}: key "${key}" given twice`);
    seen.add(key);
    // Number("") is 0 and Number(" 1") is 1: insist on a plain decimal literal.
    const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(value)) throw new Error(`perturbation ${kind}: ${key}=${shown(raw)} is not a number`);
    if (def.integer && !Number.isInteger(value)) throw new Error(`perturbation ${kind}: ${key}=${raw} is not an integer`);
    if (value < def.min || value > def.max) {
      throw new Error(`perturbation ${kind}: ${key}=${raw} is outside [${fmt(def.min)}, ${fmt(def.max)}]`);
    }
    out[def.field] = value;
  }
  return out as unknown as P;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}

/** The spec string of a perturbation (the parser's inverse), for logs and reports. */
export function formatPerturbationSpec<P extends TaskPerturbation>(table: SuiteTable<P>, p: P): string {
  const parts: string[] = [];
  for (const def of table.params[p.kind as P['kind']]) {
    const v = (p as unknown as Record<string, number | null>)[def.field];
    if (v !== null && v !== undefined) parts.push(`${def.key}=${v}`);
  }
  return parts.length ? `${p.kind}:${parts.join(',')}` : p.kind;
}

/**
 * Why a one-shot perturbation (displace, kick, tilt: at control step `at` + j, 0 ≤ j < `jitter` when the task jitters
 * it) would miss episodes cut after `maxSteps` steps (the config key `lengthKey`), or null when it lands in every
 * episode. An event past the end leaves the suite identical to nominal, which a results table would not show.
 */
export function eventPastEnd(p: TaskPerturbation, maxSteps: number, lengthKey = 'episodeLength'): string | null {
  const { at, jitter } = p as { at?: unknown; jitter?: unknown };
  if (typeof at !== 'number') return null;
  const last = at + (typeof jitter === 'number' ? jitter : 1) - 1;
  if (last < maxSteps) return null;
  const when = last > at ? `control steps ${at}–${last}` : `control step ${at}`;
  const fix = `set ${lengthKey} to at least ${last + 1}`;
  if (at >= maxSteps) return `${p.kind}: its event comes at ${when}, after the episode's end (${lengthKey} ${maxSteps}), so every episode runs as nominal; ${fix}`;
  return `${p.kind}: its event comes at ${when}, but episodes end at step ${maxSteps} (${lengthKey}), so some episodes never see it; ${fix}`;
}

/** A one-shot event's step for one episode: `at` + j, j uniform in [0, jitter) (so it lands at any phase of a chunk). */
export function drawEventStep<P extends { at: number; jitter: number }>(p: P, rng: Rng): P {
  return { ...p, at: p.at + rng.int(0, p.jitter), jitter: 1 };
}

/** An offset suite's bias for one episode: size uniform in [min, max], direction uniform in the table's plane. */
export function drawOffset(p: { min: number; max: number }, rng: Rng): { dx: number; dy: number } {
  if (p.min > p.max) throw new Error(`offset: min ${p.min} exceeds max ${p.max}`);
  const size = rng.range(p.min, p.max);
  const angle = rng.range(-Math.PI, Math.PI);
  return { dx: size * Math.cos(angle), dy: size * Math.sin(angle) };
}

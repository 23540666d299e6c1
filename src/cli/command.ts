// What a CLI command looks like. main.ts dispatches to these; each declares the flags it accepts so that
// unknown flags are refused before any work starts.
import type { Config, ConfigKey } from '../core/config';

export interface CommandContext {
  config: Config;
  /** Config keys the user set explicitly on the command line. */
  configFlags: Set<ConfigKey>;
  flags: Record<string, string>;
  switches: Set<string>;
  /** Progress and diagnostics (stderr). */
  log: (msg: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  /** Flags that take a value, e.g. ['out', 'episodes']. */
  values?: readonly string[];
  /** Flags without a value, e.g. ['json']. */
  switches?: readonly string[];
  /** Whether the schema's hyperparameters are accepted as flags (e.g. --sigma-max 0.2). */
  acceptsConfig: boolean;
  /** Returns the object printed with --json (or a human summary otherwise). */
  run(ctx: CommandContext): Promise<unknown>;
}

/** A one-line user error: main prints "sagr <command>: <message>" and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads an integer flag with bounds, naming the flag on failure. */
export function intFlag(flags: Record<string, string>, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = flags[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^[+-]?\d+$/.test(raw)) throw new UsageError(`--${name}: "${raw.slice(0, 24)}" is not an integer`);
  const x = Number(raw);
  if (x < min || x > max) throw new UsageError(`--${name}: ${x} is outside [${min}, ${max}]`);
  return x;
}

/** Reads an enum flag, naming the flag and the options on failure. */
export function enumFlag<T extends string>(flags: Record<string, string>, name: string, options: readonly T[], fallback?: T): T {
  const raw = flags[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required (one of ${options.join(', ')})`);
    return fallback;
  }
  if (!(options as readonly string[]).includes(raw)) throw new UsageError(`--${name}: "${raw.slice(0, 24)}" is not one of ${options.join(', ')}`);
  return raw as T;
}

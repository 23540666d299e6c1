// What a CLI command looks like. main.ts dispatches to these; each declares the flags it accepts so that
// unknown flags are refused before any work starts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultConfig, parseCliArgs, parseConfigJson, type Config, type ConfigKey } from '../core/config';

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
  /** Config keys accepted as flags by a command that takes no other hyperparameters (e.g. ['task']). */
  configKeys?: readonly ConfigKey[];
  /** Returns the object printed with --json (or a human summary otherwise). */
  run(ctx: CommandContext): Promise<unknown>;
}

/** A one-line user error: main prints "sagr <command>: <message>" and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A command's flags into its context: config flags over the --config file (when the command takes one) over
 * the defaults, its own flags and switches. `--task` is the config key `task` for every command, so a config
 * file and the flag cannot disagree. Throws UsageError or ConfigError naming the flag.
 */
export function parseCommandLine(cmd: Command, args: readonly string[]): Omit<CommandContext, 'log'> {
  const values = [...(cmd.values ?? []), ...(cmd.acceptsConfig ? ['config'] : [])];
  const configKeys = cmd.acceptsConfig ? undefined : (cmd.configKeys ?? []);
  const first = parseCliArgs(args, { values, switches: cmd.switches, configKeys }, defaultConfig());
  if (first.flags.config === undefined) return first;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(first.flags.config, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config: cannot read "${first.flags.config}" as JSON (${(e as Error).message.split('\n')[0]})`);
  }
  return parseCliArgs(args, { values, switches: cmd.switches, configKeys }, parseConfigJson(json));
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

/** Writes a file a flag names (its folder created as needed); a failure is a UsageError naming the flag. */
export function writeFlagFile(flag: string, file: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot write "${file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
}

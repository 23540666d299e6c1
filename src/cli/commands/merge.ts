// `sagr merge --parts FILE1,FILE2,…|FOLDER [--out FILE] [--json]`: combines the parts of a sharded run, given in any
// order, into what the unsharded run writes. The kind of part is read from the files:
//   - an evaluation's (`eval --shard i/n --json > part-i.json`): the JSON the unsharded `eval --json` prints (--out
//     writes it, its folder created as needed; --json prints it) and, with --report FILE, the same markdown report.
//     The parts must be one evaluation (same task, seed, episodes, chunk lengths and plan of cells);
//   - DAgger's (`demos --recover-from DIR … --shard i/n --out part-i.bin`): the dataset file the unsharded
//     `demos --recover-from` writes, byte for byte (--out, required; --npz as demos has it; --json prints what demos
//     prints). The parts must be one run (same task, seed, episodes, spacing, learner and base); the base is read from
//     where the shards read it (--base FILE if it is elsewhere here) and must be the same file.
// All shards must be present, once each.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeRecoveryPart, mergeRecoveryParts, type ShardPart } from '../../eval/recoveryShards';
import { mergeShards } from '../../eval/shards';
import { DEMO_MAGIC } from '../../sim/dataset';
import { UsageError, writeFlagFile, type Command } from '../command';
import { checkReportPath, commandLine, writeReport } from '../evalReport';
import { defaultDemos, readDemosFile } from '../demoFiles';
import { recoverySummary, writeDemos } from './demos';
import type { EvalReport } from './eval';

const MAX_PARTS = 10_000;
/** File names a folder of parts may hold: evaluation parts (JSON) and demonstration parts. */
const PART_EXTENSIONS = ['.json', '.bin'];

/** --parts: a comma-separated list of part files, or a folder whose .json and .bin files are the parts. */
function partFiles(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') throw new UsageError('--parts is required: the shards\' part files, comma-separated, or the folder holding them');
  const files = existsSync(raw) && statSync(raw).isDirectory()
    ? readdirSync(raw).filter((f) => PART_EXTENSIONS.some((ext) => f.endsWith(ext))).sort().map((f) => path.join(raw, f))
    : raw.split(',').filter((f) => f !== '');
  if (files.length === 0) throw new UsageError(`--parts: the folder "${raw.slice(0, 80)}" holds no ${PART_EXTENSIONS.join(' or ')} files`);
  if (files.length > MAX_PARTS) throw new UsageError(`--parts: ${files.length} files, at most ${MAX_PARTS}`);
  return files;
}

/** The parts of one kind: evaluation JSON (eval --shard) or demonstration files (demos --recover-from --shard). */
type Parts = { kind: 'eval'; parts: EvalReport[] } | { kind: 'demos'; parts: ShardPart[] };

function readPart(file: string): Parts {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`--parts: cannot read "${file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
  if (new TextDecoder().decode(bytes.subarray(0, DEMO_MAGIC.length)) === DEMO_MAGIC) {
    try {
      return { kind: 'demos', parts: [decodeRecoveryPart(bytes)] };
    } catch (e) {
      throw new UsageError(`--parts: "${file.slice(0, 80)}": ${(e as Error).message}`);
    }
  }
  try {
    return { kind: 'eval', parts: [JSON.parse(new TextDecoder().decode(bytes)) as EvalReport] };
  } catch {
    throw new UsageError(`--parts: "${file.slice(0, 80)}" is neither JSON (eval --shard i/n --json prints those) nor a demonstration part (demos --recover-from … --shard i/n)`);
  }
}

/** Every file's part, refusing a mix of the two kinds. */
function readParts(files: readonly string[]): Parts {
  const read = files.map(readPart);
  const kinds = new Set(read.map((p) => p.kind));
  if (kinds.size > 1) throw new UsageError('--parts: the files mix evaluation parts (eval --shard) and demonstration parts (demos --shard); merge one run at a time');
  return read[0].kind === 'eval'
    ? { kind: 'eval', parts: read.flatMap((p) => p.parts as EvalReport[]) }
    : { kind: 'demos', parts: read.flatMap((p) => p.parts as ShardPart[]) };
}

/** Catches a merge's refusal as a one-line error naming --parts. */
function refusedAsParts<T>(merge: () => T): T {
  try {
    return merge();
  } catch (e) {
    throw new UsageError(`--parts: ${(e as Error).message}`);
  }
}

function mergeEvaluation(parts: EvalReport[], files: readonly string[], flags: Record<string, string>, log: (msg: string) => void): EvalReport {
  for (const flag of ['npz', 'base']) if (flags[flag] !== undefined) throw new UsageError(`--${flag}: only for demonstration parts (demos --recover-from … --shard i/n)`);
  const reportFile = flags.report === undefined ? undefined : checkReportPath(flags.report);
  const merged = refusedAsParts(() => mergeShards(parts) as EvalReport);
  const cells = Object.values(merged.results).reduce((sum, r) => sum + Object.keys(r).length, 0);
  log(`merge: ${files.length} parts, ${cells} cells`);
  if (flags.out !== undefined) {
    writeFlagFile('out', flags.out, JSON.stringify(merged) + '\n');
    log(`merged result: ${flags.out}`);
  }
  // The report names the shards' command (run once for each I) and this one.
  const { command, count } = parts[0].shard!;
  const commands = `${command}   # I = 0 … ${count - 1}, each printing to its own file\n${commandLine(process.argv.slice(2))}`;
  if (reportFile !== undefined) log(`report: ${writeReport(merged, { command: commands, date: new Date().toISOString(), file: reportFile }).join(', ')}`);
  return merged;
}

/** The dataset the unsharded demos --recover-from writes, and the JSON it prints. */
function mergeDemos(parts: ShardPart[], flags: Record<string, string>, log: (msg: string) => void) {
  if (flags.report !== undefined) throw new UsageError('--report: the parts are demonstrations (demos --shard), which have no report; --out writes the dataset');
  if (!flags.out) throw new UsageError('--out is required: the dataset file to write (demonstration parts merge into one)');
  if (flags.npz === '') throw new UsageError('--npz: needs a file name');
  const { run } = parts[0];
  const base = readDemosFile(flags.base ?? run.base.file ?? defaultDemos(run.task), run.task, 'base');
  const r = refusedAsParts(() => mergeRecoveryParts(parts, base));
  log(`merge: ${parts.length} parts, the learner's ${run.episodes} episodes, ${r.recovered} recoveries from ${r.starts} of its states`);
  return { task: run.task, seed: run.seed, ...writeDemos(r.bytes, flags, log), recovery: recoverySummary(run, r) };
}

export const merge: Command = {
  name: 'merge',
  summary: 'combine the parts of a sharded run (eval --shard i/n --json, or demos --recover-from … --shard i/n) into one result (--parts FILES|FOLDER [--out FILE] [--report FILE] [--npz FILE] [--base FILE])',
  values: ['parts', 'out', 'report', 'npz', 'base'],
  switches: ['json'],
  acceptsConfig: false,
  async run({ flags, log }) {
    const files = partFiles(flags.parts);
    const read = readParts(files);
    return read.kind === 'eval' ? mergeEvaluation(read.parts, files, flags, log) : mergeDemos(read.parts, flags, log);
  },
};

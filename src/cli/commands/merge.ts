// `sagr merge --parts FILE1,FILE2,…|FOLDER [--out FILE] [--report FILE] [--json]`: combines the parts of a sharded
// evaluation (`eval --shard i/n --json > part-i.json`, one per shard, in any order) into the JSON the unsharded
// `eval --json` prints (--out writes it, its folder created as needed; --json prints it) and, with --report, the
// same markdown report. The parts must be one evaluation (same task, seed, episodes, chunk lengths and plan of
// cells) and all shards present.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { mergeShards } from '../../eval/shards';
import { UsageError, writeFlagFile, type Command } from '../command';
import { checkReportPath, commandLine, writeReport } from '../evalReport';
import type { EvalReport } from './eval';

const MAX_PARTS = 10_000;

/** --parts: a comma-separated list of JSON files, or a folder whose .json files are the parts. */
function partFiles(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') throw new UsageError('--parts is required: the shards\' JSON files, comma-separated, or the folder holding them');
  const files = existsSync(raw) && statSync(raw).isDirectory()
    ? readdirSync(raw).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(raw, f))
    : raw.split(',').filter((f) => f !== '');
  if (files.length === 0) throw new UsageError(`--parts: the folder "${raw.slice(0, 80)}" holds no .json files`);
  if (files.length > MAX_PARTS) throw new UsageError(`--parts: ${files.length} files, at most ${MAX_PARTS}`);
  return files;
}

function readPart(file: string): EvalReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--parts: cannot read "${file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    return JSON.parse(text) as EvalReport;
  } catch {
    throw new UsageError(`--parts: "${file.slice(0, 80)}" is not JSON (a part is what eval --shard i/n --json prints)`);
  }
}

export const merge: Command = {
  name: 'merge',
  summary: 'combine the parts of a sharded evaluation (eval --shard i/n --json) into one result (--parts FILES|FOLDER [--out FILE] [--report FILE])',
  values: ['parts', 'out', 'report'],
  switches: ['json'],
  acceptsConfig: false,
  async run({ flags, log }) {
    const files = partFiles(flags.parts);
    const reportFile = flags.report === undefined ? undefined : checkReportPath(flags.report);
    const parts = files.map(readPart);
    let merged: EvalReport;
    try {
      merged = mergeShards(parts) as EvalReport;
    } catch (e) {
      throw new UsageError(`--parts: ${(e as Error).message}`);
    }
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
  },
};

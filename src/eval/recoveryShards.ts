// The parts of a sharded `demos --recover-from` (DAgger's learner episodes and the expert's recoveries from them).
// Shard i of n records the learner's episodes of block i (shardBlock: n consecutive blocks of near-equal size) and
// the expert's runs from their states. Its part is a demonstration file of those recoveries alone whose manifest
// carries a part record (DemoManifest.part): the shard, the run every part must share, and the learner's and the
// expert's counts. `merge` checks the parts are one run, all there once, and puts the base and the blocks back in
// order with combineRecoveries: the very code the unsharded run ends with, so the file is the same, byte for byte.
import { decodeDemos, type DemoDataset } from '../sim/dataset';
import { simTask, type TaskName } from '../sim/tasks';
import { DemoRecorder } from './recordDemos';
import { combineRecoveries, type RecoveriesResult, type RecoveryPart } from './recordRecoveries';
import { shardBlock, type Shard } from './shards';

export const RECOVERY_PART_KIND = 'demos --recover-from';

/** What every part of one sharded recording shares; merge refuses parts that differ in any of these. */
export interface RecoveryRun {
  task: TaskName;
  seed: number;
  /** All the run's learner episodes (the shards' blocks together). */
  episodes: number;
  every: number;
  /** The learner's checkpoint folder, as given, and the settings that shape its episodes. */
  from: string;
  learner: Record<string, unknown>;
  /** The base dataset as given (null: the task's shipped one) and its contents' checksum (demoChecksum). */
  base: { file: string | null; checksum: number };
}

interface PartRecord {
  kind: typeof RECOVERY_PART_KIND;
  shard: Shard;
  run: RecoveryRun;
  firstEpisode: number;
  learnerEpisodes: number;
  learnerSuccesses: number;
  maxCoverages: number[];
}

export interface ShardPart {
  shard: Shard;
  run: RecoveryRun;
  part: RecoveryPart;
}

/** A shard's part as a file: its recoveries, with the part record in the manifest. */
export function encodeRecoveryPart({ shard, run, part }: ShardPart): Uint8Array {
  const recorder = new DemoRecorder(simTask(run.task), part.dataset);
  const { firstEpisode, learnerEpisodes, learnerSuccesses, maxCoverages } = part;
  const record: PartRecord = { kind: RECOVERY_PART_KIND, shard, run, firstEpisode, learnerEpisodes, learnerSuccesses, maxCoverages };
  const m = part.dataset.manifest;
  return recorder.encode(m.seed, m.expert, record);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Reads a part file; the message says what is wrong (the caller names the flag and the file). */
export function decodeRecoveryPart(bytes: Uint8Array): ShardPart {
  const dataset = decodeDemos(bytes);
  const r = dataset.manifest.part as Partial<PartRecord> | undefined;
  if (r === undefined) throw new Error('a whole demonstration file, not a shard\'s part (demos --recover-from … --shard i/n writes those)');
  if (r === null || typeof r !== 'object' || r.kind !== RECOVERY_PART_KIND) throw new Error(`its part record is not of ${RECOVERY_PART_KIND}`);
  const { shard, run, firstEpisode, learnerEpisodes, learnerSuccesses, maxCoverages } = r;
  if (!shard || !isCount(shard.index) || !isCount(shard.count) || shard.index >= shard.count) throw new Error('its part record has no valid shard i/n');
  if (!run || typeof run !== 'object' || !isCount(run.episodes) || typeof run.task !== 'string') throw new Error('its part record has no valid run');
  if (!isCount(firstEpisode) || !isCount(learnerEpisodes) || !isCount(learnerSuccesses) || learnerSuccesses > learnerEpisodes) throw new Error('its part record has no valid learner counts');
  if (!Array.isArray(maxCoverages) || !maxCoverages.every((c) => typeof c === 'number' && Number.isFinite(c)) || maxCoverages.length < dataset.manifest.episodes) {
    throw new Error(`its part record must list a finite max coverage for each expert run (at least its ${dataset.manifest.episodes} recoveries)`);
  }
  const block = shardBlock(shard, run.episodes);
  if (block.first !== firstEpisode || block.count !== learnerEpisodes) throw new Error(`its learner episodes ${firstEpisode}…${firstEpisode + learnerEpisodes - 1} are not shard ${shard.index}/${shard.count}'s`);
  return { shard, run, part: { dataset, firstEpisode, learnerEpisodes, learnerSuccesses, maxCoverages } };
}

/**
 * The parts of one run (any order) and its base (the dataset and its file's checksum) into the file the unsharded
 * run writes. Refuses parts of different runs or bases, and a missing or doubled shard.
 */
export function mergeRecoveryParts(parts: readonly ShardPart[], base: { dataset: DemoDataset; checksum: number }): RecoveriesResult {
  if (parts.length === 0) throw new Error('no parts to merge');
  const first = parts[0];
  const field = (p: ShardPart, key: string) => JSON.stringify((p.run as unknown as Record<string, unknown>)[key]);
  const seen = new Set<number>();
  parts.forEach((p, i) => {
    for (const key of Object.keys(first.run)) if (field(p, key) !== field(first, key)) throw new Error(`part ${i + 1} differs from part 1 in ${key} (${field(p, key)} against ${field(first, key)}): not the same run`);
    if (p.shard.count !== first.shard.count) throw new Error(`part ${i + 1} is one of ${p.shard.count} shards, part 1 one of ${first.shard.count}: not the same run`);
    if (seen.has(p.shard.index)) throw new Error(`shard ${p.shard.index}/${p.shard.count} is given twice`);
    seen.add(p.shard.index);
  });
  const { count } = first.shard;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing`);
  if (base.checksum !== first.run.base.checksum) throw new Error(`the base demonstrations are not those the shards recovered onto (checksum ${base.checksum} against ${first.run.base.checksum}): was the base file changed?`);
  const ordered = [...parts].sort((a, b) => a.shard.index - b.shard.index).map((p) => p.part);
  return combineRecoveries(base.dataset, ordered, first.run.task);
}

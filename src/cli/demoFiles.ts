// Demonstration files on disk: where a task's shipped ones are, and reading one for a task with errors that name
// the flag it came from (train --demos, demos --base).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeDemos, demoChecksum, type DemoDataset } from '../sim/dataset';
import { simTask, type TaskName } from '../sim/tasks';
import { UsageError } from './command';

/** A task's shipped demonstrations (public/data/<task>-demos.bin). */
export function defaultDemos(task: TaskName): string {
  return fileURLToPath(new URL(`../../public/data/${task}-demos.bin`, import.meta.url));
}

/** Refuses a shard's part, and demonstrations of another task or recorded with another token count, action size or state layout. */
function checkDemosTask(demos: DemoDataset, task: TaskName, flag: string): void {
  const m = demos.manifest;
  if (m.part !== undefined) throw new UsageError(`--${flag}: the file is one shard's part of a sharded demos --recover-from; merge the parts first (sagr merge --parts …)`);
  const { spec, stateLayout } = simTask(task);
  if (m.task !== task) throw new UsageError(`--${flag}: the file holds ${m.task} demonstrations, not ${task} (set --task ${m.task} or pass ${task} demonstrations)`);
  if (m.numTokens !== spec.numTokens || m.actionDim !== spec.actionDim) {
    throw new UsageError(`--${flag}: the file has ${m.numTokens} tokens and ${m.actionDim}-D actions, task ${task} has ${spec.numTokens} and ${spec.actionDim}`);
  }
  if (m.stateLayout.join(',') !== stateLayout.join(',')) throw new UsageError(`--${flag}: the file's stateLayout (${m.stateLayout.join(', ')}) is not ${task}'s (${stateLayout.join(', ')})`);
}

/** Reads and checks a demonstration file of `task`; errors name `--flag`. */
export function readDemos(file: string, task: TaskName, flag: string): DemoDataset {
  return readDemosFile(file, task, flag).dataset;
}

/** readDemos, with the checksum of the file's contents (demoChecksum) that identifies it. */
export function readDemosFile(file: string, task: TaskName, flag: string): { dataset: DemoDataset; checksum: number } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read "${file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
  }
  let dataset: DemoDataset;
  try {
    dataset = decodeDemos(bytes);
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
  checkDemosTask(dataset, task, flag);
  return { dataset, checksum: demoChecksum(bytes) };
}

// `sagr average --checkpoints DIR1,DIR2[,…] --out DIR [--module prior] [--json]`: writes DIR/<module> as the
// uniform average of the module's weights in DIR1/<module>, DIR2/<module>, … (src/nn/averageWeights.ts). The
// inputs must be the same task's module built with the same config; the output's metadata keeps the first input's
// hyperparameter config and, as its report, each input's folder, command and training report.
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { useNodeBackend } from '../../engine/nodeBackend';
import { nodeFileHandler } from '../../engine/nodeCheckpoint';
import { MODULE_NAMES } from '../../eval/learnedCheckpoints';
import { averageWeights, type LabelledCheckpoint } from '../../nn/averageWeights';
import { readCheckpoint, saveCheckpoint } from '../../nn/checkpoint';
import { UsageError, enumFlag, type Command } from '../command';

const MAX_INPUTS = 64;

export const average: Command = {
  name: 'average',
  summary: 'average one module\'s weights over several checkpoints (--checkpoints DIR1,DIR2,… --out DIR [--module prior])',
  values: ['checkpoints', 'out', 'module'],
  switches: ['json'],
  acceptsConfig: false,
  async run({ flags, log }) {
    const module = enumFlag(flags, 'module', MODULE_NAMES, 'prior');
    const dirs = (flags.checkpoints ?? '').split(',').filter((d) => d !== '');
    if (dirs.length < 2) throw new UsageError('--checkpoints: give at least 2 checkpoint folders, comma-separated');
    if (dirs.length > MAX_INPUTS) throw new UsageError(`--checkpoints: ${dirs.length} folders, at most ${MAX_INPUTS}`);
    const out = flags.out;
    if (!out) throw new UsageError('--out is required (the folder DIR/<module> is written to)');
    await useNodeBackend('cpu');

    const inputs: LabelledCheckpoint[] = [];
    try {
      for (const dir of dirs) {
        const file = path.join(dir, module);
        const checkpoint = await readCheckpoint(nodeFileHandler(file)).catch((e: Error) => {
          throw new UsageError(`--checkpoints: cannot load the ${module} from ${file.slice(0, 80)} (${e.message.split('\n')[0]})`);
        });
        inputs.push({ label: dir, checkpoint });
      }
      const tasks = new Set(inputs.map((i) => i.checkpoint.metadata.task));
      if (tasks.size > 1) throw new UsageError(`--checkpoints: the ${module}s are for different tasks (${[...tasks].join(', ')})`);
      let averaged: ReturnType<typeof averageWeights>;
      try {
        averaged = averageWeights(inputs, module);
      } catch (e) {
        throw new UsageError(`--checkpoints: ${(e as Error).message}`);
      }
      const variables = new Map(Object.entries(averaged.weights).map(([name, t]) => [name, tf.variable(t, false)]));
      tf.dispose(averaged.weights);
      const [first] = inputs;
      const metadata = {
        task: first.checkpoint.metadata.task,
        stage: module,
        config: first.checkpoint.metadata.config,
        report: { averageOf: inputs.map(({ label, checkpoint: c }) => ({ checkpoint: label, command: c.metadata.command, report: c.metadata.report })) },
        command: `npm run sagr -- ${process.argv.slice(2).join(' ')}`,
      };
      const file = path.join(out, module);
      try {
        await saveCheckpoint([{ name: module, variables, config: averaged.config }], nodeFileHandler(file), metadata);
      } catch (e) {
        throw new UsageError(`--out: cannot write "${file.slice(0, 80)}" (${(e as Error).message.split('\n')[0]})`);
      } finally {
        for (const v of variables.values()) v.dispose();
      }
      log(`average: ${module} of ${dirs.join(', ')} written to ${file}`);
      return { module, checkpoints: dirs, out: file, weights: variables.size };
    } finally {
      for (const { checkpoint } of inputs) tf.dispose(checkpoint.weights);
    }
  },
};

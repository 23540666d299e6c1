// A uniform average of one module's weights over several checkpoints (a "model soup", Wortsman et al. 2022).
// Checkpoints fine-tuned one from another, as the prior's DAgger rounds are, lie close enough in weight space
// that their mean is a working network; it smooths the round-to-round swings of any single round.
import * as tf from '@tensorflow/tfjs';
import { sameShape, showShape, type Checkpoint, type ModuleConfig } from './checkpoint';

export interface LabelledCheckpoint {
  /** Names the checkpoint in errors (its folder). */
  label: string;
  checkpoint: Checkpoint;
}

/**
 * The element-wise mean of `module`'s weights over `inputs`, and the module config they share. Every input must
 * hold the module, built with the same config, with the same weight names and shapes; the first difference is
 * thrown naming the input. The caller disposes the returned tensors (the inputs stay theirs).
 */
export function averageWeights(inputs: readonly LabelledCheckpoint[], module: string): { weights: tf.NamedTensorMap; config: ModuleConfig } {
  if (inputs.length < 2) throw new Error(`averaging needs at least 2 checkpoints, got ${inputs.length}`);
  const [first, ...rest] = inputs;
  const config = first.checkpoint.metadata.modules[module];
  for (const { label, checkpoint } of inputs) {
    const modules = checkpoint.metadata.modules;
    if (!modules[module]) throw new Error(`${label} has no "${module}" module (modules: ${Object.keys(modules).join(', ') || 'none'})`);
    if (JSON.stringify(modules[module]) !== JSON.stringify(config)) throw new Error(`${label}'s ${module} was built with another config than ${first.label}'s`);
  }
  const names = Object.keys(first.checkpoint.weights).filter((n) => n.startsWith(`${module}/`));
  for (const { label, checkpoint } of rest) {
    const theirs = Object.keys(checkpoint.weights).filter((n) => n.startsWith(`${module}/`));
    const missing = names.find((n) => !checkpoint.weights[n]);
    if (missing) throw new Error(`${label} is missing weight "${missing}"`);
    if (theirs.length !== names.length) throw new Error(`${label} has ${theirs.length} ${module} weights, ${first.label} has ${names.length}`);
    for (const n of names) {
      const [a, b] = [first.checkpoint.weights[n].shape, checkpoint.weights[n].shape];
      if (!sameShape(a, b)) throw new Error(`weight "${n}" has shape ${showShape(b)} in ${label}, ${showShape(a)} in ${first.label}`);
    }
  }
  const weights: tf.NamedTensorMap = {};
  for (const n of names) weights[n] = tf.tidy(() => tf.div(tf.addN(inputs.map((i) => i.checkpoint.weights[n])), inputs.length));
  return { weights, config };
}

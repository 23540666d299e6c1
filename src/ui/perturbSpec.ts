// The playground's perturbation buttons as `--perturb` specs, built from the live perturbation parameters of
// the config (whose defaults are the evaluation suites' own), so a button does exactly what the CLI would.
import type { Config } from '../core/config';

export const PERTURB_BUTTONS = ['displace', 'kick', 'bias', 'friction', 'mass'] as const;
export type PerturbButton = (typeof PERTURB_BUTTONS)[number];

/** One-shot perturbations act at the next control step; the others hold until cleared (spec "nominal"). */
export const ONE_SHOT: ReadonlySet<PerturbButton> = new Set(['displace', 'kick']);

export function perturbationSpec(kind: PerturbButton, c: Config): string {
  switch (kind) {
    case 'displace':
      return `displace:dx=${c.displaceDx},dy=${c.displaceDy},dtheta=${c.displaceDtheta}`;
    case 'kick':
      return `kick:impulse=${c.kickImpulse}`;
    case 'bias':
      return `bias:dx=${c.biasDx},dy=${c.biasDy}`;
    case 'friction':
      return `friction:mu=${c.frictionMu}`;
    case 'mass':
      return `mass:com_dx=${c.massComDx}`;
  }
}

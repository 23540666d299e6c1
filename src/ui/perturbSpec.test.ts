import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { SUITES, parsePerturbation } from '../sim/perturbations';
import { PERTURB_BUTTONS, perturbationSpec } from './perturbSpec';

describe('perturbation buttons', () => {
  it('do by default exactly what the evaluation suites do (the displace and kick timing aside: they act now)', () => {
    const c = defaultConfig();
    for (const kind of PERTURB_BUTTONS) {
      const p = parsePerturbation(perturbationSpec(kind, c));
      const { at: _at, ...suite } = SUITES[kind] as Record<string, unknown>;
      const { at: _at2, ...got } = p as Record<string, unknown>;
      expect(got).toEqual(suite);
    }
  });

  it('follow the live perturbation parameters', () => {
    const c = { ...defaultConfig(), kickImpulse: 75, frictionMu: 1.5, displaceDx: -12 };
    expect(parsePerturbation(perturbationSpec('kick', c))).toMatchObject({ kind: 'kick', impulse: 75 });
    expect(parsePerturbation(perturbationSpec('friction', c))).toEqual({ kind: 'friction', mu: 1.5 });
    expect(parsePerturbation(perturbationSpec('displace', c))).toMatchObject({ kind: 'displace', dx: -12 });
  });
});

import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { parsePerturbationSpec, type SuiteTable, type TaskPerturbation } from '../sim/perturbationSpec';
import { PUSH_T_SUITES } from '../sim/perturbations';
import { PUSH_3D_SUITES } from '../sim/push3d/perturbations3d';
import { isOneShotButton, perturbationSpec, perturbButtons } from './perturbSpec';

const withoutAt = ({ at: _at, jitter: _jitter, ...rest }: Record<string, unknown>) => rest;

describe('perturbation buttons', () => {
  it("are each task's suites that apply live, in the suites' order (push-3d adds tilt)", () => {
    expect(perturbButtons('push-t')).toEqual(['displace', 'kick', 'bias', 'offset', 'friction', 'mass']);
    expect(perturbButtons('push-3d')).toEqual(['displace', 'kick', 'bias', 'offset', 'friction', 'mass', 'tilt']);
    expect(perturbButtons('push-3d').filter((k) => isOneShotButton('push-3d', k))).toEqual(['displace', 'kick', 'tilt']);
    expect(() => perturbationSpec('push-t', 'tilt', defaultConfig())).toThrow(`perturb: "tilt" is not one of push-t's live suites (displace, kick, bias, offset, friction, mass)`);
  });

  it('do by default exactly what the evaluation suites do (the one-shots\' timing aside: they act now)', () => {
    const c = defaultConfig();
    const tables: [string, SuiteTable<TaskPerturbation>][] = [['push-t', PUSH_T_SUITES], ['push-3d', PUSH_3D_SUITES]];
    for (const [task, table] of tables) {
      for (const kind of perturbButtons(task)) {
        const p = parsePerturbationSpec(table, perturbationSpec(task, kind, c));
        expect(withoutAt(p as unknown as Record<string, unknown>)).toEqual(withoutAt((table.defaults as Record<string, Record<string, unknown>>)[kind]));
      }
    }
    // A direction the suite leaves open stays open (the engine draws it from the seed).
    expect(perturbationSpec('push-3d', 'tilt', c)).toBe('tilt:angle=0.35');
    expect(perturbationSpec('push-t', 'kick', c)).toBe('kick:impulse=40');
    expect(perturbationSpec('push-t', 'offset', c)).toBe('offset:min=4,max=12');
  });

  it("follow the live perturbation parameters on Push-T, which do not size push-3d's (metres, not px)", () => {
    const c = { ...defaultConfig(), kickImpulse: 75, frictionMu: 1.5, displaceDx: -12 };
    expect(parsePerturbationSpec(PUSH_T_SUITES, perturbationSpec('push-t', 'kick', c))).toMatchObject({ kind: 'kick', impulse: 75 });
    expect(parsePerturbationSpec(PUSH_T_SUITES, perturbationSpec('push-t', 'friction', c))).toEqual({ kind: 'friction', mu: 1.5 });
    expect(parsePerturbationSpec(PUSH_T_SUITES, perturbationSpec('push-t', 'displace', c))).toMatchObject({ kind: 'displace', dx: -12 });
    expect(perturbationSpec('push-3d', 'kick', c)).toBe('kick:impulse=0.3');
  });
});

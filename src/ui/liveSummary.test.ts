// The hook's lane summary reports Δz and the reflex in the task's world units: Push-T pixels (256 per normalised
// unit), push-3d metres (0.3 per normalised unit), so e2e thresholds mean the same thing on either task.
import { describe, expect, it } from 'vitest';
import { laneLayout, laneViews } from '../engine/liveFrame';
import type { LaneFrame } from '../engine/protocol';
import { summariseLane, specOf } from './liveSummary';

function laneWith(numTokens: number, actionDim: number, deltaZ0: [number, number, number], reflex: number[]): LaneFrame {
  const layout = laneLayout(numTokens, actionDim);
  const data = new Float32Array(layout.size);
  const v = laneViews(data, layout);
  v.setScalar('hasPrediction', 1);
  v.setScalar('hasReflex', 1);
  v.deltaZ.set(deltaZ0);
  v.reflex.set(reflex);
  return { policy: 'sagr', label: 'sagr', condition: null, data, trail: new Float32Array(0), series: new Float32Array(0) };
}

describe('summariseLane', () => {
  it('Push-T: Δz and b in pixels', () => {
    const s = summariseLane(laneWith(10, 2, [0.03, -0.04, 0], [0.01, 0]), laneLayout(10, 2), specOf('push-t'));
    expect(s.deltaZ![0]).toEqual([7.68, -10.24, 0]);
    expect(s.deltaZNorm![0]).toBeCloseTo(12.8, 3);
    expect(s.deltaZNorm![1]).toBe(0);
    expect(s.reflex).toEqual([2.56, 0]);
    expect(s.reflexNorm).toBeCloseTo(2.56, 3);
  });

  it('push-3d: Δz and b in metres, not pixels', () => {
    const s = summariseLane(laneWith(14, 3, [0.03, -0.04, 0.12], [0, 0.1, 0]), laneLayout(14, 3), specOf('push-3d'));
    expect(s.deltaZ![0]).toEqual([0.009, -0.012, 0.036]);
    expect(s.deltaZNorm![0]).toBeCloseTo(0.039, 4);
    expect(s.reflex).toEqual([0, 0.03, 0]);
    expect(s.reflexNorm).toBeCloseTo(0.03, 4);
  });
});

// The warning an evaluation gives when a suite's one-shot event cannot land inside the episode.
import { describe, expect, it } from 'vitest';
import { PUSH_T_SUITES } from './perturbations';
import { eventPastEnd } from './perturbationSpec';
import { PUSH_3D_SUITES } from './push3d/perturbations3d';

describe('eventPastEnd', () => {
  const displace = PUSH_T_SUITES.defaults.displace; // at 60, jittered over 16 steps: 60–75

  it("warns that every episode runs as nominal when the event comes after the episode's end (the quick-look hash's 20 steps)", () => {
    expect(eventPastEnd(displace, 20)).toBe(
      "displace: its event comes at control steps 60–75, after the episode's end (episodeLength 20), so every episode runs as nominal; set episodeLength to at least 76",
    );
    expect(eventPastEnd(PUSH_T_SUITES.defaults.kick, 80)).toMatch(/^kick: .*control steps 80–95, after the episode's end \(episodeLength 80\)/);
  });

  it('warns that some episodes miss the event when only the end of its jitter window is cut', () => {
    expect(eventPastEnd(displace, 70)).toBe('displace: its event comes at control steps 60–75, but episodes end at step 70 (episodeLength), so some episodes never see it; set episodeLength to at least 76');
    expect(eventPastEnd(displace, 75)).toMatch(/some episodes never see it/);
  });

  it('says nothing when the event lands in every episode, or the suite has no event', () => {
    expect(eventPastEnd(displace, 76)).toBeNull();
    expect(eventPastEnd(displace, 300)).toBeNull();
    for (const name of ['nominal', 'bias', 'friction', 'mass'] as const) expect(eventPastEnd(PUSH_T_SUITES.defaults[name], 10), name).toBeNull();
  });

  it('handles push-3d events, jittered as Push-T\'s, and names the length key it is given', () => {
    const tilt = { ...PUSH_3D_SUITES.defaults.tilt, jitter: 1 }; // at 60
    expect(eventPastEnd(tilt, 61)).toBeNull();
    expect(eventPastEnd(PUSH_3D_SUITES.defaults.tilt, 75)).toBe("tilt: its event comes at control steps 60–75, but episodes end at step 75 (episodeLength), so some episodes never see it; set episodeLength to at least 76");
    expect(eventPastEnd(tilt, 60, 'liveEpisodeLength')).toBe("tilt: its event comes at control step 60, after the episode's end (liveEpisodeLength 60), so every episode runs as nominal; set liveEpisodeLength to at least 61");
  });
});

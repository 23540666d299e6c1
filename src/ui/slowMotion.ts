// Optional slow motion after an event: when a live frame shows a shove or a perturbation acting while the
// playground runs faster than SLOW_STEPS_PER_SECOND, it slows to that pace for SLOW_MS, so the Δz spike and the
// reflex's answer play out where the eye can follow, then returns to the pace it had (unless the person changed
// the speed meanwhile).
import type { LiveFrame } from '../engine/protocol';
import { eventsOf } from '../engine/liveHistory';
import { CONTROL_HZ } from '../sim/pusht/geometry';
import { controls } from './controls';
import { liveFeed } from './live';
import { layoutOf } from './liveSummary';
import type { AppStore } from './store';

/** A quarter of real time. */
export const SLOW_STEPS_PER_SECOND = CONTROL_HZ / 4;
export const SLOW_MS = 3000;

const hasEvent = (f: LiveFrame) => eventsOf(f.lanes.map((l) => l.data), layoutOf(f)) !== 0;

export function installSlowMotion(store: AppStore): void {
  let restore: { to: number | null; timer: ReturnType<typeof setTimeout> } | null = null;
  liveFeed.subscribe((frame) => {
    if (!store.getState().slowAfterEvent || frame !== liveFeed.live || !frame.running || !hasEvent(frame)) return;
    const pace = frame.stepsPerSecond;
    if (restore) clearTimeout(restore.timer);
    else if (pace !== null && pace <= SLOW_STEPS_PER_SECOND) return;
    const to = restore ? restore.to : pace;
    if (!restore) void controls().setSpeed(SLOW_STEPS_PER_SECOND);
    restore = {
      to,
      timer: setTimeout(() => {
        restore = null;
        // The person chose another speed meanwhile: theirs stands.
        if (liveFeed.live?.stepsPerSecond === SLOW_STEPS_PER_SECOND) void controls().setSpeed(to);
      }, SLOW_MS),
    };
  });
}

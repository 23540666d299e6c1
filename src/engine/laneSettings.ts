// Per-lane overrides of live parameters, so the side-by-side lanes can run the same policy with different
// settings (e.g. n = 4 against n = 16, the long-chunk regime where the reflex matters). A null setting follows
// the config. Ranges come from the config schema; the executed chunk length is also bounded by the horizon.
// Pure (no tfjs): the UI and the worker both use it.
import { parseValue, type Config } from '../core/config';

export const LANE_SETTING_KEYS = ['executeSteps', 'reflexGain'] as const;
export type LaneSettingKey = (typeof LANE_SETTING_KEYS)[number];
export type LaneSettings = { [K in LaneSettingKey]: number | null };

export const followConfig = (): LaneSettings => ({ executeSteps: null, reflexGain: null });

/** The config lane settings `s` run with: each override in place of the config's value. */
export function laneConfig(config: Config, s: LaneSettings): Config {
  return { ...config, executeSteps: s.executeSteps ?? config.executeSteps, reflexGain: s.reflexGain ?? config.reflexGain };
}

/**
 * Validates a change of lane `lane`'s settings (some keys; null clears an override) against the schema and the
 * horizon. Throws a message naming the field, e.g. "lanes[1].executeSteps: 40 is outside [1, 32]".
 */
export function parseLaneSettings(raw: unknown, lane: number, horizon: number): Partial<LaneSettings> {
  const field = (k: string) => `lanes[${lane}].${k}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`lanes[${lane}]: expected an object of ${LANE_SETTING_KEYS.join(', ')}`);
  const out: Partial<LaneSettings> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(LANE_SETTING_KEYS as readonly string[]).includes(k)) throw new Error(`${field(k.slice(0, 40))}: not a lane setting (${LANE_SETTING_KEYS.join(', ')})`);
    const key = k as LaneSettingKey;
    if (v === null) {
      out[key] = null;
      continue;
    }
    // Numbers only: a string would pass the schema's parser, which also reads URL hashes.
    if (typeof v !== 'number') throw new Error(`${field(key)}: expected a number, or null to follow the config, not ${typeof v}`);
    const r = parseValue(key, v);
    if (!r.ok) throw new Error(`${field(key)}: ${r.message}`);
    if (key === 'executeSteps' && v > horizon) throw new Error(`${field(key)}: ${v} exceeds the horizon ${horizon}`);
    out[key] = v;
  }
  return out;
}

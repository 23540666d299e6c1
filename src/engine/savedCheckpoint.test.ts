import { describe, expect, it } from 'vitest';
import { checkSavedName, parseSavedKey, savedKey } from './savedCheckpoint';

describe('saved checkpoint keys', () => {
  it('round-trip task, module and name', () => {
    const key = savedKey('push-t', 'reflex', 'after ppo.v2_a-b');
    expect(key).toBe('sagr/push-t/reflex/after ppo.v2_a-b');
    expect(parseSavedKey(key)).toEqual({ task: 'push-t', module: 'reflex', name: 'after ppo.v2_a-b' });
  });

  it('refuse names and keys that are not ours, naming the field', () => {
    for (const bad of ['', ' lead', 'a/b', 'x'.repeat(65), 'ü', 42, null]) expect(() => checkSavedName(bad)).toThrow(/^name: /);
    expect(parseSavedKey('other/push-t/reflex/x')).toBeNull();
    expect(parseSavedKey('sagr/push-t/actor/x')).toBeNull();
    // The PPO critic is a module like the others.
    expect(parseSavedKey('sagr/push-t/critic/x')).toEqual({ task: 'push-t', module: 'critic', name: 'x' });
    expect(parseSavedKey('sagr/push-t/reflex/a/b')).toBeNull();
    expect(parseSavedKey('sagr/push-t/reflex/')).toBeNull();
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordedPath, shippedCheckpoints } from './learnedPolicy';

/** Every model.json under `dir`. */
function modelFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? modelFiles(p) : name === 'model.json' ? [p] : [];
  });
}

describe('recordedPath', () => {
  it('records a folder inside the repository relative to it, and one outside as an absolute path', () => {
    expect(recordedPath(shippedCheckpoints('push-t'))).toBe(path.join('public', 'checkpoints', 'push-t'));
    expect(recordedPath(path.join(shippedCheckpoints('push-t'), 'prior'))).toBe(path.join('public', 'checkpoints', 'push-t', 'prior'));
    expect(recordedPath(path.join('runs', 'x'))).toBe(path.join('runs', 'x'));
    const outside = path.join(os.tmpdir(), 'sagr-run');
    expect(recordedPath(outside)).toBe(outside);
  });

  it('leaves no absolute path of a training machine in the shipped checkpoints', () => {
    const files = modelFiles(path.dirname(shippedCheckpoints('push-t')));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const meta = JSON.parse(readFileSync(file, 'utf8')).userDefinedMetadata ?? {};
      for (const key of ['from', 'teacher'] as const) if (typeof meta[key] === 'string') expect(path.isAbsolute(meta[key]), `${file}: ${key}`).toBe(false);
    }
  });
});

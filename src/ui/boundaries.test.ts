// The UI thread never runs tfjs: nothing reachable by static import from the page's entry point may import it.
// (The worker is reached through `new URL('./worker.ts', …)`, which is not an import, so it is not followed.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function resolveLocal(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) if (existsSync(candidate) && candidate.match(/\.tsx?$/)) return candidate;
  return null;
}

/** Every package imported (not type-only) by files reachable from `entry`, with the importing file. */
function reachableImports(entry: string): { file: string; spec: string }[] {
  const seen = new Set<string>();
  const out: { file: string; spec: string }[] = [];
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const statement = m[0].trim();
      if (/^(import|export)\s+type\s/.test(statement)) continue;
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const next = resolveLocal(file, spec);
        if (next) stack.push(next);
      } else out.push({ file: path.relative(SRC, file), spec });
    }
  }
  return out;
}

describe('UI thread boundary', () => {
  it('follows imports (sanity: it sees react, three and the engine client)', () => {
    const specs = reachableImports(path.join(SRC, 'main.tsx')).map((i) => i.spec);
    expect(specs).toContain('react-dom/client');
    expect(specs).toContain('three');
    expect(specs).toContain('zustand/vanilla');
  });

  it('imports no tfjs package from the page', () => {
    const tfjs = reachableImports(path.join(SRC, 'main.tsx')).filter((i) => i.spec.startsWith('@tensorflow/'));
    expect(tfjs).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENTRY_POINTS = [
  'shared/policy/index.ts',
  'shared/policy/decide.ts',
  'shared/policy/lead.ts',
  'shared/policy/types.ts',
  'shared/policy/observation-schema.ts',
  'shared/calendar/index.ts',
  'shared/records/tags.ts',
  'shared/records/read-records.ts',
];
/** The only packages the pure modules may use: time zones and schemas, neither of which does I/O. */
const ALLOWED_PACKAGES = new Set(['luxon', 'zod']);
const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;

/** Every file reachable from the pure modules through relative imports, with its bare imports. */
function reachableImports(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = ENTRY_POINTS.map((file) => join(root, file));
  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const bare: string[] = [];
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else bare.push(specifier);
    }
    seen.set(file, bare);
  }
  return seen;
}

describe('pure modules (policy, calendar, records)', () => {
  const files = reachableImports();

  it('reach only luxon and zod, never @aws-sdk, node: modules, process or a logger', () => {
    const offending = [...files].flatMap(([file, bare]) =>
      bare
        .filter((specifier) => !ALLOWED_PACKAGES.has(specifier))
        .map((specifier) => `${relative(root, file)} → ${specifier}`),
    );

    expect(offending).toEqual([]);
  });

  it('never touch process, the clock or a logger in code', () => {
    const offending = [...files.keys()].filter((file) => {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return /\bprocess\.|Date\.now\(|new Date\(\)|console\.|logger\./.test(code);
    });

    expect(offending.map((file) => relative(root, file))).toEqual([]);
  });

  it('walks the imports it checks (the load-config file reader is outside them)', () => {
    const names = [...files.keys()].map((file) => relative(root, file));

    expect(names).toContain('shared/config/schema.ts');
    expect(names).toContain('shared/calendar/data.ts');
    expect(names).not.toContain('shared/config/load-config.ts');
  });
});

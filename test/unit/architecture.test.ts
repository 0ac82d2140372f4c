/**
 * The rooms' rules (docs/architecture.md, "Rooms"), read from the imports themselves so that an arrow
 * pointing the wrong way fails here rather than in a reader's head.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The pure domain: the policy, the calendars, the schedule grid, the reservation types. */
const DOMAIN = ['shared/policy', 'shared/calendar', 'shared/schedule', 'shared/domain'];
/** The use cases: nothing else in shared/ may import them (the wiring in shared/runtime excepted). */
const USE_CASES = ['shared/reconcile', 'shared/tracker', 'shared/on-demand'];

interface SourceFile {
  /** Path from the repository's root, with forward slashes. */
  path: string;
  text: string;
  /** Each import's target: a package name, or a path from the root for relative and `#` imports. */
  imports: string[];
}

function sourceFiles(folder: string): SourceFile[] {
  const found: SourceFile[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        found.push({ path: relative(ROOT, full), text, imports: importsOf(full, text) });
      }
    }
  };
  walk(join(ROOT, folder));
  return found;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;
const ALIASES: Record<string, string> = {
  '#shared/': 'shared/',
  '#functions/': 'functions/',
  '#infra/': 'infra/',
  '#sandbox/': 'sandbox/',
  '#cli/': 'cli/',
};

function importsOf(file: string, text: string): string[] {
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier === undefined) continue;
    if (specifier.startsWith('.')) {
      targets.push(relative(ROOT, resolve(dirname(file), specifier)));
      continue;
    }
    const alias = Object.keys(ALIASES).find((prefix) => specifier.startsWith(prefix));
    targets.push(alias === undefined ? specifier : `${ALIASES[alias]}${specifier.slice(alias.length)}`);
  }
  return targets;
}

function inside(path: string, folders: readonly string[]): boolean {
  return folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/** `file → import` for every import of `files` that `forbidden` refuses. */
function violations(files: readonly SourceFile[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) => file.imports.filter(forbidden).map((target) => `${file.path} → ${target}`));
}

describe('the pure domain', () => {
  const domain = DOMAIN.flatMap(sourceFiles);

  it('is where the architecture says it is', () => {
    expect(domain.map((file) => file.path)).toContain('shared/policy/decide.ts');
  });

  it('imports no AWS SDK, no Powertools, no logger and no node built-in', () => {
    expect(
      violations(
        domain,
        (target) =>
          target.startsWith('@aws-sdk/') ||
          target.startsWith('@smithy/') ||
          target.startsWith('@aws-lambda-powertools/') ||
          target.startsWith('node:') ||
          inside(target, ['shared/logging']),
      ),
    ).toEqual([]);
  });

  it('parses no tag: records reach it typed, read by the EC2 adapter (shared/records)', () => {
    expect(violations(domain, (target) => inside(target, ['shared/records']))).toEqual([]);
    // The config's selectors match the reservation's own tags: the one tag read the policy makes.
    const tagReads = domain.flatMap((file) =>
      file.text
        .split('\n')
        .filter((line) => /\.tags\[|\bTAG\.\w/.test(line) && !/selector\.tags/.test(line))
        .map((line) => `${file.path}: ${line.trim()}`),
    );
    expect(tagReads).toEqual([]);
  });

  it('knows no tag key: the keys live beside the codecs (shared/records/tag-keys.ts)', () => {
    expect(violations(domain, (target) => target === 'shared/records/tag-keys.ts')).toEqual([]);
    // A key spelled out (the service's prefix in quotes), in code or in a comment, is a name the domain should not know.
    const keys = domain.flatMap((file) =>
      file.text
        .split('\n')
        .filter((line) => /['"`]odcr-reclaimer:[\w-]+['"`]/.test(line))
        .map((line) => `${file.path}: ${line.trim()}`),
    );
    expect(keys).toEqual([]);
    expect(sourceFiles('shared/records').map((file) => file.path)).toContain('shared/records/tag-keys.ts');
  });

  it('reads no environment and no clock', () => {
    const reads = domain.filter((file) => /\bprocess\.|\bDate\.now\(|new Date\(\)/.test(file.text));
    expect(reads.map((file) => file.path)).toEqual([]);
  });
});

describe('shared/', () => {
  it('has no module below the use cases that imports one of them', () => {
    const below = sourceFiles('shared').filter(
      (file) => !inside(file.path, USE_CASES) && !inside(file.path, ['shared/runtime']),
    );
    expect(violations(below, (target) => inside(target, USE_CASES))).toEqual([]);
  });

  it('has a reconcile that imports no other use case: the tracker and on-call run it, never the reverse', () => {
    const others = USE_CASES.filter((folder) => folder !== 'shared/reconcile');
    expect(violations(sourceFiles('shared/reconcile'), (target) => inside(target, others))).toEqual([]);
  });

  it('has gateways that import no use case and no wiring', () => {
    expect(
      violations(sourceFiles('shared/gateways'), (target) =>
        inside(target, [...USE_CASES, 'shared/runtime']),
      ),
    ).toEqual([]);
  });
});

describe('the local AWS endpoint', () => {
  it('imports nothing of the service', () => {
    const service = ['shared', 'functions', 'infra', 'sandbox', 'cli'];
    expect(
      violations(sourceFiles('local-aws'), (target) => inside(target, service) || target.startsWith('#')),
    ).toEqual([]);
  });
});

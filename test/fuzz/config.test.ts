/**
 * Hostile policy configs: the loader either returns a config or throws a ConfigError whose
 * every issue names a field; an edit of the example config is reported at the edited field (or, for a name
 * or id that other entries refer to, at the reference it broke). Nothing else ever escapes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { ConfigError, formatPath, parseConfig } from '#shared/config/schema.ts';
import { EXAMPLE_CONFIG_FILE } from '../support/local-service.ts';
import {
  DELETE,
  deeplyNested,
  fuzzParameters,
  hostileValue,
  mutationOf,
  type Path,
  withPath,
} from './support.ts';

const EXAMPLE_TEXT = readFileSync(EXAMPLE_CONFIG_FILE, 'utf8');
const EXAMPLE: unknown = JSON.parse(EXAMPLE_TEXT);
const directory = mkdtempSync(path.join(tmpdir(), 'odcr-config-fuzz-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Issues of a cross-reference check: the edited name or id is fine, what referred to it no longer is. */
const REFERENCE_ISSUE =
  /expected the id or name|expected the name of an azGroup|duplicate|expected both|only AZ group members|expected an AZ of the group|expected floor ≤ ceiling|expected open before close|expected exactly one of id or selector/;

function related(issuePath: string, edited: string): boolean {
  const follows = (longer: string, shorter: string) =>
    longer === shorter || longer.startsWith(`${shorter}.`) || longer.startsWith(`${shorter}[`);
  return issuePath !== '(root)' && (follows(issuePath, edited) || follows(edited, issuePath));
}

/** The loader's contract on any input: a config, or a ConfigError naming a field in each issue. */
function parseOrConfigError(input: unknown): { issues?: ConfigError['issues'] } {
  try {
    parseConfig(input);
    return {};
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.path).not.toBe('');
      expect(issue.message).not.toBe('');
      expect((error as ConfigError).message).toContain(`${issue.path}: `);
    }
    return { issues };
  }
}

describe('policy config loader: hostile configs', () => {
  it('accepts the example config as it stands', () => {
    expect(parseOrConfigError(EXAMPLE).issues).toBeUndefined();
  });

  it('reports an edit of the example config at the edited field', () => {
    fc.assert(
      fc.property(mutationOf(EXAMPLE), (mutation) => {
        const { issues } = parseOrConfigError(withPath(EXAMPLE, mutation.path, mutation.replacement));
        if (issues === undefined || mutation.replacement === DELETE) return;
        const edited = formatPath(mutation.path as Path);
        const named = issues.some(
          (issue) => related(issue.path, edited) || REFERENCE_ISSUE.test(issue.message),
        );
        expect(named, `${edited} edited; issues: ${JSON.stringify(issues)}`).toBe(true);
      }),
      fuzzParameters(400),
    );
  });

  it('rejects anything that is not a config object, naming the root or a field', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileValue, fc.dictionary(fc.string(), hostileValue), fc.constant(deeplyNested(50_000))),
        (input) => {
          expect(parseOrConfigError(input).issues).toBeDefined();
        },
      ),
      fuzzParameters(200),
    );
  });

  it('turns unreadable, truncated, binary or deeply nested files into a ConfigError on the file', () => {
    const file = path.join(directory, 'config.json');
    const texts = fc.oneof(
      fc.nat({ max: EXAMPLE_TEXT.length - 1 }).map((end) => EXAMPLE_TEXT.slice(0, end)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.integer({ min: 1_000, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        writeFileSync(file, text);
        try {
          loadConfigFile(file);
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).issues[0]?.path).not.toBe('');
        }
      }),
      fuzzParameters(100),
    );
    expect(() => loadConfigFile(path.join(directory, 'missing.json'))).toThrow(ConfigError);
  });
});

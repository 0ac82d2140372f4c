/**
 * Shared settings and generators of the fuzz suite. Under CI the budget and the seed are
 * fixed, so a red build replays exactly; locally each run draws a new seed and prints it. Replay any run
 * with `FUZZ_SEED=<seed> npx vitest run test/fuzz`.
 */
import fc from 'fast-check';

const CI_SEED = 20_261_126;

function chooseSeed(): number {
  const fromEnv = process.env['FUZZ_SEED'];
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv);
  if (process.env['CI']) return CI_SEED;
  return Math.floor(Math.random() * 2 ** 31);
}

export const FUZZ_SEED = chooseSeed();
process.stdout.write(`fuzz seed ${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED} npx vitest run test/fuzz)\n`);

/** fast-check parameters for one property: the seed above and a run budget. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns, endOnFailure: true };
}

export type Path = readonly (string | number)[];

/** A nested array this deep: a recursive walker without a depth limit overflows the stack on it. */
export function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { nested: value };
  return value;
}

/** Values an attacker or a broken producer may put anywhere in an event. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withDate: true,
      withNullPrototype: true,
      withSparseArray: true,
      withBoxedValues: true,
    }),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      '',
      ' ',
      '\u0000',
      '\u202e',
      '\ud800',
      '🦄'.repeat(300),
      'ALARM',
      'OK',
      'Scheduled Event',
      'aws.scheduler',
      'aws.events',
      'cr-0123456789abcdef0',
      '2026-03-02T14:00:00Z',
      '2026-02-30T25:61:00Z',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      2 ** 53 + 1,
      null,
      undefined,
      true,
      [],
      {},
      JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map(deeplyNested) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 1_000_000 }).map((length) => 'x'.repeat(length)) },
);

/** Every path of a JSON-like value: objects' keys and arrays' indexes, inner nodes included. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      paths.push([...prefix, index], ...pathsOf(item, [...prefix, index]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      paths.push([...prefix, key], ...pathsOf(item, [...prefix, key]));
    }
  }
  return paths;
}

/** A copy of `value` with the node at `path` replaced (or removed when `replacement` is the DELETE marker). */
export const DELETE = Symbol('delete');
export function withPath(value: unknown, path: Path, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === DELETE) copy.splice(Number(head), 1);
    else copy[Number(head)] = withPath(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === DELETE) delete copy[String(head)];
  else copy[String(head)] = withPath(copy[String(head)], rest, replacement);
  return copy;
}

/** One edit of a valid input: a node replaced by a hostile value, removed, or an unknown field added. */
export interface Mutation {
  path: Path;
  replacement: unknown;
}

export function mutationOf(base: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(base);
  const objectPaths: Path[] = [[], ...paths.filter((path) => isObjectAt(base, path))];
  return fc.oneof(
    fc.record({ path: fc.constantFrom(...paths), replacement: hostileValue }),
    fc.record({ path: fc.constantFrom(...paths), replacement: fc.constant<unknown>(DELETE) }),
    fc.record({
      path: fc
        .tuple(fc.constantFrom(...objectPaths), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }))
        .map(([parent, key]): Path => [...parent, key]),
      replacement: hostileValue,
    }),
  );
}

function isObjectAt(value: unknown, path: Path): boolean {
  let node: unknown = value;
  for (const segment of path) node = (node as Record<string, unknown>)[String(segment)];
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/**
 * Whether a rejection's field names the edit: the field is the edited path, a parent of it (a removed or
 * replaced container is reported on the container), or a child (a replaced object misses a required key).
 */
export function namesTheEdit(field: string, path: Path): boolean {
  if (field === '(root)' || field === '') return false;
  const edited = path.map(String).join('.');
  return field === edited || field.startsWith(`${edited}.`) || edited.startsWith(`${field}.`);
}

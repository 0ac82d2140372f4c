/**
 * EventBridge event-pattern matching, the subset rules in serverless.yml use: every key of the pattern must
 * match the event; a leaf is a list of allowed values (any one matches; an array in the event matches when
 * one of its elements does) or content filters (`prefix`, `suffix`, `anything-but`, `exists`, `numeric`).
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  if (!isRecord(event)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (isRecord(expected)) return matchesEventPattern(expected, actual);
    if (!Array.isArray(expected)) return false;
    return expected.some((matcher) => matchesLeaf(matcher, actual));
  });
}

function matchesLeaf(matcher: unknown, actual: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((element) => matchesLeaf(matcher, element));
  if (!isRecord(matcher)) return matcher === actual || (matcher === null && actual === undefined);
  if ('exists' in matcher) return (actual !== undefined) === Boolean(matcher.exists);
  if (actual === undefined) return false;
  if (typeof matcher.prefix === 'string')
    return typeof actual === 'string' && actual.startsWith(matcher.prefix);
  if (typeof matcher.suffix === 'string')
    return typeof actual === 'string' && actual.endsWith(matcher.suffix);
  if ('anything-but' in matcher) {
    const excluded = matcher['anything-but'];
    if (isRecord(excluded) && typeof excluded.prefix === 'string') {
      return !(typeof actual === 'string' && actual.startsWith(excluded.prefix));
    }
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(actual);
  }
  if (Array.isArray(matcher.numeric))
    return typeof actual === 'number' && matchesNumeric(matcher.numeric, actual);
  return false;
}

function matchesNumeric(conditions: readonly unknown[], value: number): boolean {
  for (let index = 0; index + 1 < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = Number(conditions[index + 1]);
    const holds =
      operator === '<'
        ? value < bound
        : operator === '<='
          ? value <= bound
          : operator === '>'
            ? value > bound
            : operator === '>='
              ? value >= bound
              : operator === '='
                ? value === bound
                : false;
    if (!holds) return false;
  }
  return true;
}

/**
 * EventBridge event patterns, as a rule on the local endpoint matches them: the content filters of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html that a rule is
 * likely to use (exact values, `prefix`, `suffix`, `anything-but`, `exists`, `numeric`, `equals-ignore-case`,
 * `wildcard`), an array of them meaning any. A pattern outside this subset is refused when the rule is put
 * (InvalidEventPatternException), never matched loosely.
 */
import { AwsServiceError } from './errors.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string): AwsServiceError {
  return new AwsServiceError(
    'InvalidEventPatternException',
    `Event pattern is not valid. Reason: ${message}`,
  );
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'numeric',
  'equals-ignore-case',
  'wildcard',
]);

/** Parses and checks a pattern (the rule's EventPattern text); throws InvalidEventPatternException. */
export function parseEventPattern(text: string): Json {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw invalid('the pattern is not JSON');
  }
  if (!isObject(pattern)) throw invalid('the pattern must be a JSON object');
  check(pattern, '');
  return pattern;
}

function check(pattern: Json, where: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const at = where === '' ? key : `${where}.${key}`;
    if (isObject(value)) {
      check(value, at);
      continue;
    }
    if (!Array.isArray(value)) throw invalid(`match value of ${at} must be an array or an object`);
    for (const item of value) {
      if (!isObject(item)) continue;
      const [operator, ...others] = Object.keys(item);
      if (operator === undefined || others.length > 0 || !OPERATORS.has(operator)) {
        throw invalid(`${at}: unsupported filter ${JSON.stringify(item)}`);
      }
    }
  }
}

function wildcardMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 's');
  return regex.test(value);
}

function numericHolds(conditions: readonly unknown[], value: number): boolean {
  for (let index = 0; index + 1 < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = Number(conditions[index + 1]);
    const holds =
      operator === '='
        ? value === bound
        : operator === '<'
          ? value < bound
          : operator === '<='
            ? value <= bound
            : operator === '>'
              ? value > bound
              : operator === '>='
                ? value >= bound
                : false;
    if (!holds) return false;
  }
  return true;
}

/** One leaf filter against one (present) value. */
function filterMatches(filter: unknown, value: unknown): boolean {
  if (!isObject(filter)) return filter === value;
  const [operator] = Object.keys(filter);
  const operand = filter[operator ?? ''];
  const text = typeof value === 'string' ? value : undefined;
  switch (operator) {
    case 'prefix':
      return text !== undefined && typeof operand === 'string' && text.startsWith(operand);
    case 'suffix':
      return text !== undefined && typeof operand === 'string' && text.endsWith(operand);
    case 'equals-ignore-case':
      return (
        text !== undefined && typeof operand === 'string' && text.toLowerCase() === operand.toLowerCase()
      );
    case 'wildcard':
      return text !== undefined && typeof operand === 'string' && wildcardMatches(operand, text);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && numericHolds(operand, value);
    case 'anything-but': {
      if (isObject(operand)) return !filterMatches(operand, value);
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.includes(value);
    }
    default:
      return false;
  }
}

/** Whether an event (its envelope: source, detail-type, account, region, resources, detail) matches. */
export function matchesEventPattern(pattern: Json, event: Json): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = event[key];
    if (isObject(expected)) {
      if (!isObject(actual) || !matchesEventPattern(expected, actual)) return false;
      continue;
    }
    const filters = expected as unknown[];
    const existence = filters.find(
      (filter): filter is Json => isObject(filter) && Object.keys(filter)[0] === 'exists',
    );
    if (existence !== undefined) {
      if ((actual !== undefined) !== (existence.exists === true)) return false;
      if (filters.length === 1) continue;
    }
    if (actual === undefined) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    if (!filters.some((filter) => values.some((value) => filterMatches(filter, value)))) return false;
  }
  return true;
}

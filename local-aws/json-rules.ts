/**
 * Shared reading of the JSON protocols' request rules (CloudWatch, EventBridge): each action's input is a zod
 * schema holding the limits of its API reference page, and a failed parse becomes the error AWS answers. Model
 * constraints (lengths, ranges, enumerations, patterns, list sizes) fail as AWS's request validation does:
 * "1 validation error detected: Value 'x' at 'maxRecords' failed to satisfy constraint: Member must have value
 * less than or equal to 100". A rule a schema states with `custom(code, message)` answers that code instead.
 */
import { z } from 'zod';
import { AwsServiceError } from './errors.ts';

/** Marks a refinement's issue with the error code AWS answers it with (e.g. InvalidParameterCombination). */
export interface RuleIssueParams {
  code: string;
}

export function ruleIssue(
  code: string,
  message: string,
  path: PropertyKey[] = [],
): { code: 'custom'; message: string; path: PropertyKey[]; params: RuleIssueParams } {
  return { code: 'custom', message, path, params: { code } };
}

/** A timestamp on the JSON wire: epoch seconds (what the SDKs send) or ISO 8601 text. */
export const timestamp = z
  .union([z.number().refine(Number.isFinite), z.iso.datetime({ offset: true })])
  .transform((value) => (typeof value === 'number' ? value * 1000 : Date.parse(value)));

/** `maxRecords`, `metricData.1.member.dimensions`: the path as AWS's validation message names it. */
export function memberPath(path: readonly PropertyKey[]): string {
  return path
    .map((part) => {
      if (typeof part === 'number') return `${part + 1}.member`;
      const name = String(part);
      return name.charAt(0).toLowerCase() + name.slice(1);
    })
    .join('.');
}

/** `MetricData.member.1.MetricName`: the path as the query protocol names a parameter. */
export function queryPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `member.${part + 1}` : String(part))).join('.');
}

function shown(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return value.length > 64 ? `${value.slice(0, 64)}...` : value;
  return JSON.stringify(value)?.slice(0, 64) ?? String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function constraintOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length less than or equal to ${String(issue.maximum)}`
        : `Member must have value less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length greater than or equal to ${String(issue.minimum)}`
        : `Member must have value greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `Member must satisfy regular expression pattern: ${String(issue.pattern).replace(/^\/\^?|\$?\/[a-z]*$/g, '')}`
        : `Member must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

export interface JsonErrorCodes {
  /** A required member is absent (its path in the request). */
  missing: (path: readonly PropertyKey[]) => AwsServiceError;
  /** A member of the wrong JSON type. */
  mistyped: (path: readonly PropertyKey[], message: string) => AwsServiceError;
  /** A model constraint: AWS's request validation. */
  validation: (message: string) => AwsServiceError;
}

function isConstraint(issue: z.core.$ZodIssue): boolean {
  return (
    issue.code === 'too_big' ||
    issue.code === 'too_small' ||
    issue.code === 'invalid_value' ||
    issue.code === 'invalid_format'
  );
}

/** Parses `input` with `schema`, or throws the AWS error of its issues (rule codes first, then as `codes`). */
export function parseJsonRequest<T extends z.ZodType>(
  schema: T,
  input: unknown,
  codes: JsonErrorCodes,
): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  for (const issue of issues) {
    if (issue.code === 'custom' && issue.params !== undefined && 'code' in issue.params) {
      throw new AwsServiceError(String((issue.params as RuleIssueParams).code), issue.message);
    }
  }
  const constraints = issues.filter(isConstraint);
  if (constraints.length > 0) {
    const parts = constraints.map(
      (issue) =>
        `Value '${shown(valueAt(input, issue.path))}' at '${memberPath(issue.path)}' failed to satisfy constraint: ${constraintOf(issue)}`,
    );
    const count = parts.length === 1 ? '1 validation error' : `${parts.length} validation errors`;
    throw codes.validation(`${count} detected: ${parts.join('; ')}`);
  }
  const first = issues[0]!;
  if (valueAt(input, first.path) === undefined) throw codes.missing(first.path);
  throw codes.mistyped(first.path, first.message);
}

/**
 * IAM identity-policy evaluation for the local endpoint: the subset of the policy language the service's
 * roles can use, evaluated the way IAM does (explicit Deny wins, then any Allow, else an implicit deny), one
 * resource at a time. Condition semantics follow the IAM policy reference:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * A policy using an operator or element outside this subset is refused when loaded, never silently allowed.
 */

export type PolicyValue = string | readonly string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: PolicyValue;
  NotAction?: PolicyValue;
  Resource?: PolicyValue;
  NotResource?: PolicyValue;
  /** Operator → context key → the value or values (strings, numbers and booleans as IAM accepts them). */
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | readonly PolicyStatement[];
}

/** Context keys of one request on one resource; a multi-valued key (aws:TagKeys) is a list. */
export type RequestContext = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One action on one resource, as IAM authorizes it. */
export interface AuthorizationCheck {
  /** `service:Action`, e.g. `ec2:CreateTags`. */
  action: string;
  /** The resource's ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  context: RequestContext;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; reason: 'explicit-deny' | 'implicit-deny'; check: AuthorizationCheck; sid?: string };

export class PolicyDocumentError extends Error {
  override readonly name = 'PolicyDocumentError';
}

const STRING_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
] as const;
const ARN_OPERATORS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'] as const;
const NUMERIC_OPERATORS = [
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
] as const;
const OTHER_OPERATORS = ['Bool', 'Null'] as const;

type BaseOperator =
  | (typeof STRING_OPERATORS)[number]
  | (typeof ARN_OPERATORS)[number]
  | (typeof NUMERIC_OPERATORS)[number]
  | (typeof OTHER_OPERATORS)[number];

const BASE_OPERATORS: ReadonlySet<string> = new Set([
  ...STRING_OPERATORS,
  ...ARN_OPERATORS,
  ...NUMERIC_OPERATORS,
  ...OTHER_OPERATORS,
]);

/** Operators whose single-valued form is true when the key is missing (IAM's negated matching). */
const NEGATED: ReadonlySet<BaseOperator> = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
  'NumericNotEquals',
]);

interface ParsedOperator {
  set?: 'ForAllValues' | 'ForAnyValue';
  base: BaseOperator;
  ifExists: boolean;
}

export function parseOperator(text: string): ParsedOperator {
  let rest = text;
  let set: ParsedOperator['set'];
  for (const prefix of ['ForAllValues', 'ForAnyValue'] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  if (!BASE_OPERATORS.has(rest) || (rest === 'Null' && (ifExists || set !== undefined))) {
    throw new PolicyDocumentError(`unsupported condition operator ${text}`);
  }
  return { ...(set === undefined ? {} : { set }), base: rest as BaseOperator, ifExists };
}

const asList = (value: PolicyValue | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** IAM's `*` (any run) and `?` (one character) wildcards, anchored. */
function wildcard(pattern: string, flags = ''): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, `s${flags}`);
}

const patternCache = new Map<string, RegExp>();

function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}\u0000${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    regex = wildcard(pattern, ignoreCase ? 'i' : '');
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

/** ARN matching compares the six `:`-separated parts; the last (resource) part may itself hold colons. */
function arnMatches(pattern: string, arn: string, like: boolean): boolean {
  const split = (text: string): string[] => {
    const parts = text.split(':');
    return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const patternParts = split(pattern);
  const arnParts = split(arn);
  if (patternParts.length !== 6 || arnParts.length !== 6) return like && matchesWildcard(pattern, arn);
  return patternParts.every((part, index) =>
    like ? matchesWildcard(part, arnParts[index] ?? '') : part === arnParts[index],
  );
}

function policyValues(raw: unknown, where: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new PolicyDocumentError(`${where}: condition values must be strings, numbers or booleans`);
  });
}

/** One context value against the policy's values, positive form (any policy value matches). */
function matchesOne(base: BaseOperator, value: string, expected: readonly string[]): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return expected.includes(value);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return expected.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
    case 'StringLike':
    case 'StringNotLike':
      return expected.some((candidate) => matchesWildcard(candidate, value));
    case 'ArnEquals':
    case 'ArnNotEquals':
      return expected.some((candidate) => arnMatches(candidate, value, false));
    case 'ArnLike':
    case 'ArnNotLike':
      return expected.some((candidate) => arnMatches(candidate, value, true));
    case 'Bool':
      return expected.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals': {
      const number = Number(value);
      if (!Number.isFinite(number)) return false;
      return expected.some((candidate) => {
        const bound = Number(candidate);
        switch (base) {
          case 'NumericEquals':
          case 'NumericNotEquals':
            return number === bound;
          case 'NumericLessThan':
            return number < bound;
          case 'NumericLessThanEquals':
            return number <= bound;
          case 'NumericGreaterThan':
            return number > bound;
          default:
            return number >= bound;
        }
      });
    }
    case 'Null':
      return false;
  }
}

/** The single-valued operator on one value: negated operators hold when no policy value matches. */
function holdsFor(base: BaseOperator, value: string, expected: readonly string[]): boolean {
  const matched = matchesOne(base, value, expected);
  return NEGATED.has(base) ? !matched : matched;
}

/** Context keys are case-insensitive in IAM; so is the lookup here. */
function contextValue(context: RequestContext, key: string): readonly string[] | undefined {
  let found = context[key];
  if (found === undefined) {
    const lower = key.toLowerCase();
    for (const [name, value] of Object.entries(context)) {
      if (name.toLowerCase() === lower) {
        found = value;
        break;
      }
    }
  }
  if (found === undefined) return undefined;
  return typeof found === 'string' ? [found] : found;
}

function conditionHolds(operatorText: string, key: string, raw: unknown, context: RequestContext): boolean {
  const operator = parseOperator(operatorText);
  const expected = policyValues(raw, `${operatorText} ${key}`);
  const values = contextValue(context, key);
  const present = values !== undefined && values.length > 0;
  if (operator.base === 'Null') {
    // `Null: true` asks for the key to be absent; an empty list (DeleteTags without keys) counts as absent.
    return expected.some((candidate) => (candidate.toLowerCase() === 'true' ? !present : present));
  }
  if (operator.set === 'ForAllValues') {
    if (!present) return true;
    return values.every((value) => holdsFor(operator.base, value, expected));
  }
  if (operator.set === 'ForAnyValue') {
    if (!present) return false;
    return values.some((value) => holdsFor(operator.base, value, expected));
  }
  if (!present) return operator.ifExists || NEGATED.has(operator.base);
  // A multi-valued key under a plain operator: positive forms need one match, negated forms need none.
  if (NEGATED.has(operator.base)) return values.every((value) => holdsFor(operator.base, value, expected));
  return values.some((value) => holdsFor(operator.base, value, expected));
}

function statementApplies(statement: PolicyStatement, check: AuthorizationCheck): boolean {
  const actionMatches = (patterns: readonly string[]): boolean =>
    patterns.some((pattern) => matchesWildcard(pattern, check.action, true));
  if (statement.Action !== undefined && !actionMatches(asList(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(asList(statement.NotAction))) return false;
  const resourceMatches = (patterns: readonly string[]): boolean =>
    patterns.some((pattern) => pattern === '*' || matchesWildcard(pattern, check.resource));
  if (statement.Resource !== undefined && !resourceMatches(asList(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceMatches(asList(statement.NotResource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, raw] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, raw, check.context)) return false;
    }
  }
  return true;
}

export function statementsOf(policies: readonly PolicyDocument[]): PolicyStatement[] {
  return policies.flatMap((policy) => {
    const statement = policy.Statement;
    return Array.isArray(statement) ? [...statement] : [statement as PolicyStatement];
  });
}

/**
 * Refuses what the evaluator cannot evaluate faithfully (unknown operators, elements, values that are not
 * text), naming the statement, so a role that would need more of IAM fails loudly when loaded.
 */
export function validatePolicies(policies: readonly PolicyDocument[], owner: string): void {
  for (const [index, statement] of statementsOf(policies).entries()) {
    const where = `${owner}: statement ${statement.Sid ?? index}`;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new PolicyDocumentError(`${where}: Effect must be Allow or Deny`);
    }
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      throw new PolicyDocumentError(`${where}: give exactly one of Action and NotAction`);
    }
    if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
      throw new PolicyDocumentError(`${where}: give exactly one of Resource and NotResource`);
    }
    for (const element of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      const value: unknown = statement[element];
      const list = typeof value === 'string' ? [value] : value;
      if (value !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) {
        throw new PolicyDocumentError(`${where}: ${element} holds something other than text (unresolved?)`);
      }
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      try {
        parseOperator(operator);
      } catch (error: unknown) {
        throw new PolicyDocumentError(`${where}: ${(error as Error).message}`);
      }
      for (const [key, raw] of Object.entries(keys)) policyValues(raw, `${where}: ${operator} ${key}`);
    }
  }
}

/** IAM's decision for one check: an explicit Deny wins, then any Allow; nothing matching is a deny. */
export function evaluate(statements: readonly PolicyStatement[], check: AuthorizationCheck): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!statementApplies(statement, check)) continue;
    if (statement.Effect === 'Deny') {
      return {
        allowed: false,
        reason: 'explicit-deny',
        check,
        ...(statement.Sid === undefined ? {} : { sid: statement.Sid }),
      };
    }
    allowed = true;
  }
  return allowed ? { allowed: true } : { allowed: false, reason: 'implicit-deny', check };
}

/** A request is allowed only when every one of its checks is. */
export function evaluateAll(
  statements: readonly PolicyStatement[],
  checks: readonly AuthorizationCheck[],
): Decision {
  for (const check of checks) {
    const decision = evaluate(statements, check);
    if (!decision.allowed) return decision;
  }
  return { allowed: true };
}

/**
 * IAM identity-policy evaluation for the local endpoint: the subset of the policy language the service's
 * roles can use, evaluated the way IAM does (explicit Deny wins, then any Allow, else an implicit deny), one
 * resource at a time. Condition semantics follow the IAM policy reference:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * A policy using an operator or element outside this subset is refused when loaded, never silently allowed.
 * Policy variables (`${aws:PrincipalAccount}` ...) are substituted from the request's context in Resource and
 * in string and ARN condition values, as IAM does in a `2012-10-17` policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html); a variable the
 * evaluator does not know is refused when loaded, and one without a value in the request fails closed.
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

/** A condition whose values hold a policy variable the request has no value for: it fails closed. */
const UNRESOLVED = 'unresolved' as const;
type Outcome = boolean | typeof UNRESOLVED;

function conditionHolds(operatorText: string, key: string, raw: unknown, context: RequestContext): Outcome {
  const operator = parseOperator(operatorText);
  const written = policyValues(raw, `${operatorText} ${key}`);
  const like =
    operator.base === 'StringLike' ||
    operator.base === 'StringNotLike' ||
    operator.base === 'ArnLike' ||
    operator.base === 'ArnNotLike';
  const expected: string[] = [];
  for (const value of written) {
    const resolved = substitute(value, context, like);
    if (resolved === undefined) return UNRESOLVED;
    expected.push(resolved);
  }
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

// ---------------------------------------------------------------- policy variables

const VARIABLE = /\$\{([^}]*)\}/g;
/** The single-valued keys a request here carries, usable as variables (IAM: "Request information that you can use for policy variables"). */
const VARIABLE_KEYS: ReadonlySet<string> = new Set([
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:requestedregion',
  'aws:userid',
  'aws:sourceaccount',
  'aws:sourcearn',
]);
const VARIABLE_KEY_PREFIXES = ['aws:resourcetag/', 'aws:requesttag/'];
/** `${*}`, `${?}` and `${$}` stand for the character itself. */
const SPECIAL_CHARACTERS: ReadonlySet<string> = new Set(['*', '?', '$']);

interface ParsedVariable {
  key: string;
  fallback?: string;
}

/** `aws:PrincipalAccount` or `aws:PrincipalTag/team, 'none'` (a default in single quotes after a comma). */
function parseVariable(body: string): ParsedVariable | undefined {
  const match = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(body);
  if (!match?.[1]) return undefined;
  return { key: match[1], ...(match[2] === undefined ? {} : { fallback: match[2] }) };
}

function knownVariable(body: string): boolean {
  if (SPECIAL_CHARACTERS.has(body)) return true;
  const parsed = parseVariable(body);
  if (!parsed) return false;
  const key = parsed.key.toLowerCase();
  return (
    VARIABLE_KEYS.has(key) ||
    VARIABLE_KEY_PREFIXES.some((prefix) => key.startsWith(prefix) && key.length > prefix.length)
  );
}

/** Every variable of a policy value that the evaluator would not know how to substitute. */
function unknownVariables(value: string): string[] {
  return [...value.matchAll(VARIABLE)].map((match) => match[1] ?? '').filter((body) => !knownVariable(body));
}

/**
 * A policy value with its variables replaced from the request, or undefined when one has no single value
 * there (absent, or a list) and no default. In a `Like` pattern a substituted `*` or `?` would widen the
 * match, so such a value also counts as unresolved; `${*}` and `${?}` are the literal characters, which
 * the wildcard matching here cannot tell from wildcards, so they are refused when loaded in a Like operator
 * and treated as unresolved here.
 */
function substitute(value: string, context: RequestContext, like: boolean): string | undefined {
  if (!value.includes('${')) return value;
  let unresolved = false;
  const text = value.replace(VARIABLE, (_whole, body: string) => {
    if (body === '$') return '$';
    if (SPECIAL_CHARACTERS.has(body)) {
      if (like) unresolved = true;
      return body;
    }
    const parsed = parseVariable(body);
    if (!parsed || !knownVariable(body)) {
      unresolved = true;
      return '';
    }
    const found = contextValue(context, parsed.key);
    const single = found !== undefined && found.length === 1 ? found[0] : undefined;
    const resolved = single ?? parsed.fallback;
    if (resolved === undefined || (like && /[*?]/.test(resolved))) {
      unresolved = true;
      return '';
    }
    return resolved;
  });
  return unresolved ? undefined : text;
}

/**
 * Whether a statement applies to a check. Something the request cannot resolve (a policy variable without a
 * value) fails closed: an Allow does not apply, a Deny does.
 */
function statementApplies(statement: PolicyStatement, check: AuthorizationCheck): boolean {
  const unresolved = statement.Effect === 'Deny';
  const actionMatches = (patterns: readonly string[]): boolean =>
    patterns.some((pattern) => matchesWildcard(pattern, check.action, true));
  if (statement.Action !== undefined && !actionMatches(asList(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(asList(statement.NotAction))) return false;
  const resourceMatches = (patterns: readonly string[]): Outcome => {
    let outcome: Outcome = false;
    for (const written of patterns) {
      const pattern = substitute(written, check.context, true);
      if (pattern === undefined) outcome = UNRESOLVED;
      else if (pattern === '*' || matchesWildcard(pattern, check.resource)) return true;
    }
    return outcome;
  };
  if (statement.Resource !== undefined) {
    const matched = resourceMatches(asList(statement.Resource));
    if (matched === UNRESOLVED ? !unresolved : !matched) return false;
  }
  if (statement.NotResource !== undefined) {
    const matched = resourceMatches(asList(statement.NotResource));
    if (matched === UNRESOLVED ? !unresolved : matched) return false;
  }
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, raw] of Object.entries(keys)) {
      const holds = conditionHolds(operator, key, raw, check.context);
      if (holds === UNRESOLVED ? !unresolved : !holds) return false;
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
  for (const policy of policies) validateVariables(policy, owner);
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

/**
 * Policy variables are IAM's only in a `2012-10-17` policy (older versions read `${...}` as text, which would
 * match literally here: refused instead), only in Resource and string or ARN conditions, and only the ones
 * the evaluator knows how to substitute.
 */
function validateVariables(policy: PolicyDocument, owner: string): void {
  const statements = statementsOf([policy]);
  for (const [index, statement] of statements.entries()) {
    const where = `${owner}: statement ${statement.Sid ?? index}`;
    const places: Array<[string, string[], boolean]> = [];
    for (const element of ['Resource', 'NotResource'] as const) {
      const value: unknown = statement[element];
      const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
      places.push([element, list.filter((item): item is string => typeof item === 'string'), true]);
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      for (const [key, raw] of Object.entries(keys)) {
        const list = (Array.isArray(raw) ? raw : [raw]).filter(
          (item): item is string => typeof item === 'string',
        );
        let base = '';
        try {
          base = parseOperator(operator).base;
        } catch {
          // The operator itself is refused by the caller with its own message.
        }
        const stringLike = /^(String|Arn)/.test(base);
        const like = /Like$/.test(base);
        if (!stringLike && list.some((item) => item.includes('${'))) {
          throw new PolicyDocumentError(
            `${where}: ${operator} ${key}: policy variables are only served in string and ARN conditions`,
          );
        }
        places.push([`${operator} ${key}`, list, like]);
      }
    }
    for (const [place, values, like] of places) {
      if (!values.some((value) => value.includes('${'))) continue;
      if (policy.Version !== '2012-10-17') {
        throw new PolicyDocumentError(`${where}: ${place}: policy variables need Version 2012-10-17`);
      }
      for (const value of values) {
        const unknown = unknownVariables(value);
        if (unknown.length > 0) {
          throw new PolicyDocumentError(`${where}: ${place}: unknown policy variable \${${unknown[0]}}`);
        }
        if (like && /\$\{[*?]\}/.test(value)) {
          throw new PolicyDocumentError(`${where}: ${place}: \${*} and \${?} are not served in a Like match`);
        }
      }
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

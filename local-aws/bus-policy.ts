/**
 * Event bus resource policies: the document a bus holds (PutPermission's statement form adds to it, its
 * `Policy` form replaces it) and how EventBridge reads it. A statement applies to a request when its
 * Principal names the requester (`*`, the requester's account by id or root ARN, or its role), and is then
 * evaluated as an identity statement is (iam-policy.ts).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html
 */
import {
  type AuthorizationCheck,
  type Decision,
  evaluate,
  PolicyDocumentError,
  type PolicyStatement,
  type PolicyValue,
  validatePolicies,
} from './iam-policy.ts';

export type BusPrincipal = '*' | { AWS: PolicyValue };

export interface BusPolicyStatement extends PolicyStatement {
  Principal: BusPrincipal;
}

export interface BusPolicy {
  Version: string;
  Statement: BusPolicyStatement[];
}

/** Who asks a bus: an account (a rule delivering from it) or one of its IAM principals. */
export interface BusRequester {
  accountId: string;
  /** The role's ARN (a session's role too); an account's root for a rule's delivery. */
  principalArn: string;
  /** An assumed-role session's own ARN. */
  arn?: string;
}

const ACCOUNT = /^\d{12}$/;
const PRINCIPAL_ARN =
  /^arn:aws[\w-]*:(iam|sts)::\d{12}:(root|role\/[^*?]+|user\/[^*?]+|assumed-role\/[^*?]+)$/;

const asList = (value: PolicyValue): readonly string[] => (typeof value === 'string' ? [value] : value);

/**
 * Reads a bus policy document (PutPermission's `Policy`), refusing what the endpoint would not evaluate as
 * EventBridge does: a statement without Principal, NotPrincipal, a principal that is not `*`, an account or an
 * IAM ARN (service principals are not modelled), and whatever the identity evaluator refuses.
 */
export function readBusPolicy(document: unknown): BusPolicy {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PolicyDocumentError('the policy must be a JSON object');
  }
  const { Version, Statement } = document as Record<string, unknown>;
  const list = Array.isArray(Statement) ? Statement : Statement === undefined ? [] : [Statement];
  if (list.length === 0) throw new PolicyDocumentError('the policy has no Statement');
  const statements = list.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new PolicyDocumentError(`statement ${index} is not an object`);
    }
    const statement = raw as Record<string, unknown>;
    const at = `statement ${String(statement.Sid ?? index)}`;
    if ('NotPrincipal' in statement) throw new PolicyDocumentError(`${at}: NotPrincipal is not served`);
    const principal = statement.Principal;
    if (principal === undefined)
      throw new PolicyDocumentError(`${at}: a bus policy statement needs a Principal`);
    if (principal !== '*') {
      const aws =
        typeof principal === 'object' && principal !== null && !Array.isArray(principal)
          ? (principal as Record<string, unknown>)
          : undefined;
      if (aws === undefined || Object.keys(aws).some((key) => key !== 'AWS') || aws.AWS === undefined) {
        throw new PolicyDocumentError(`${at}: Principal must be "*" or {"AWS": ...}`);
      }
      const values = Array.isArray(aws.AWS) ? aws.AWS : [aws.AWS];
      for (const value of values) {
        if (
          typeof value !== 'string' ||
          !(value === '*' || ACCOUNT.test(value) || PRINCIPAL_ARN.test(value))
        ) {
          throw new PolicyDocumentError(`${at}: ${String(value)} is not an account id or a principal ARN`);
        }
      }
    }
    return statement as unknown as BusPolicyStatement;
  });
  const policy: BusPolicy = {
    Version: typeof Version === 'string' ? Version : '2012-10-17',
    Statement: statements,
  };
  validatePolicies(
    [{ ...(typeof Version === 'string' ? { Version } : {}), Statement: statements }],
    'Policy',
  );
  return policy;
}

/** Whether a statement's Principal names the requester. */
export function namesRequester(principal: BusPrincipal, requester: BusRequester): boolean {
  if (principal === '*') return true;
  return asList(principal.AWS).some(
    (value) =>
      value === '*' ||
      value === requester.accountId ||
      value === `arn:aws:iam::${requester.accountId}:root` ||
      value === requester.principalArn ||
      value === requester.arn,
  );
}

/** The bus policy's decision on one check: the statements naming the requester, IAM's way (Deny wins). */
export function evaluateBusPolicy(
  policy: BusPolicy | undefined,
  requester: BusRequester,
  check: AuthorizationCheck,
): Decision {
  const statements = (policy?.Statement ?? []).filter((statement) =>
    namesRequester(statement.Principal, requester),
  );
  return evaluate(statements, check);
}

/** The event bus ARN's parts, or undefined for a name. */
export function parseBusArn(nameOrArn: string | undefined): { account: string; name: string } | undefined {
  const match = /^arn:aws[\w-]*:events:[a-z0-9-]+:(\d{12}):event-bus\/([/.\-_A-Za-z0-9]+)$/.exec(
    nameOrArn ?? '',
  );
  return match ? { account: match[1] ?? '', name: match[2] ?? 'default' } : undefined;
}

/** The string values a rule's event pattern names for a field (`source`, `detail-type`): what IAM sees of it. */
export function patternValues(pattern: string | undefined, field: string): string[] {
  if (pattern === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(pattern);
    const value =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
    return Array.isArray(value)
      ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
      : [];
  } catch {
    return [];
  }
}

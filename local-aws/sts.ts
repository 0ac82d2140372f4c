/**
 * STS over the awsQuery protocol (form body `Action=AssumeRole&Version=2011-06-15&...`, XML answers,
 * `<ErrorResponse>` errors), as @aws-sdk/client-sts sends it: AssumeRole and GetCallerIdentity, the roles that
 * may be assumed (declared through the admin API: `POST /_local/roles`, a seed's `roles`) and the sessions
 * issued. A session's credentials belong to the role's account: every request signed with them is served
 * from that account's state and, with IAM enforced, authorized by the role's policies.
 *
 * API reference: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html,
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html, errors:
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html. Trust policies are evaluated as
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * describes: the role's trust policy must allow the caller (its Principal and conditions, including
 * `sts:ExternalId`), and with IAM enforced the caller's own policies must allow `sts:AssumeRole` on the role.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AwsServiceError } from './errors.ts';
import {
  evaluate,
  type PolicyDocument,
  PolicyDocumentError,
  type PolicyStatement,
  type PolicyValue,
  statementsOf,
  validatePolicies,
} from './iam-policy.ts';
import { type JsonErrorCodes, memberPath, parseJsonRequest } from './json-rules.ts';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_DURATION_SECONDS = 3600;
/** "Role chaining limits your ... role session to a maximum of one hour" (API_AssumeRole.html, DurationSeconds). */
const CHAINED_MAX_SECONDS = 3600;

/** Who sent a request: the account it is served in and what IAM knows of the principal. */
export interface Caller {
  accountId: string;
  /** `aws:PrincipalArn`: the role's ARN (for a session too), or the account root's. */
  principalArn: string;
  /** What GetCallerIdentity answers: the assumed-role session's ARN, or the root's. */
  arn: string;
  userId: string;
  /** The role's name, for the call log. */
  name?: string;
  /** The principal's identity policies; absent for the anonymous caller of a permissive endpoint. */
  statements?: readonly PolicyStatement[];
  /** A session STS issued (its own AssumeRole calls are role chaining). */
  session?: boolean;
}

/** A role as the admin API declares it (`POST /_local/roles`, a seed's `roles`). */
export interface SeedRole {
  accountId: string;
  name: string;
  /** The trust policy (AssumeRolePolicyDocument), with Principal. */
  trustPolicy?: Record<string, unknown>;
  /** The spoke template's terms: principals (ARNs, ARN patterns with `*`, or account ids) ... */
  trustedPrincipals?: string[];
  /** ... and the external id they must pass. */
  externalId?: string;
  /** The identity policies of the role's sessions. */
  policies?: Record<string, unknown>[];
  /** 3600 (the default) to 43200 seconds. */
  maxSessionDuration?: number;
}

export interface RoleView {
  accountId: string;
  name: string;
  arn: string;
  maxSessionDuration: number;
  trustStatements: number;
  statements: number;
}

interface TrustStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: '*' | Record<string, PolicyValue>;
  Action?: PolicyValue;
  NotAction?: PolicyValue;
  Condition?: Record<string, Record<string, unknown>>;
}

interface Role {
  accountId: string;
  name: string;
  arn: string;
  roleId: string;
  maxSessionDuration: number;
  trust: TrustStatement[];
  statements: PolicyStatement[];
}

interface Session {
  accessKeyId: string;
  sessionToken: string;
  role: Role;
  sessionName: string;
  expirationMs: number;
}

const asList = (value: PolicyValue | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

function digest(text: string, length: number, alphabet: 'hex' | 'upper' | 'base64'): string {
  let out = '';
  for (let round = 0; out.length < length; round++) {
    const hash = createHash('sha256').update(`${text}\u0000${round}`);
    out += alphabet === 'base64' ? hash.digest('base64').replace(/=+$/, '') : hash.digest('hex');
  }
  out = out.slice(0, length);
  return alphabet === 'upper' ? out.toUpperCase() : out;
}

/**
 * The trust policy the spoke template writes, from its terms (infra/spoke/spoke-role.yml's shape): per trusted
 * principal a statement admitting its account, narrowed to the principal ARN (pattern) unless it is a bare
 * account id, and requiring the external id when there is one.
 */
function trustFromTerms(principals: readonly string[], externalId: string | undefined): PolicyDocument {
  const statements = principals.map((principal) => {
    const account = /^\d{12}$/.test(principal)
      ? principal
      : /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
    if (account === undefined) throw new PolicyDocumentError(`trustedPrincipals: ${principal} is not an ARN`);
    const condition: Record<string, Record<string, unknown>> = {};
    if (account !== principal && !principal.endsWith(':root')) {
      condition['ArnLike'] = { 'aws:PrincipalArn': principal };
    }
    if (externalId !== undefined) condition['StringEquals'] = { 'sts:ExternalId': externalId };
    return {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'sts:AssumeRole',
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    } as unknown as PolicyStatement;
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Refuses a trust policy the endpoint cannot evaluate as IAM would: no Principal, a NotPrincipal, a Resource
 * (IAM refuses those in a trust policy: MalformedPolicyDocument), a wildcard inside a principal ARN.
 */
function readTrust(document: PolicyDocument, where: string): TrustStatement[] {
  const statements = statementsOf([document]) as unknown as Array<Record<string, unknown>>;
  return statements.map((statement, index) => {
    const at = `${where}: trust statement ${String(statement.Sid ?? index)}`;
    if ('NotPrincipal' in statement) throw new PolicyDocumentError(`${at}: NotPrincipal is not served`);
    if ('Resource' in statement || 'NotResource' in statement) {
      throw new PolicyDocumentError(`${at}: a trust policy has no Resource`);
    }
    const principal = statement.Principal;
    if (principal !== '*') {
      if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) {
        throw new PolicyDocumentError(`${at}: Principal must be "*" or an object such as {"AWS": ...}`);
      }
      for (const value of asList((principal as Record<string, PolicyValue>).AWS)) {
        if (typeof value !== 'string') throw new PolicyDocumentError(`${at}: Principal values are text`);
        if (
          value !== '*' &&
          !/^\d{12}$/.test(value) &&
          !/^arn:aws[\w-]*:(iam|sts)::\d{12}:[^*?]+$/.test(value)
        ) {
          throw new PolicyDocumentError(`${at}: ${value} is not an account id or a principal ARN`);
        }
      }
    }
    validatePolicies(
      [
        {
          ...(document.Version === undefined ? {} : { Version: document.Version }),
          Statement: { ...asPolicyStatement(statement as unknown as TrustStatement) },
        },
      ],
      at,
    );
    return statement as unknown as TrustStatement;
  });
}

function asPolicyStatement(statement: TrustStatement): PolicyStatement {
  return {
    ...(statement.Sid === undefined ? {} : { Sid: statement.Sid }),
    Effect: statement.Effect,
    ...(statement.Action === undefined ? {} : { Action: statement.Action }),
    ...(statement.NotAction === undefined ? {} : { NotAction: statement.NotAction }),
    Resource: '*',
    ...(statement.Condition === undefined ? {} : { Condition: statement.Condition }),
  };
}

/** Whether a trust statement's Principal names the caller: `*`, its account (id or root ARN), its role or session. */
function principalMatches(principal: TrustStatement['Principal'], caller: Caller): boolean {
  if (principal === '*') return true;
  return asList(principal.AWS).some(
    (value) =>
      value === '*' ||
      value === caller.accountId ||
      value === `arn:aws:iam::${caller.accountId}:root` ||
      value === caller.principalArn ||
      value === caller.arn,
  );
}

function element(name: string, value: string): string {
  const text = value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<${name}>${text}</${name}>`;
}

export function stsErrorXml(code: string, message: string, status: number, requestId: string): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${XMLNS}"><Error>${element('Type', type)}${element(
    'Code',
    code,
  )}${element('Message', message)}</Error>${element('RequestId', requestId)}</ErrorResponse>`;
}

function responseXml(action: string, requestId: string, result: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata>${element(
    'RequestId',
    requestId,
  )}</ResponseMetadata></${action}Response>`;
}

function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationError', message);
}

/** STS answers every request its model refuses with ValidationError, in AWS's wording. */
const CODES: JsonErrorCodes = {
  missing: (path) =>
    validationError(
      `1 validation error detected: Value null at '${memberPath(path)}' failed to satisfy constraint: Member must not be null`,
    ),
  mistyped: (path, message) => validationError(`${String(path[0])}: ${message}`),
  validation: validationError,
};

/**
 * AssumeRole's members and their constraints (API_AssumeRole.html): RoleArn 20–2048, RoleSessionName 2–64 of
 * `[\w+=,.@-]*`, DurationSeconds 900–43200, ExternalId 2–1224 of `[\w+=,.@:/-]*`.
 */
const assumeRoleSchema = z.strictObject({
  RoleArn: z.string().min(20).max(2048),
  RoleSessionName: z
    .string()
    .min(2)
    .max(64)
    .regex(/^[\w+=,.@-]*$/),
  DurationSeconds: z.int().min(900).max(43200).optional(),
  ExternalId: z
    .string()
    .min(2)
    .max(1224)
    .regex(/^[\w+=,.@:/-]*$/)
    .optional(),
});

/** Members of AssumeRole the endpoint does not model: refused rather than ignored, as ignoring grants more. */
const UNSERVED_MEMBERS = [
  'Policy',
  'PolicyArns',
  'Tags',
  'TransitiveTagKeys',
  'SerialNumber',
  'TokenCode',
  'SourceIdentity',
  'ProvidedContexts',
];

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?([\w+=,.@-]{1,64})$/;

export const STS_ACTIONS = ['AssumeRole', 'GetCallerIdentity'] as const;

export class StsModel {
  private readonly roles = new Map<string, Role>();
  private readonly sessions = new Map<string, Session>();
  private issued = 0;

  /** Declares roles (an existing role of the same account and name is replaced). */
  putRoles(seeds: readonly SeedRole[]): { roles: RoleView[] } {
    const loaded = seeds.map((seed) => {
      const arn = `arn:aws:iam::${seed.accountId}:role/${seed.name}`;
      const trustDocument =
        seed.trustPolicy !== undefined
          ? (seed.trustPolicy as unknown as PolicyDocument)
          : trustFromTerms(seed.trustedPrincipals ?? [], seed.externalId);
      if (trustDocument.Statement === undefined)
        throw new PolicyDocumentError(`${arn}: trustPolicy has no Statement`);
      const policies = (seed.policies ?? []) as unknown as PolicyDocument[];
      validatePolicies(policies, arn);
      const role: Role = {
        accountId: seed.accountId,
        name: seed.name,
        arn,
        roleId: `AROA${digest(arn, 17, 'upper')}`,
        maxSessionDuration: seed.maxSessionDuration ?? DEFAULT_DURATION_SECONDS,
        trust: readTrust(trustDocument, arn),
        statements: statementsOf(policies),
      };
      return role;
    });
    for (const role of loaded) this.roles.set(`${role.accountId}/${role.name}`, role);
    return { roles: loaded.map(roleView) };
  }

  roleList(): { roles: RoleView[] } {
    return { roles: [...this.roles.values()].map(roleView) };
  }

  /** The session an access key id belongs to, if STS issued it. */
  session(accessKeyId: string | undefined): Session | undefined {
    return accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
  }

  /** The caller a session's credentials make: the role's account, its ARN, its policies as they are now. */
  callerOf(session: Session): Caller {
    const role = this.roles.get(`${session.role.accountId}/${session.role.name}`) ?? session.role;
    return {
      accountId: role.accountId,
      principalArn: role.arn,
      arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${session.sessionName}`,
      userId: `${role.roleId}:${session.sessionName}`,
      name: role.name,
      statements: role.statements,
      session: true,
    };
  }

  reset(): void {
    this.roles.clear();
    this.sessions.clear();
  }

  handle(
    caller: Caller,
    action: string,
    form: ReadonlyMap<string, string>,
    context: { nowMs: number; region: string; seed: string; requestId: string },
  ): string {
    switch (action) {
      case 'GetCallerIdentity': {
        const extra = [...form.keys()];
        if (extra.length > 0)
          throw validationError(`GetCallerIdentity takes no parameters: ${extra.join(', ')}`);
        return responseXml(
          action,
          context.requestId,
          element('Arn', caller.arn) +
            element('UserId', caller.userId) +
            element('Account', caller.accountId),
        );
      }
      case 'AssumeRole':
        return this.assumeRole(caller, form, context);
      default:
        throw new AwsServiceError(
          'InvalidAction',
          `Could not find operation ${action} for version 2011-06-15`,
        );
    }
  }

  private assumeRole(
    caller: Caller,
    form: ReadonlyMap<string, string>,
    context: { nowMs: number; region: string; seed: string; requestId: string },
  ): string {
    const input: Record<string, unknown> = {};
    for (const [key, value] of form) {
      const member = key.split('.')[0] ?? key;
      if (UNSERVED_MEMBERS.includes(member)) {
        throw new AwsServiceError(
          'InvalidParameterValue',
          `${member} is not served by the local endpoint (session policies and tags are not modelled)`,
        );
      }
      input[key] = key === 'DurationSeconds' && /^-?\d+$/.test(value) ? Number(value) : value;
    }
    const request = parseJsonRequest(assumeRoleSchema, input, CODES);
    const arnMatch = ROLE_ARN.exec(request.RoleArn);
    if (!arnMatch) throw validationError(`${request.RoleArn} is invalid`);
    const denied = (): AwsServiceError =>
      new AwsServiceError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${request.RoleArn}`,
        403,
      );
    // An unknown role is refused as one that does not trust the caller: STS does not say which it is.
    const role = this.roles.get(`${arnMatch[1]}/${arnMatch[2]}`);
    if (!role) throw denied();
    const trusted = role.trust
      .filter((statement) => principalMatches(statement.Principal, caller))
      .map(asPolicyStatement);
    const decision = evaluate(trusted, {
      action: 'sts:AssumeRole',
      resource: role.arn,
      context: {
        'aws:PrincipalArn': caller.principalArn,
        'aws:PrincipalAccount': caller.accountId,
        'aws:RequestedRegion': context.region,
        'sts:RoleSessionName': request.RoleSessionName,
        ...(request.ExternalId === undefined ? {} : { 'sts:ExternalId': request.ExternalId }),
      },
    });
    if (!decision.allowed) throw denied();
    const duration = request.DurationSeconds ?? DEFAULT_DURATION_SECONDS;
    if (caller.session === true && duration > CHAINED_MAX_SECONDS) {
      throw validationError(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    if (duration > role.maxSessionDuration) {
      throw validationError(
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const serial = `${context.seed}\u0000${++this.issued}\u0000${role.arn}`;
    const session: Session = {
      accessKeyId: `ASIA${digest(`key${serial}`, 16, 'upper')}`,
      sessionToken: `IQoJb3JpZ2luX2Vj${digest(`token${serial}`, 300, 'base64')}`,
      role,
      sessionName: request.RoleSessionName,
      // STS shows whole seconds.
      expirationMs: Math.floor(context.nowMs / 1000) * 1000 + duration * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    const assumed = this.callerOf(session);
    return responseXml(
      'AssumeRole',
      context.requestId,
      `<Credentials>${element('AccessKeyId', session.accessKeyId)}${element(
        'SecretAccessKey',
        digest(`secret${serial}`, 40, 'base64'),
      )}${element('SessionToken', session.sessionToken)}${element(
        'Expiration',
        new Date(session.expirationMs).toISOString().replace('.000Z', 'Z'),
      )}</Credentials><AssumedRoleUser>${element('AssumedRoleId', assumed.userId)}${element(
        'Arn',
        assumed.arn,
      )}</AssumedRoleUser>`,
    );
  }
}

function roleView(role: Role): RoleView {
  return {
    accountId: role.accountId,
    name: role.name,
    arn: role.arn,
    maxSessionDuration: role.maxSessionDuration,
    trustStatements: role.trust.length,
    statements: role.statements.length,
  };
}

/**
 * IAM enforcement of the local endpoint: which principal a request's credentials belong to, what IAM
 * authorizes for each action (the action name, the resources' ARNs and the condition keys of the request),
 * and how each service answers a denied or unauthenticated call. Off until principals are loaded
 * (`POST /_local/iam`, or `startLocalAws({ iam })`): then every request must carry a known access key id and
 * its principal's policies must allow every check of the request (local-aws/iam-policy.ts).
 *
 * What each action authorizes follows the Service Authorization Reference:
 * EC2 https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html,
 * CloudWatch .../list_amazoncloudwatch.html, EventBridge
 * .../list_amazoneventbridge.html, DynamoDB .../list_amazondynamodb.html. An action of a service not listed
 * below is authorized as `<service>:<Action>` on `*`, so enforcement covers every service the endpoint serves.
 */
import { createHash } from 'node:crypto';
import type { AccountState } from './account.ts';
import { evaluateBusPolicy, parseBusArn, patternValues } from './bus-policy.ts';
import {
  type AuthorizationCheck,
  type Decision,
  evaluateAll,
  type PolicyDocument,
  type PolicyStatement,
  type RequestContext,
  statementsOf,
  validatePolicies,
} from './iam-policy.ts';
import type { Caller } from './sts.ts';
import type { LocalAwsWorld } from './world.ts';

/** One role (or user) the endpoint knows: the access key id its requests are signed with, and its policies. */
export interface IamPrincipal {
  /** The role's name: logged with each call and shown in denial messages. */
  name: string;
  accessKeyId: string;
  /** The principal's account: the endpoint's own (`settings.accountId`) when absent. */
  accountId?: string;
  policies: PolicyDocument[];
}

/** `POST /_local/iam`: principals replace the loaded ones; `enforce` defaults to true when principals are given. */
export interface IamRequest {
  enforce?: boolean;
  principals?: IamPrincipal[];
}

export interface IamView {
  enforce: boolean;
  principals: Array<{ name: string; accessKeyId: string; accountId?: string; statements: number }>;
}

/** A request whose credentials are not known or whose principal may not do what it asks. */
export class IamDenial extends Error {
  override readonly name = 'IamDenial';
  constructor(
    readonly kind: 'unauthenticated' | 'denied' | 'expired',
    message: string,
    readonly principal?: string,
  ) {
    super(message);
  }
}

/**
 * How each protocol answers: EC2 https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 * (`UnauthorizedOperation` 403, `AuthFailure` 401); CloudWatch `AccessDenied` 403 and `InvalidClientTokenId`
 * 403 (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html); STS `AccessDenied`
 * 403, `InvalidClientTokenId` 403, `ExpiredToken` 400
 * (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html); EventBridge and DynamoDB
 * `AccessDeniedException` 400 and `UnrecognizedClientException` 400
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html); RAM
 * `AccessDeniedException` 403 and `UnrecognizedClientException` 403 (REST-JSON). An expired session token is
 * `ExpiredToken` on the query protocols and `ExpiredTokenException` 403 on the JSON ones (common errors).
 */
type Answer = [string, number];
const ANSWERS: Record<string, { denied: Answer; unauthenticated: Answer; expired: Answer }> = {
  ec2: {
    denied: ['UnauthorizedOperation', 403],
    unauthenticated: ['AuthFailure', 401],
    expired: ['ExpiredToken', 400],
  },
  cloudwatch: {
    denied: ['AccessDenied', 403],
    unauthenticated: ['InvalidClientTokenId', 403],
    expired: ['ExpiredToken', 403],
  },
  sts: {
    denied: ['AccessDenied', 403],
    unauthenticated: ['InvalidClientTokenId', 403],
    expired: ['ExpiredToken', 400],
  },
  events: {
    denied: ['AccessDeniedException', 400],
    unauthenticated: ['UnrecognizedClientException', 400],
    expired: ['ExpiredTokenException', 403],
  },
  ram: {
    denied: ['AccessDeniedException', 403],
    unauthenticated: ['UnrecognizedClientException', 403],
    expired: ['ExpiredTokenException', 403],
  },
};
const DEFAULT_ANSWER: { denied: Answer; unauthenticated: Answer; expired: Answer } = {
  denied: ['AccessDeniedException', 400],
  unauthenticated: ['UnrecognizedClientException', 400],
  expired: ['ExpiredTokenException', 400],
};

/** The error code and HTTP status a service answers a denial with. */
export function denialAnswer(service: string, denial: IamDenial): { code: string; status: number } {
  const [code, status] = (ANSWERS[service] ?? DEFAULT_ANSWER)[denial.kind];
  return { code, status };
}

/** Every code a denial can be logged with (`GET /_local/calls` outcomes). */
export const DENIAL_CODES: ReadonlySet<string> = new Set(
  [...Object.values(ANSWERS), DEFAULT_ANSWER].flatMap((answer) => [
    answer.denied[0],
    answer.unauthenticated[0],
    answer.expired[0],
  ]),
);

export function accessKeyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /Credential=([^/,\s]+)\//.exec(header)?.[1];
}

/** A stable, well-formed access key id for a principal name (`ASIA` + 16 characters), for tests and the sandbox. */
export function accessKeyIdFor(name: string): string {
  const digest = createHash('sha256').update(name).digest('hex').toUpperCase();
  return `ASIA${digest.slice(0, 16)}`;
}

export interface LoadedPrincipal {
  name: string;
  accessKeyId: string;
  accountId?: string;
  statements: PolicyStatement[];
}

/** The request as the authorizer sees it: after the protocol has parsed it, before the service acts. */
export interface AuthorizationInput {
  service: string;
  action: string;
  /** EC2: the form fields; JSON protocols: the parsed body. */
  params: Readonly<Record<string, unknown>>;
  region: string;
  /** The account the request is served in (its credentials' account). */
  accountId: string;
}

export class IamEnforcer {
  private principals = new Map<string, LoadedPrincipal>();
  private enforcing = false;

  get enforce(): boolean {
    return this.enforcing;
  }

  configure(request: IamRequest): IamView {
    if (request.principals !== undefined) {
      if (!Array.isArray(request.principals)) throw new TypeError('principals must be a list');
      const next = new Map<string, LoadedPrincipal>();
      for (const [index, principal] of request.principals.entries()) {
        if (typeof principal?.name !== 'string' || typeof principal.accessKeyId !== 'string') {
          throw new TypeError(`principals.${index} needs name and accessKeyId`);
        }
        if (!Array.isArray(principal.policies))
          throw new TypeError(`principals.${index}.policies must be a list`);
        validatePolicies(principal.policies, principal.name);
        next.set(principal.accessKeyId, {
          name: principal.name,
          accessKeyId: principal.accessKeyId,
          ...(principal.accountId === undefined ? {} : { accountId: principal.accountId }),
          statements: statementsOf(principal.policies),
        });
      }
      this.principals = next;
    }
    this.enforcing = request.enforce ?? (request.principals !== undefined ? true : this.enforcing);
    return this.view();
  }

  clear(): IamView {
    this.principals.clear();
    this.enforcing = false;
    return this.view();
  }

  view(): IamView {
    return {
      enforce: this.enforcing,
      principals: [...this.principals.values()].map((principal) => ({
        name: principal.name,
        accessKeyId: principal.accessKeyId,
        ...(principal.accountId === undefined ? {} : { accountId: principal.accountId }),
        statements: principal.statements.length,
      })),
    };
  }

  /** A loaded principal, known by its access key id whether or not IAM is enforced. */
  principal(accessKeyId: string | undefined): LoadedPrincipal | undefined {
    return accessKeyId === undefined ? undefined : this.principals.get(accessKeyId);
  }

  /**
   * Throws an `IamDenial` when enforcing and the caller has no policies (unknown credentials) or one of the
   * request's checks is denied. A check on an event bus or its rules also asks the bus's policy: a call on
   * another account's bus needs it to allow the caller, enforced or not (the owner's consent, as a trust
   * policy is); while enforcing, an explicit Deny in it refuses the owner's own principals too. A same-account
   * Allow there does not stand in for the identity policy (stricter than IAM, which takes either).
   */
  authorize(world: LocalAwsWorld, caller: Caller, input: AuthorizationInput): void {
    if (!this.enforcing && input.service !== 'events') return;
    if (this.enforcing && caller.statements === undefined) throw unauthenticated(input.service);
    const organizationId = world.ram.organizationIdOf(caller.accountId);
    const global: RequestContext = {
      'aws:RequestedRegion': input.region,
      'aws:PrincipalArn': caller.principalArn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:userid': caller.userId,
      ...(organizationId === undefined ? {} : { 'aws:PrincipalOrgID': organizationId }),
    };
    const checks = authorizationChecks(world, input).map((check) => ({
      ...check,
      context: { ...global, ...check.context },
    }));
    if (this.enforcing) {
      const decision = evaluateAll(caller.statements ?? [], checks);
      if (!decision.allowed)
        throw new IamDenial('denied', denialMessage(input.service, caller.arn, decision), caller.name);
    }
    for (const check of checks) {
      const bus = check.bus;
      if (bus === undefined) continue;
      const crossAccount = bus.accountId !== caller.accountId;
      if (!crossAccount && !this.enforcing) continue;
      const decision = evaluateBusPolicy(
        world.account(bus.accountId).busPolicies.get(bus.name),
        caller,
        check,
      );
      if (decision.allowed || (!crossAccount && decision.reason === 'implicit-deny')) continue;
      throw new IamDenial('denied', resourceDenialMessage(caller.arn, decision), caller.name);
    }
  }
}

/** The denial of credentials the endpoint does not know. */
export function unauthenticated(service: string): IamDenial {
  return new IamDenial(
    'unauthenticated',
    service === 'ec2'
      ? 'AWS was not able to validate the provided access credentials'
      : 'The security token included in the request is invalid.',
  );
}

function denialMessage(
  service: string,
  principalArn: string,
  decision: Exclude<Decision, { allowed: true }>,
): string {
  const { action, resource } = decision.check;
  const why =
    decision.reason === 'explicit-deny'
      ? `with an explicit deny in an identity-based policy${decision.sid === undefined ? '' : ` (${decision.sid})`}`
      : 'because no identity-based policy allows the action';
  const detail = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
  return service === 'ec2' ? `You are not authorized to perform this operation. ${detail}` : detail;
}

/** EventBridge's wording when a bus policy refuses a call (the identity policies having allowed it). */
function resourceDenialMessage(principalArn: string, decision: Exclude<Decision, { allowed: true }>): string {
  const { action, resource } = decision.check;
  const why =
    decision.reason === 'explicit-deny'
      ? `with an explicit deny in a resource-based policy${decision.sid === undefined ? '' : ` (${decision.sid})`}`
      : `because no resource-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

// ---------------------------------------------------------------- what each action authorizes

/** A check on an event bus or one of its rules: that bus's policy is asked too. */
export interface ResourceCheck extends AuthorizationCheck {
  bus?: { accountId: string; name: string };
}

type Params = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `Prefix.N` form fields in order. */
function indexed(params: Params, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  return Object.entries(params)
    .map(([key, value]) => [pattern.exec(key)?.[1], text(value)] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined && entry[1] !== undefined)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, value]) => value);
}

/** `<prefix>Tag.N.Key/Value` pairs; a key without a value maps to undefined. */
function tagPairs(params: Params, prefix: string): Map<string, string | undefined> {
  const byIndex = new Map<string, { key?: string; value?: string }>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}Tag\\.(\\d+)\\.(Key|Value)$`);
  for (const [name, value] of Object.entries(params)) {
    const match = pattern.exec(name);
    if (!match || typeof value !== 'string') continue;
    const pair = byIndex.get(match[1] ?? '') ?? {};
    if (match[2] === 'Key') pair.key = value;
    else pair.value = value;
    byIndex.set(match[1] ?? '', pair);
  }
  const pairs = new Map<string, string | undefined>();
  for (const { key, value } of byIndex.values()) if (key !== undefined) pairs.set(key, value);
  return pairs;
}

/** `aws:RequestTag/<k>` for each tag with a value and `aws:TagKeys` for all keys (absent when there are none). */
function requestTagContext(
  pairs: ReadonlyMap<string, string | undefined>,
): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of pairs) if (value !== undefined) context[`aws:RequestTag/${key}`] = value;
  if (pairs.size > 0) context['aws:TagKeys'] = [...pairs.keys()];
  return context;
}

/** `aws:ResourceTag/<k>` and EC2's own `ec2:ResourceTag/<k>` for each tag the resource holds. */
function resourceTagContext(tags: ReadonlyMap<string, string> | undefined): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [key, value] of tags ?? []) {
    context[`aws:ResourceTag/${key}`] = value;
    context[`ec2:ResourceTag/${key}`] = value;
  }
  return context;
}

interface Ec2Resource {
  arn: string;
  tags?: ReadonlyMap<string, string>;
  /** The source reservation's ARN, for an interruptible reservation and for the actions on a source. */
  sourceArn?: string;
}

function capacityReservation(account: AccountState, id: string, region: string): Ec2Resource {
  const entry = account.capacity.find(id, region);
  if (entry?.kind === 'source')
    return { arn: entry.source.arn, tags: entry.source.tags, sourceArn: entry.source.arn };
  if (entry?.kind === 'interruptible') {
    return { arn: entry.allocation.arn, tags: entry.allocation.tags, sourceArn: entry.allocation.source.arn };
  }
  // Unknown ids are still authorized (on their would-be ARN, without tags) before EC2 says NotFound.
  return { arn: `arn:aws:ec2:${region}:${account.id}:capacity-reservation/${id}` };
}

function ec2Checks(
  account: AccountState,
  action: string,
  params: Params,
  region: string,
): AuthorizationCheck[] {
  const base: RequestContext = { 'ec2:Region': region };
  const name = `ec2:${action}`;
  switch (action) {
    case 'CreateInterruptibleCapacityReservationAllocation':
    case 'UpdateInterruptibleCapacityReservationAllocation': {
      const id = text(params.CapacityReservationId) ?? '';
      const source = capacityReservation(account, id, region);
      const checks: AuthorizationCheck[] = [
        {
          action: name,
          resource: source.arn,
          context: {
            ...base,
            ...resourceTagContext(source.tags),
            'ec2:SourceCapacityReservationId': source.sourceArn ?? source.arn,
          },
        },
      ];
      if (action === 'CreateInterruptibleCapacityReservationAllocation') {
        const pairs = new Map<string, string | undefined>();
        for (const index of new Set(
          Object.keys(params).flatMap((key) => /^TagSpecification\.(\d+)\./.exec(key)?.[1] ?? []),
        )) {
          for (const [key, value] of tagPairs(params, `TagSpecification.${index}.`)) pairs.set(key, value);
        }
        const requestTags = requestTagContext(pairs);
        Object.assign(checks[0]!.context as Record<string, unknown>, requestTags);
        if (pairs.size > 0) {
          // Tag-on-create is authorized as ec2:CreateTags on the new reservation (its id is not known yet),
          // with ec2:CreateAction naming the create action.
          checks.push({
            action: 'ec2:CreateTags',
            resource: `arn:aws:ec2:${region}:${account.id}:capacity-reservation/*`,
            context: { ...base, ...requestTags, 'ec2:CreateAction': action },
          });
        }
      }
      return checks;
    }
    case 'CreateTags':
    case 'DeleteTags': {
      const requestTags = requestTagContext(tagPairs(params, ''));
      return indexed(params, 'ResourceId').map((id) => {
        const resource = capacityReservation(account, id, region);
        return {
          action: name,
          resource: resource.arn,
          context: { ...base, ...resourceTagContext(resource.tags), ...requestTags },
        };
      });
    }
    default:
      // DescribeCapacityReservations and the other Describe actions have no resource-level permissions.
      return [{ action: name, resource: '*', context: base }];
  }
}

function cloudWatchChecks(
  account: AccountState,
  action: string,
  params: Params,
  region: string,
): AuthorizationCheck[] {
  const name = `cloudwatch:${action}`;
  const alarmArn = (alarm: string): string => `arn:aws:cloudwatch:${region}:${account.id}:alarm:${alarm}`;
  switch (action) {
    case 'DescribeAlarms': {
      const names = Array.isArray(params.AlarmNames)
        ? params.AlarmNames.filter((item) => typeof item === 'string')
        : [];
      const prefix = text(params.AlarmNamePrefix);
      const resources = names.length > 0 ? names.map(alarmArn) : [alarmArn(`${prefix ?? ''}*`)];
      return resources.map((resource) => ({ action: name, resource, context: {} }));
    }
    case 'SetAlarmState':
      return [{ action: name, resource: alarmArn(text(params.AlarmName) ?? ''), context: {} }];
    case 'PutMetricData': {
      const namespace = text(params.Namespace);
      return [
        {
          action: name,
          resource: '*',
          context: namespace === undefined ? {} : { 'cloudwatch:namespace': namespace },
        },
      ];
    }
    default:
      return [{ action: name, resource: '*', context: {} }];
  }
}

/**
 * EventBridge authorizes PutEvents on each entry's bus with `events:source` and `events:detail-type`, the rule
 * actions on the rule's ARN with `events:creatorAccount` (the account that created the rule; the caller's for
 * a new one), PutRule also with the pattern's `source` and `detail-type` values and PutTargets with
 * `events:TargetArn`. A bus named by ARN is that account's: the resource is in the owner's account and the
 * owner's bus policy is asked (eb-event-bus-perms.html, policy-keys-eventbridge.html). A key with several
 * values gets one check per value, so every value must be allowed.
 */
function eventsChecks(
  world: LocalAwsWorld,
  account: AccountState,
  action: string,
  params: Params,
  region: string,
): ResourceCheck[] {
  const name = `events:${action}`;
  const busOf = (bus: string | undefined): { accountId: string; name: string } => {
    const arn = parseBusArn(bus);
    return arn
      ? { accountId: arn.account, name: arn.name }
      : { accountId: account.id, name: bus ?? 'default' };
  };
  const busArn = (bus: { accountId: string; name: string }): string =>
    `arn:aws:events:${region}:${bus.accountId}:event-bus/${bus.name}`;
  switch (action) {
    case 'PutEvents': {
      const entries = Array.isArray(params.Entries) ? params.Entries : [];
      const checks = new Map<string, ResourceCheck>();
      for (const entry of entries) {
        const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
        const bus = busOf(text(record.EventBusName));
        const source = text(record.Source);
        const detailType = text(record.DetailType);
        const context: Record<string, string> = {};
        if (source !== undefined) context['events:source'] = source;
        if (detailType !== undefined) context['events:detail-type'] = detailType;
        const resource = busArn(bus);
        checks.set(JSON.stringify([resource, source, detailType]), { action: name, resource, context, bus });
      }
      return [...checks.values()];
    }
    case 'EnableRule':
    case 'DisableRule':
    case 'DescribeRule':
    case 'PutRule':
    case 'DeleteRule':
    case 'PutTargets':
    case 'RemoveTargets':
    case 'ListTargetsByRule': {
      const bus = busOf(text(params.EventBusName));
      const busPart = bus.name === 'default' ? '' : `${bus.name}/`;
      const ruleName = text(params.Name) ?? text(params.Rule) ?? '';
      const resource = `arn:aws:events:${region}:${bus.accountId}:rule/${busPart}${ruleName}`;
      const existing = world.findRule(world.account(bus.accountId), ruleName, bus.name);
      const creator =
        existing !== undefined
          ? (existing.createdBy ?? bus.accountId)
          : action === 'PutRule'
            ? account.id
            : undefined;
      const base: Record<string, string> = creator === undefined ? {} : { 'events:creatorAccount': creator };
      if (action === 'PutTargets') {
        const targets = Array.isArray(params.Targets) ? params.Targets : [];
        const arns = targets.flatMap((target) => {
          const arn = text((target as Record<string, unknown> | null)?.Arn);
          return arn === undefined ? [] : [arn];
        });
        if (arns.length === 0) return [{ action: name, resource, context: base, bus }];
        return arns.map((arn) => ({
          action: name,
          resource,
          context: { ...base, 'events:TargetArn': arn },
          bus,
        }));
      }
      if (action !== 'PutRule') return [{ action: name, resource, context: base, bus }];
      const pattern = text(params.EventPattern);
      const sources: Array<string | undefined> = patternValues(pattern, 'source');
      const detailTypes: Array<string | undefined> = patternValues(pattern, 'detail-type');
      return (sources.length > 0 ? sources : [undefined]).flatMap((source) =>
        (detailTypes.length > 0 ? detailTypes : [undefined]).map((detailType) => ({
          action: name,
          resource,
          context: {
            ...base,
            ...(source === undefined ? {} : { 'events:source': source }),
            ...(detailType === undefined ? {} : { 'events:detail-type': detailType }),
          },
          bus,
        })),
      );
    }
    case 'PutPermission':
    case 'RemovePermission':
      return [{ action: name, resource: busArn(busOf(text(params.EventBusName))), context: {} }];
    case 'DescribeEventBus': {
      const bus = busOf(text(params.Name));
      return [{ action: name, resource: busArn(bus), context: {}, bus }];
    }
    default:
      return [{ action: name, resource: '*', context: {} }];
  }
}

function dynamoDbChecks(
  account: AccountState,
  action: string,
  params: Params,
  region: string,
): AuthorizationCheck[] {
  const table = text(params.TableName);
  const resource =
    table === undefined
      ? '*'
      : table.startsWith('arn:')
        ? table
        : `arn:aws:dynamodb:${region}:${account.id}:table/${table}`;
  return [{ action: `dynamodb:${action}`, resource, context: {} }];
}

/** `ec2:CapacityReservation` from a capacity reservation's ARN: RAM's name of the type (`ram:RequestedResourceType`). */
function ramResourceType(arn: string): string | undefined {
  const match = /^arn:aws[\w-]*:([a-z0-9-]+):[^:]*:[^:]*:([a-z-]+)\//.exec(arn);
  if (!match) return undefined;
  const type = (match[2] ?? '').replace(/(^|-)([a-z])/g, (_all, _dash: string, letter: string) =>
    letter.toUpperCase(),
  );
  return `${match[1]}:${type}`;
}

/**
 * RAM's actions on a share are authorized on its ARN, creating one on the account's shares, with the condition
 * keys the Service Authorization Reference lists for them: on CreateResourceShare the request's tags
 * (`aws:RequestTag/<k>`, `aws:TagKeys`), `ram:RequestedAllowsExternalPrincipals` and the resources' type
 * (`ram:RequestedResourceType`, `ram:ResourceArn`); on Associate/Disassociate the share's tags
 * (`aws:ResourceTag/<k>`) and the resources named
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsresourceaccessmanagerram.html).
 */
function ramChecks(
  world: LocalAwsWorld,
  account: AccountState,
  action: string,
  params: Params,
  region: string,
): AuthorizationCheck[] {
  const share = text(params.resourceShareArn);
  const resource =
    share ??
    (action === 'CreateResourceShare' ? `arn:aws:ram:${region}:${account.id}:resource-share/*` : '*');
  const arns = Array.isArray(params.resourceArns)
    ? params.resourceArns.filter((arn): arn is string => typeof arn === 'string')
    : [];
  const types = [...new Set(arns.flatMap((arn) => ramResourceType(arn) ?? []))];
  const named: Record<string, string | string[]> = {};
  if (arns.length > 0) named['ram:ResourceArn'] = arns;
  if (types.length === 1 && types[0] !== undefined) named['ram:RequestedResourceType'] = types[0];
  else if (types.length > 1) named['ram:RequestedResourceType'] = types;
  switch (action) {
    case 'CreateResourceShare': {
      const tags = new Map<string, string | undefined>();
      for (const tag of Array.isArray(params.tags) ? params.tags : []) {
        const pair = (typeof tag === 'object' && tag !== null ? tag : {}) as {
          key?: unknown;
          value?: unknown;
        };
        if (typeof pair.key === 'string')
          tags.set(pair.key, typeof pair.value === 'string' ? pair.value : undefined);
      }
      const external = params.allowExternalPrincipals === false ? 'false' : 'true';
      return [
        {
          action: `ram:${action}`,
          resource,
          context: {
            ...requestTagContext(tags),
            ...named,
            'ram:RequestedAllowsExternalPrincipals': external,
          },
        },
      ];
    }
    case 'AssociateResourceShare':
    case 'DisassociateResourceShare': {
      const held = world.ram
        .shareList({ accountId: account.id })
        .shares.find((candidate) => candidate.resourceShareArn === share);
      const tags = new Map((held?.tags ?? []).map((tag) => [tag.key, tag.value]));
      const context: Record<string, string | string[]> = { ...named };
      for (const [key, value] of tags) context[`aws:ResourceTag/${key}`] = value;
      return [{ action: `ram:${action}`, resource, context }];
    }
    default:
      return [{ action: `ram:${action}`, resource, context: {} }];
  }
}

/** The checks IAM makes for one request; every one must be allowed. */
export function authorizationChecks(world: LocalAwsWorld, input: AuthorizationInput): ResourceCheck[] {
  const { service, action, params, region } = input;
  const account = world.account(input.accountId);
  switch (service) {
    case 'ec2':
      return ec2Checks(account, action, params, region);
    case 'cloudwatch':
      return cloudWatchChecks(account, action, params, region);
    case 'events':
      return eventsChecks(world, account, action, params, region);
    case 'dynamodb':
      return dynamoDbChecks(account, action, params, region);
    case 'ram':
      return ramChecks(world, account, action, params, region);
    case 'sts':
      // AssumeRole is authorized on the role; the role's trust policy is the other half (sts.ts).
      return [{ action: `sts:${action}`, resource: text(params.RoleArn) ?? '*', context: {} }];
    default:
      return [{ action: `${service}:${action}`, resource: '*', context: {} }];
  }
}

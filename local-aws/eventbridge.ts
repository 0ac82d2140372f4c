/**
 * EventBridge over awsJson1_1: PutEvents (with injected per-entry failures), the rule actions, and the bus's
 * resource policy (PutPermission, RemovePermission, DescribeEventBus). A bus named by its ARN in another
 * account is that account's: rules put there are the owner's (created by the caller), events put there land
 * on the owner's bus; iam.ts has already asked the owner's bus policy.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AccountState, Rule } from './account.ts';
import { type BusPolicy, type BusPolicyStatement, parseBusArn, readBusPolicy } from './bus-policy.ts';
import { AwsServiceError } from './errors.ts';
import { parseEventPattern } from './event-pattern.ts';
import { PolicyDocumentError } from './iam-policy.ts';
import { type JsonErrorCodes, memberPath, parseJsonRequest, timestamp } from './json-rules.ts';
import { busName, type LocalAwsWorld } from './world.ts';

export const EVENTS_TARGET_PREFIX = 'AWSEvents.';
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function handleEventBridge(
  world: LocalAwsWorld,
  caller: AccountState,
  action: string,
  body: Json,
  region: string,
): Json {
  // The rule actions act on the account whose bus they name (its ARN), the caller's own by default.
  const account = busOwner(
    world,
    caller,
    typeof body.EventBusName === 'string' ? body.EventBusName : undefined,
  );
  switch (action) {
    case 'PutEvents':
      return putEvents(world, caller, body, region);
    case 'EnableRule':
      return setRuleState(world, account, body, 'ENABLED');
    case 'DisableRule':
      return setRuleState(world, account, body, 'DISABLED');
    case 'DescribeRule':
      return describeRule(world, account, body);
    case 'PutRule':
      return putRule(world, account, caller, body);
    case 'PutTargets':
      return putTargets(world, account, body);
    case 'RemoveTargets':
      return removeTargets(world, account, body);
    case 'ListTargetsByRule':
      return listTargets(world, account, body);
    case 'PutPermission':
      return putPermission(caller, body, region);
    case 'RemovePermission':
      return removePermission(caller, body);
    case 'DescribeEventBus':
      return describeEventBus(world, caller, body, region);
    default:
      throw new AwsServiceError('UnknownOperationException', `The operation ${action} is not supported.`);
  }
}

/** The account a bus name or ARN belongs to: the ARN's, else the caller's. */
function busOwner(world: LocalAwsWorld, caller: AccountState, nameOrArn: string | undefined): AccountState {
  const arn = parseBusArn(nameOrArn);
  return arn === undefined || arn.account === caller.id ? caller : world.account(arn.account);
}

/** EventBridge answers every request its model refuses with ValidationException, in AWS's wording. */
const CODES: JsonErrorCodes = {
  missing: (path) =>
    validation(
      `1 validation error detected: Value null at '${memberPath(path)}' failed to satisfy constraint: Member must not be null`,
    ),
  mistyped: (path, message) =>
    new AwsServiceError('SerializationException', `${memberPath(path)}: ${message}`),
  validation,
};

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

/**
 * Bus names and ARNs (API_PutEventsRequestEntry.html, API_EnableRule.html): 1–1600 characters of the pattern.
 * Rule names 1–64 of `[.\-_A-Za-z0-9]+` (API_DescribeRule.html).
 */
const busNameOrArn = z
  .string()
  .min(1)
  .max(1600)
  .regex(/^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/);
const ruleRequestSchema = z.object({
  Name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[.\-_A-Za-z0-9]+$/),
  EventBusName: busNameOrArn.optional(),
});

/**
 * PutEvents (API_PutEvents.html): 1–10 entries; each resource at most 2048 characters, TraceHeader 1–500.
 * The entries together must stay under 256 KB as eb-putevent-size.html counts them (Time 14 bytes, the
 * UTF-8 bytes of Source, DetailType, Detail and each resource). Newer revisions of the user guide
 * (eb-putevents.html) give 1 MB; the stricter 256 KB holds here. Source, DetailType and Detail are checked per entry, as EventBridge
 * reports those in the entry's result.
 */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const putEventsSchema = z.object({
  Entries: z
    .array(
      z.object({
        Time: timestamp.optional(),
        Source: z.string().optional(),
        Resources: z.array(z.string().max(2048)).optional(),
        DetailType: z.string().optional(),
        Detail: z.string().optional(),
        EventBusName: busNameOrArn.optional(),
        TraceHeader: z.string().min(1).max(500).optional(),
      }),
    )
    .min(1)
    .max(MAX_ENTRIES),
  EndpointId: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9-]+[.][A-Za-z0-9-]+$/)
    .optional(),
});

type PutEventsEntry = z.output<typeof putEventsSchema>['Entries'][number];

function entryBytes(entry: PutEventsEntry): number {
  const bytes = (text: string | undefined): number =>
    text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function entryError(entry: PutEventsEntry): { code: string; message: string } | undefined {
  for (const member of ['Source', 'DetailType', 'Detail'] as const) {
    if (entry[member] === undefined || entry[member] === '') {
      return {
        code: 'InvalidArgument',
        message: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
      };
    }
  }
  try {
    const detail: unknown = JSON.parse(entry.Detail!);
    if (!isObject(detail)) return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}

function putEvents(world: LocalAwsWorld, account: AccountState, body: Json, region: string): Json {
  const { Entries: entries } = parseJsonRequest(putEventsSchema, body, CODES);
  if (entries.reduce((sum, entry) => sum + entryBytes(entry), 0) >= MAX_REQUEST_BYTES) {
    throw validation('Total size of the entries in the request is over the limit.');
  }
  const injected = world.takePartialFailure('PutEvents');
  let failed = 0;
  const results = entries.map((entry, index) => {
    const error =
      injected && index < injected.entries
        ? { code: injected.code, message: injected.message }
        : entryError(entry);
    if (error) {
      failed++;
      return { ErrorCode: error.code, ErrorMessage: error.message };
    }
    const eventId = randomUUID();
    const owner = busOwner(world, account, entry.EventBusName);
    world.recordEvent({
      source: entry.Source!,
      'detail-type': entry.DetailType!,
      detail: JSON.parse(entry.Detail!),
      bus: busName(entry.EventBusName),
      resources: entry.Resources ?? [],
      region,
      account: account.id,
      ...(owner.id === account.id ? {} : { busAccount: owner.id }),
      id: eventId,
      ...(entry.Time !== undefined ? { time: new Date(entry.Time).toISOString() } : {}),
    });
    return { EventId: eventId };
  });
  return { FailedEntryCount: failed, Entries: results };
}

function findRule(world: LocalAwsWorld, account: AccountState, body: Json) {
  const { Name: name, EventBusName: bus } = parseJsonRequest(ruleRequestSchema, body, CODES);
  return existingRule(world, account, name, bus);
}

function setRuleState(
  world: LocalAwsWorld,
  account: AccountState,
  body: Json,
  state: 'ENABLED' | 'DISABLED',
): Json {
  findRule(world, account, body).state = state;
  return {};
}

function describeRule(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const rule = findRule(world, account, body);
  const view = world.ruleView(rule, account.id);
  return {
    Name: view.name,
    Arn: view.arn,
    State: view.state,
    EventBusName: view.eventBusName,
    // "The account ID of the user that created the rule" (API_DescribeRule.html): the caller's for a rule it
    // put on another account's bus.
    CreatedBy: rule.createdBy ?? account.id,
    ...(view.scheduleExpression !== undefined ? { ScheduleExpression: view.scheduleExpression } : {}),
    ...(view.eventPattern !== undefined ? { EventPattern: view.eventPattern } : {}),
    ...(view.description !== undefined ? { Description: view.description } : {}),
  };
}

const ruleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[.\-_A-Za-z0-9]+$/);

/**
 * PutRule (API_PutRule.html): Name as above, EventPattern ≤ 4096 (a valid pattern: InvalidEventPatternException),
 * ScheduleExpression ≤ 256, one of the two required, State ENABLED / DISABLED, Description ≤ 512. Tags and
 * RoleArn are not modelled (refused).
 */
const putRuleSchema = z.strictObject({
  Name: ruleName,
  EventBusName: busNameOrArn.optional(),
  EventPattern: z.string().max(4096).optional(),
  ScheduleExpression: z.string().max(256).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  Description: z.string().max(512).optional(),
});

function putRule(world: LocalAwsWorld, account: AccountState, caller: AccountState, body: Json): Json {
  const input = parseJsonRequest(putRuleSchema, body, CODES);
  if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
    throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  }
  if (input.EventPattern !== undefined) parseEventPattern(input.EventPattern);
  // A rule keeps the account that created it; iam.ts lets only that account change it (events:creatorAccount).
  const createdBy = world.findRule(account, input.Name, input.EventBusName)?.createdBy ?? caller.id;
  const { rule } = world.putRule({
    accountId: account.id,
    name: input.Name,
    state: input.State ?? 'ENABLED',
    ...(input.EventBusName !== undefined ? { eventBusName: input.EventBusName } : {}),
    ...(input.EventPattern !== undefined ? { eventPattern: input.EventPattern } : {}),
    ...(input.ScheduleExpression !== undefined ? { scheduleExpression: input.ScheduleExpression } : {}),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
  });
  const stored = world.findRule(account, input.Name, input.EventBusName);
  if (stored !== undefined && createdBy !== account.id) stored.createdBy = createdBy;
  return { RuleArn: rule.arn };
}

/** PutTargets (API_PutTargets.html): 1–100 targets, Id 1–64 of `[.\-_A-Za-z0-9]+`, Arn 1–1600; at most 5 per rule. */
const MAX_TARGETS_PER_RULE = 5;
const putTargetsSchema = z.object({
  Rule: ruleName,
  EventBusName: busNameOrArn.optional(),
  Targets: z
    .array(
      z.object({
        Id: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[.\-_A-Za-z0-9]+$/),
        Arn: z.string().min(1).max(1600),
      }),
    )
    .min(1)
    .max(100),
});

function existingRule(
  world: LocalAwsWorld,
  account: AccountState,
  name: string,
  bus: string | undefined,
): Rule {
  const rule = world.findRule(account, name, bus);
  if (!rule) {
    throw new AwsServiceError(
      'ResourceNotFoundException',
      `Rule ${name} does not exist on EventBus ${busName(bus)}.`,
    );
  }
  return rule;
}

function putTargets(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(putTargetsSchema, body, CODES);
  const rule = existingRule(world, account, input.Rule, input.EventBusName);
  const targets = new Map(rule.targets.map((target) => [target.id, target]));
  for (const target of input.Targets) targets.set(target.Id, { id: target.Id, arn: target.Arn });
  if (targets.size > MAX_TARGETS_PER_RULE) {
    throw new AwsServiceError(
      'LimitExceededException',
      `The requested resource exceeds the maximum number allowed: a rule has at most ${MAX_TARGETS_PER_RULE} targets.`,
    );
  }
  rule.targets = [...targets.values()];
  return { FailedEntryCount: 0, FailedEntries: [] };
}

function removeTargets(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(
    z.object({
      Rule: ruleName,
      EventBusName: busNameOrArn.optional(),
      Ids: z.array(z.string().min(1).max(64)).min(1).max(100),
      Force: z.boolean().optional(),
    }),
    body,
    CODES,
  );
  const rule = existingRule(world, account, input.Rule, input.EventBusName);
  rule.targets = rule.targets.filter((target) => !input.Ids.includes(target.id));
  return { FailedEntryCount: 0, FailedEntries: [] };
}

function listTargets(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(
    z.object({
      Rule: ruleName,
      EventBusName: busNameOrArn.optional(),
      NextToken: z.string().optional(),
      Limit: z.int().min(1).max(100).optional(),
    }),
    body,
    CODES,
  );
  const rule = existingRule(world, account, input.Rule, input.EventBusName);
  return { Targets: rule.targets.map((target) => ({ Id: target.id, Arn: target.arn })) };
}

/**
 * PutPermission (API_PutPermission.html) in either form. The statement form (Action `events:PutEvents`,
 * Principal a 12-digit account id or `*`, StatementId 1–64 of `[a-zA-Z0-9-_]+`, optionally a Condition of Type
 * `StringEquals` on `aws:PrincipalOrgID`) adds a statement to the bus's policy, replacing one of the same id;
 * `Policy` ("instead of using the StatementId, Action, Principal, or Condition parameters") replaces the
 * whole policy, and together with any of those is refused, naming them.
 */
const permissionSchema = z.strictObject({
  EventBusName: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[/.\-_A-Za-z0-9]+$/)
    .optional(),
  Action: z.string().min(1).max(64).optional(),
  Principal: z
    .string()
    .regex(/^(\d{12}|\*)$/)
    .optional(),
  StatementId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9-_]+$/)
    .optional(),
  Condition: z.strictObject({ Type: z.string(), Key: z.string(), Value: z.string() }).optional(),
  Policy: z.string().min(1).optional(),
});

function putPermission(account: AccountState, body: Json, region: string): Json {
  const input = parseJsonRequest(permissionSchema, body, CODES);
  const bus = busName(input.EventBusName);
  const busArn = `arn:aws:events:${region}:${account.id}:event-bus/${bus}`;
  const statementParameters = (['StatementId', 'Action', 'Principal', 'Condition'] as const).filter(
    (name) => input[name] !== undefined,
  );
  if (input.Policy !== undefined) {
    if (statementParameters.length > 0) {
      throw validation(
        `Parameter(s) ${statementParameters.join(', ')} cannot be used together with Policy: a Policy replaces the bus's whole policy.`,
      );
    }
    account.busPolicies.set(bus, parsePolicy(input.Policy));
    return {};
  }
  const missing = (['Action', 'Principal', 'StatementId'] as const).filter(
    (name) => input[name] === undefined,
  );
  if (missing.length > 0) {
    throw validation(`Parameter(s) ${missing.join(', ')} must be specified when Policy is not.`);
  }
  if (input.Action !== 'events:PutEvents') {
    throw validation(
      `Parameter Action is not valid: only events:PutEvents can be permitted, not ${input.Action}.`,
    );
  }
  if (input.Condition !== undefined) {
    if (input.Condition.Type !== 'StringEquals') {
      throw validation('Parameter Condition.Type is not valid: the only supported value is StringEquals.');
    }
    if (input.Condition.Key !== 'aws:PrincipalOrgID') {
      throw validation(
        'Parameter Condition.Key is not valid: the only supported value is aws:PrincipalOrgID.',
      );
    }
  }
  const statement: BusPolicyStatement = {
    Sid: input.StatementId!,
    Effect: 'Allow',
    Principal: input.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${input.Principal}:root` },
    Action: 'events:PutEvents',
    Resource: busArn,
    ...(input.Condition === undefined
      ? {}
      : { Condition: { StringEquals: { [input.Condition.Key]: input.Condition.Value } } }),
  };
  const current = account.busPolicies.get(bus);
  account.busPolicies.set(bus, {
    Version: current?.Version ?? '2012-10-17',
    Statement: [...(current?.Statement ?? []).filter((other) => other.Sid !== statement.Sid), statement],
  });
  return {};
}

/** A `Policy` document as EventBridge takes it: JSON, and within what the endpoint evaluates (bus-policy.ts). */
function parsePolicy(text: string): BusPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw validation('Parameter Policy is not valid: it is not a JSON document.');
  }
  try {
    return readBusPolicy(document);
  } catch (error: unknown) {
    if (error instanceof PolicyDocumentError)
      throw validation(`Parameter Policy is not valid: ${error.message}.`);
    throw error;
  }
}

/** RemovePermission (API_RemovePermission.html): one statement by its id, or with RemoveAllPermissions all of them. */
function removePermission(account: AccountState, body: Json): Json {
  const input = parseJsonRequest(
    z.strictObject({
      StatementId: z.string().min(1).max(64).optional(),
      RemoveAllPermissions: z.boolean().optional(),
      EventBusName: z.string().min(1).max(256).optional(),
    }),
    body,
    CODES,
  );
  const bus = busName(input.EventBusName);
  if (input.RemoveAllPermissions === true) {
    if (input.StatementId !== undefined) {
      throw validation('Parameter StatementId cannot be used together with RemoveAllPermissions.');
    }
    account.busPolicies.delete(bus);
    return {};
  }
  if (input.StatementId === undefined) {
    throw validation('Parameter(s) StatementId or RemoveAllPermissions must be specified.');
  }
  const current = account.busPolicies.get(bus);
  const statements = current?.Statement ?? [];
  if (!statements.some((statement) => statement.Sid === input.StatementId)) {
    throw new AwsServiceError('ResourceNotFoundException', `Statement with the provided id does not exist.`);
  }
  const remaining = statements.filter((statement) => statement.Sid !== input.StatementId);
  if (remaining.length === 0) account.busPolicies.delete(bus);
  else account.busPolicies.set(bus, { Version: current?.Version ?? '2012-10-17', Statement: remaining });
  return {};
}

/** DescribeEventBus (API_DescribeEventBus.html): the bus (named, or by ARN another account's) and its policy. */
function describeEventBus(world: LocalAwsWorld, caller: AccountState, body: Json, region: string): Json {
  const input = parseJsonRequest(z.object({ Name: busNameOrArn.optional() }), body, CODES);
  const account = busOwner(world, caller, input.Name);
  const bus = busName(input.Name);
  const policy = account.busPolicies.get(bus);
  return {
    Name: bus,
    Arn: `arn:aws:events:${region}:${account.id}:event-bus/${bus}`,
    ...(policy !== undefined && policy.Statement.length > 0 ? { Policy: JSON.stringify(policy) } : {}),
  };
}

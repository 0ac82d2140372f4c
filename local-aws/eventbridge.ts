/**
 * EventBridge over awsJson1_1: PutEvents (with injected per-entry failures),
 * EnableRule, DisableRule, DescribeRule.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AccountState, BusPermission, Rule } from './account.ts';
import { AwsServiceError } from './errors.ts';
import { parseEventPattern } from './event-pattern.ts';
import { type JsonErrorCodes, memberPath, parseJsonRequest, timestamp } from './json-rules.ts';
import { busName, type LocalAwsWorld } from './world.ts';

export const EVENTS_TARGET_PREFIX = 'AWSEvents.';
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function handleEventBridge(
  world: LocalAwsWorld,
  account: AccountState,
  action: string,
  body: Json,
  region: string,
): Json {
  switch (action) {
    case 'PutEvents':
      return putEvents(world, account, body, region);
    case 'EnableRule':
      return setRuleState(world, account, body, 'ENABLED');
    case 'DisableRule':
      return setRuleState(world, account, body, 'DISABLED');
    case 'DescribeRule':
      return describeRule(world, account, body);
    case 'PutRule':
      return putRule(world, account, body);
    case 'PutTargets':
      return putTargets(world, account, body);
    case 'RemoveTargets':
      return removeTargets(world, account, body);
    case 'ListTargetsByRule':
      return listTargets(world, account, body);
    case 'PutPermission':
      return putPermission(account, body);
    case 'RemovePermission':
      return removePermission(account, body);
    case 'DescribeEventBus':
      return describeEventBus(account, body, region);
    default:
      throw new AwsServiceError('UnknownOperationException', `The operation ${action} is not supported.`);
  }
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
    world.recordEvent({
      source: entry.Source!,
      'detail-type': entry.DetailType!,
      detail: JSON.parse(entry.Detail!),
      bus: busName(entry.EventBusName),
      resources: entry.Resources ?? [],
      region,
      account: account.id,
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
  const view = world.ruleView(findRule(world, account, body), account.id);
  return {
    Name: view.name,
    Arn: view.arn,
    State: view.state,
    EventBusName: view.eventBusName,
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

function putRule(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(putRuleSchema, body, CODES);
  if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
    throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  }
  if (input.EventPattern !== undefined) parseEventPattern(input.EventPattern);
  const { rule } = world.putRule({
    accountId: account.id,
    name: input.Name,
    state: input.State ?? 'ENABLED',
    ...(input.EventBusName !== undefined ? { eventBusName: input.EventBusName } : {}),
    ...(input.EventPattern !== undefined ? { eventPattern: input.EventPattern } : {}),
    ...(input.ScheduleExpression !== undefined ? { scheduleExpression: input.ScheduleExpression } : {}),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
  });
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
 * PutPermission (API_PutPermission.html): Action `events:PutEvents`, Principal a 12-digit account id or `*`,
 * StatementId 1–64 of `[a-zA-Z0-9-_]+`; the `Policy` and `Condition` forms are not modelled (refused).
 */
const permissionSchema = z.strictObject({
  EventBusName: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[/.\-_A-Za-z0-9]+$/)
    .optional(),
  Action: z.literal('events:PutEvents'),
  Principal: z.string().regex(/^(\d{12}|\*)$/),
  StatementId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9-_]+$/),
});

function putPermission(account: AccountState, body: Json): Json {
  const input = parseJsonRequest(permissionSchema, body, CODES);
  const bus = busName(input.EventBusName);
  const statements = (account.busPolicies.get(bus) ?? []).filter(
    (statement) => statement.statementId !== input.StatementId,
  );
  const permission: BusPermission = {
    statementId: input.StatementId,
    principal: input.Principal,
    action: 'events:PutEvents',
  };
  account.busPolicies.set(bus, [...statements, permission]);
  return {};
}

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
  const statements = account.busPolicies.get(bus) ?? [];
  if (input.RemoveAllPermissions === true) {
    account.busPolicies.delete(bus);
    return {};
  }
  if (!statements.some((statement) => statement.statementId === input.StatementId)) {
    throw new AwsServiceError('ResourceNotFoundException', `Statement with the provided id does not exist.`);
  }
  account.busPolicies.set(
    bus,
    statements.filter((statement) => statement.statementId !== input.StatementId),
  );
  return {};
}

function describeEventBus(account: AccountState, body: Json, region: string): Json {
  const input = parseJsonRequest(z.object({ Name: busNameOrArn.optional() }), body, CODES);
  const bus = busName(input.Name);
  const arn = `arn:aws:events:${region}:${account.id}:event-bus/${bus}`;
  const statements = account.busPolicies.get(bus) ?? [];
  return {
    Name: bus,
    Arn: arn,
    ...(statements.length > 0
      ? {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: statements.map((statement) => ({
              Sid: statement.statementId,
              Effect: 'Allow',
              Principal:
                statement.principal === '*' ? '*' : { AWS: `arn:aws:iam::${statement.principal}:root` },
              Action: statement.action,
              Resource: arn,
            })),
          }),
        }
      : {}),
  };
}

/**
 * EventBridge over awsJson1_1: PutEvents (with injected per-entry failures),
 * EnableRule, DisableRule, DescribeRule.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from './errors.ts';
import { busName, type LocalAwsWorld } from './world.ts';

export const EVENTS_TARGET_PREFIX = 'AWSEvents.';
const MAX_ENTRIES = 10;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function handleEventBridge(world: LocalAwsWorld, action: string, body: Json, region: string): Json {
  switch (action) {
    case 'PutEvents':
      return putEvents(world, body, region);
    case 'EnableRule':
      return setRuleState(world, body, 'ENABLED');
    case 'DisableRule':
      return setRuleState(world, body, 'DISABLED');
    case 'DescribeRule':
      return describeRule(world, body);
    default:
      throw new AwsServiceError('UnknownOperationException', `The operation ${action} is not supported.`);
  }
}

function entryError(entry: unknown): { code: string; message: string } | undefined {
  if (!isObject(entry)) return { code: 'InvalidArgument', message: 'Entry must be an object.' };
  for (const member of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[member] !== 'string' || entry[member] === '') {
      return {
        code: 'InvalidArgument',
        message: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
      };
    }
  }
  try {
    const detail: unknown = JSON.parse(entry.Detail as string);
    if (!isObject(detail)) return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}

function putEvents(world: LocalAwsWorld, body: Json, region: string): Json {
  const entries = body.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new AwsServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length > MAX_ENTRIES) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  const injected = world.takePartialFailure('PutEvents');
  let failed = 0;
  const results = entries.map((entry: unknown, index) => {
    const error =
      injected && index < injected.entries
        ? { code: injected.code, message: injected.message }
        : entryError(entry);
    if (error) {
      failed++;
      return { ErrorCode: error.code, ErrorMessage: error.message };
    }
    const valid = entry as Json;
    const eventId = randomUUID();
    const time = valid.Time;
    world.recordEvent({
      source: valid.Source as string,
      'detail-type': valid.DetailType as string,
      detail: JSON.parse(valid.Detail as string),
      bus: busName(typeof valid.EventBusName === 'string' ? valid.EventBusName : undefined),
      resources: Array.isArray(valid.Resources)
        ? valid.Resources.filter((item) => typeof item === 'string')
        : [],
      region,
      account: world.settings.accountId,
      id: eventId,
      ...(typeof time === 'number' ? { time: new Date(time * 1000).toISOString() } : {}),
    });
    return { EventId: eventId };
  });
  return { FailedEntryCount: failed, Entries: results };
}

function ruleName(body: Json): string {
  if (typeof body.Name !== 'string' || body.Name === '') {
    throw new AwsServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  return body.Name;
}

function findRule(world: LocalAwsWorld, body: Json) {
  const name = ruleName(body);
  const bus = typeof body.EventBusName === 'string' ? body.EventBusName : undefined;
  const rule = world.findRule(name, bus);
  if (!rule) {
    throw new AwsServiceError(
      'ResourceNotFoundException',
      `Rule ${name} does not exist on EventBus ${busName(bus)}.`,
    );
  }
  return rule;
}

function setRuleState(world: LocalAwsWorld, body: Json, state: 'ENABLED' | 'DISABLED'): Json {
  findRule(world, body).state = state;
  return {};
}

function describeRule(world: LocalAwsWorld, body: Json): Json {
  const view = world.ruleView(findRule(world, body));
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

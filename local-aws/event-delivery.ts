/**
 * What EventBridge does with an event once it is on a bus: every enabled rule of that bus whose pattern matches
 * sends it to each of its targets. A target that is an event bus receives the event there (the same event,
 * `account` still its source's), if that bus is the rule's account's own or its resource policy allows the
 * rule's account `events:PutEvents` on it (PutPermission; evaluated as a request of that account's root, with
 * `aws:SourceArn`/`aws:SourceAccount` naming the rule, `aws:PrincipalOrgID`, `events:source` and
 * `events:detail-type`); the receiving bus's rules then match in turn. Any other target (a queue, a
 * function, ...) is recorded as a delivery the admin API shows (`GET /_local/deliveries`).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 */
import type { AccountState, Rule } from './account.ts';
import { type BusPolicy, evaluateBusPolicy } from './bus-policy.ts';
import { matchesEventPattern, parseEventPattern } from './event-pattern.ts';
import type { EventRecord } from './types.ts';

/** A matched event handed to a target that is not an event bus, or refused by the target bus's policy. */
export interface DeliveryRecord {
  at: string;
  /** The account of the rule that matched. */
  accountId: string;
  bus: string;
  rule: string;
  targetId: string;
  targetArn: string;
  /** `delivered`, or `denied` when the target bus's policy does not admit the rule's account. */
  outcome: 'delivered' | 'denied';
  event: Record<string, unknown>;
}

export interface DeliveryFilter {
  accountId?: string;
  rule?: string;
}

const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/([/.\-_A-Za-z0-9]+)$/;
/** Forwarding stops after this many buses, as EventBridge limits how far an event travels between buses. */
const MAX_HOPS = 3;

const patternCache = new Map<string, Record<string, unknown>>();

function parsedPattern(text: string): Record<string, unknown> | undefined {
  let pattern = patternCache.get(text);
  if (pattern === undefined) {
    try {
      pattern = parseEventPattern(text);
    } catch {
      return undefined;
    }
    patternCache.set(text, pattern);
  }
  return pattern;
}

/** The event as a rule matches it and a target receives it (EventBridge's envelope). */
export function envelopeOf(record: EventRecord): Record<string, unknown> {
  return {
    version: '0',
    id: record.id,
    'detail-type': record['detail-type'],
    source: record.source,
    account: record.account,
    time: record.time.replace(/\.\d{3}Z$/, 'Z'),
    region: record.region,
    resources: record.resources ?? [],
    detail: record.detail,
  };
}

/** What a rule's delivery asks of the target bus's policy. */
export interface DeliveryRequest {
  /** The account whose bus the rule is on: it sends. */
  accountId: string;
  /** Its organization, if any (`aws:PrincipalOrgID`). */
  organizationId?: string;
  ruleArn: string;
  targetBusArn: string;
  source: string;
  detailType: string;
  region: string;
}

/** Whether a bus's resource policy lets a rule of another account put this event on it. */
export function admits(policy: BusPolicy | undefined, request: DeliveryRequest): boolean {
  const root = `arn:aws:iam::${request.accountId}:root`;
  return evaluateBusPolicy(
    policy,
    { accountId: request.accountId, principalArn: root },
    {
      action: 'events:PutEvents',
      resource: request.targetBusArn,
      context: {
        'aws:PrincipalAccount': request.accountId,
        'aws:PrincipalArn': root,
        'aws:SourceAccount': request.accountId,
        'aws:SourceArn': request.ruleArn,
        'aws:RequestedRegion': request.region,
        ...(request.organizationId === undefined ? {} : { 'aws:PrincipalOrgID': request.organizationId }),
        'events:source': request.source,
        'events:detail-type': request.detailType,
      },
    },
  ).allowed;
}

export interface DeliveryHost {
  account(accountId: string): AccountState;
  /** The organization an account is in, if any. */
  organizationOf(accountId: string): string | undefined;
  /** Records the event on another bus (and routes it from there). */
  forward(record: EventRecord, bus: string, busAccount: string, hops: number): void;
  deliver(delivery: DeliveryRecord): void;
}

/** Sends an event just put on `bus` of `busAccount` to the targets of the rules that match it. */
export function route(
  host: DeliveryHost,
  record: EventRecord,
  busAccount: string,
  hops: number,
  nowIso: string,
): void {
  const account = host.account(busAccount);
  const bus = record.bus ?? 'default';
  let envelope: Record<string, unknown> | undefined;
  for (const rule of account.rules.values()) {
    if (!rulesFor(rule, bus)) continue;
    const pattern = parsedPattern(rule.eventPattern ?? '');
    envelope ??= envelopeOf(record);
    if (pattern === undefined || !matchesEventPattern(pattern, envelope)) continue;
    for (const target of rule.targets) {
      const busTarget = BUS_ARN.exec(target.arn);
      const delivery = {
        at: nowIso,
        accountId: busAccount,
        bus,
        rule: rule.name,
        targetId: target.id,
        targetArn: target.arn,
        event: envelope,
      };
      if (!busTarget) {
        host.deliver({ ...delivery, outcome: 'delivered' });
        continue;
      }
      const [, region, targetAccount = '', targetBus = 'default'] = busTarget;
      if (region !== record.region && record.region !== undefined) continue;
      if (targetAccount === busAccount && targetBus === bus) continue;
      const busPart = bus === 'default' ? '' : `${bus}/`;
      const organizationId = targetAccount === busAccount ? undefined : host.organizationOf(busAccount);
      if (
        targetAccount !== busAccount &&
        !admits(host.account(targetAccount).busPolicies.get(targetBus), {
          accountId: busAccount,
          ...(organizationId === undefined ? {} : { organizationId }),
          ruleArn: `arn:aws:events:${region}:${busAccount}:rule/${busPart}${rule.name}`,
          targetBusArn: target.arn,
          source: record.source,
          detailType: record['detail-type'],
          region: region ?? '',
        })
      ) {
        host.deliver({ ...delivery, outcome: 'denied' });
        continue;
      }
      if (hops < MAX_HOPS) host.forward(record, targetBus, targetAccount, hops + 1);
    }
  }
}

function rulesFor(rule: Rule, bus: string): boolean {
  return (
    rule.state === 'ENABLED' &&
    rule.eventBusName === bus &&
    rule.targets.length > 0 &&
    rule.eventPattern !== undefined
  );
}

/**
 * The borrower accounts of a scenario, subscribed to the service's heads-up as the README's borrower is:
 * - on the service's bus, named by its ARN, with the borrower's own credentials through the SDK, a rule
 *   matching `Reclaim Scheduled`, `Reclaim Started` and `Reclaim Cancelled` of the interruptible reservations
 *   RAM shares with the borrower, sending them to the borrower's default bus: the hub's bus policy (deployed
 *   from serverless.yml) must admit it, as in production. It follows what is shared: a new interruptible id, or
 *   one shared or unshared, re-subscribes it, as a borrower's automation on `Interruptible Reservation Changed` would;
 * - on its own default bus, with its own credentials through the SDK: a policy admitting the hub's rule to
 *   deliver there, and its rule handing the notices to its drain (a Lambda ARN of its own), whose deliveries
 *   the endpoint logs (`GET /_local/deliveries`): what the borrower received, and when.
 */
import {
  EventBridgeClient,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import type { IamPrincipal } from '@odcr-reclaimer/local-aws/iam.ts';
import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import { inProcessSdkConfig } from '@odcr-reclaimer/local-aws/in-process-handler.ts';
import type { LocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { DETAIL_TYPE, EVENT_SOURCE } from '#shared/events/service-events.ts';
import type { ReceivedNotice } from './result.ts';
import type { BorrowerAccount } from './scenario.ts';

/** The heads-up notices a borrower subscribes to. */
export const HEADS_UP_DETAIL_TYPES = [
  DETAIL_TYPE.reclaimScheduled,
  DETAIL_TYPE.reclaimStarted,
  DETAIL_TYPE.reclaimCancelled,
] as const;

/** The borrower's rule on its own bus, and its drain function's name. */
export const DRAIN_RULE = 'drain-before-reclaim';

export interface BorrowerSubscriptionOptions {
  local: LocalAws;
  hubAccountId: string;
  /** The hub's region: the service's bus is there, and so are the rule and the borrower bus it sends to. */
  region: string;
  busName: string;
  /** Every region whose reservations may be shared (the hub's and the spokes'). */
  regions: readonly string[];
  borrowers: readonly BorrowerAccount[];
}

/** The IAM principal each borrower signs its own calls with: its rules and bus policy, nothing else. */
export function borrowerPrincipal(accountId: string): IamPrincipal {
  const name = `borrower-${accountId}`;
  return {
    name,
    accessKeyId: accessKeyIdFor(name),
    accountId,
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['events:PutPermission', 'events:PutRule', 'events:PutTargets'],
            Resource: '*',
          },
        ],
      },
    ],
  };
}

/** An EventBridge client signing as the borrower's principal (in-process: destroying it is cheap). */
function borrowerClient(local: LocalAws, region: string, accountId: string): EventBridgeClient {
  const principal = borrowerPrincipal(accountId);
  return new EventBridgeClient({
    ...inProcessSdkConfig(local, region),
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: 'sandbox-borrower-secret' },
  });
}

/** The borrower's rule for its heads-up on the service's bus. */
export function headsUpRuleName(accountId: string): string {
  return `heads-up-to-${accountId}`;
}

export class BorrowerSubscriptions {
  /** The interruptible ids each borrower is subscribed to, as one key to notice a change. */
  private readonly subscribed = new Map<string, string>();
  /** Every interruptible reservation ever shared with each borrower: its source and owner. */
  private readonly everShared = new Map<string, Map<string, string>>();

  constructor(private readonly options: BorrowerSubscriptionOptions) {}

  /** Each borrower, with its own credentials: the bus policy admitting the hub, and its drain rule. */
  async setUp(): Promise<void> {
    const { local, hubAccountId, region } = this.options;
    for (const borrower of this.options.borrowers) {
      const client = borrowerClient(local, region, borrower.id);
      try {
        await client.send(
          new PutPermissionCommand({
            Action: 'events:PutEvents',
            Principal: hubAccountId,
            StatementId: 'odcr-reclaimer-heads-up',
          }),
        );
        await client.send(
          new PutRuleCommand({
            Name: DRAIN_RULE,
            EventPattern: JSON.stringify({
              source: [EVENT_SOURCE],
              account: [hubAccountId],
              'detail-type': [...HEADS_UP_DETAIL_TYPES],
            }),
          }),
        );
        await client.send(
          new PutTargetsCommand({
            Rule: DRAIN_RULE,
            Targets: [{ Id: 'drain', Arn: `arn:aws:lambda:${region}:${borrower.id}:function:${DRAIN_RULE}` }],
          }),
        );
      } finally {
        client.destroy();
      }
    }
    await this.refresh();
  }

  /** Re-subscribes each borrower whose shared interruptible reservations changed since the last look. */
  async refresh(): Promise<void> {
    let sources: Map<string, string> | undefined;
    for (const borrower of this.options.borrowers) {
      const shared = this.sharedWith(borrower.id);
      const ever = this.everShared.get(borrower.id) ?? new Map<string, string>();
      this.everShared.set(borrower.id, ever);
      for (const id of shared) {
        if (ever.has(id)) continue;
        sources ??= this.interruptibleSources();
        const source = sources.get(id);
        if (source !== undefined) ever.set(id, source);
      }
      const key = shared.join(',');
      if (this.subscribed.get(borrower.id) === key) continue;
      this.subscribed.set(borrower.id, key);
      await this.subscribe(borrower.id, shared);
    }
  }

  /** The borrower's rule on the service's bus, put (or re-put) with the borrower's own credentials. */
  private async subscribe(accountId: string, shared: readonly string[]): Promise<void> {
    const { local, hubAccountId, region, busName } = this.options;
    const bus = `arn:aws:events:${region}:${hubAccountId}:event-bus/${busName}`;
    const client = borrowerClient(local, region, accountId);
    try {
      await client.send(
        new PutRuleCommand({
          Name: headsUpRuleName(accountId),
          EventBusName: bus,
          // Nothing shared yet: the rule waits, disabled (a pattern needs at least one value).
          State: shared.length > 0 ? 'ENABLED' : 'DISABLED',
          EventPattern: JSON.stringify({
            source: [EVENT_SOURCE],
            'detail-type': [...HEADS_UP_DETAIL_TYPES],
            detail: { interruptibleReservationId: shared.length > 0 ? shared : ['none'] },
          }),
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: headsUpRuleName(accountId),
          EventBusName: bus,
          Targets: [{ Id: 'borrower-bus', Arn: `arn:aws:events:${region}:${accountId}:event-bus/default` }],
        }),
      );
    } finally {
      client.destroy();
    }
  }

  /** The interruptible reservation ids RAM shares with an account now, in every region, sorted. */
  private sharedWith(accountId: string): string[] {
    const ids = new Set<string>();
    for (const region of this.options.regions) {
      for (const arn of this.options.local.admin.ram.sharedWith(accountId, region)) {
        ids.add(arn.slice(arn.lastIndexOf('/') + 1));
      }
    }
    return [...ids].sort();
  }

  /** Interruptible id → `<owner account> <source reservation id>`, over every account's reservations. */
  private interruptibleSources(): Map<string, string> {
    const sources = new Map<string, string>();
    for (const account of this.options.local.admin.accounts()) {
      for (const view of this.options.local.admin.listReservations({ accountId: account.id }).reservations) {
        const interruptible = view.allocation?.interruptibleId;
        if (interruptible !== undefined) sources.set(interruptible, `${account.id} ${view.id}`);
      }
    }
    return sources;
  }

  /** The source reservations ever shared with a borrower during the run, with their owner accounts. */
  shared(accountId: string): { reservationId: string; accountId: string }[] {
    const seen = new Map<string, string>();
    for (const value of this.everShared.get(accountId)?.values() ?? []) {
      const [owner = '', reservationId = ''] = value.split(' ');
      seen.set(reservationId, owner);
    }
    return [...seen]
      .map(([reservationId, owner]) => ({ reservationId, accountId: owner }))
      .sort((a, b) => a.reservationId.localeCompare(b.reservationId));
  }

  /** What each borrower's drain received, in order. */
  received(accountId: string): ReceivedNotice[] {
    return this.options.local.admin
      .deliveries({ accountId, rule: DRAIN_RULE })
      .deliveries.filter((delivery) => delivery.outcome === 'delivered')
      .map((delivery) => ({
        at: delivery.at,
        detailType: String(delivery.event['detail-type']),
        detail: delivery.event.detail,
      }));
  }
}

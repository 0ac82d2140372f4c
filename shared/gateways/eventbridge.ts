import {
  DisableRuleCommand,
  EnableRuleCommand,
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type ServiceEvent } from '../events/service-events.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import { callAws } from './aws-call.ts';

export interface PublishFailure {
  detailType: string;
  errorCode: string;
  errorMessage: string;
}

export interface PublishResult {
  published: number;
  /** Entries still rejected after retrying (empty when all went through). */
  failed: PublishFailure[];
  /**
   * The events of those entries, as given: PutEvents answers per entry (FailedEntryCount counts them), so a
   * caller with an outbox marks sent exactly the others.
   */
  rejected: ServiceEvent[];
}

/** EventBridge as the service uses it: its own events, and the switch of the tracker's rule. */
export interface EventGateway {
  publish(events: readonly ServiceEvent[]): Promise<PublishResult>;
  /**
   * Turns the tracker's `rate(1 minute)` rule on; harmless when it already is. Scheduled rules live on the
   * default bus (EventBridge allows schedules nowhere else), so this names no bus.
   */
  enableTracker(): Promise<void>;
  /** Turns the tracker's rule off when nothing is in flight; the tracker re-checks afterwards. */
  disableTracker(): Promise<void>;
}

export interface EventBridgeGatewayOptions {
  busName: string;
  trackerRuleName: string;
  client: EventBridgeClient;
  /** Waits between retries of partially failed puts; injected so tests run on simulated time. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts for entries that PutEvents rejected individually (the SDK does not retry those). */
  maxEntryAttempts?: number;
}

interface OutgoingEntry {
  event: ServiceEvent;
  entry: PutEventsRequestEntry;
}

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_PUT = 10;
const BASE_BACKOFF_MS = 100;
const PUTS_IN_FLIGHT = 8;

export class EventBridgeGateway implements EventGateway {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly trackerRuleName: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxEntryAttempts: number;

  constructor(options: EventBridgeGatewayOptions) {
    this.client = options.client;
    this.busName = options.busName;
    this.trackerRuleName = options.trackerRuleName;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxEntryAttempts = options.maxEntryAttempts ?? 3;
  }

  async publish(events: readonly ServiceEvent[]): Promise<PublishResult> {
    const batches: OutgoingEntry[][] = [];
    for (let start = 0; start < events.length; start += ENTRIES_PER_PUT) {
      batches.push(
        events.slice(start, start + ENTRIES_PER_PUT).map((event) => ({ event, entry: this.toEntry(event) })),
      );
    }
    // PutEvents takes 10 entries: a fleet-wide change is hundreds of puts, sent a few at a time.
    const results = await mapWithConcurrency(batches, PUTS_IN_FLIGHT, (batch) => this.putWithRetries(batch));
    return {
      published: results.reduce((sum, result) => sum + result.published, 0),
      failed: results.flatMap((result) => result.failed),
      rejected: results.flatMap((result) => result.rejected),
    };
  }

  async enableTracker(): Promise<void> {
    await callAws('events', 'EnableRule', () =>
      this.client.send(new EnableRuleCommand({ Name: this.trackerRuleName })),
    );
  }

  async disableTracker(): Promise<void> {
    await callAws('events', 'DisableRule', () =>
      this.client.send(new DisableRuleCommand({ Name: this.trackerRuleName })),
    );
  }

  private async putWithRetries(entries: OutgoingEntry[]): Promise<PublishResult> {
    let pending = entries;
    let published = 0;
    let lastFailures: PublishFailure[] = [];
    for (let attempt = 1; attempt <= this.maxEntryAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(BASE_BACKOFF_MS * 2 ** (attempt - 2));
      const batch = pending;
      const answer = await callAws('events', 'PutEvents', () =>
        this.client.send(new PutEventsCommand({ Entries: batch.map((outgoing) => outgoing.entry) })),
      );
      const retry: OutgoingEntry[] = [];
      lastFailures = [];
      batch.forEach((outgoing, index) => {
        const { entry } = outgoing;
        // The answer's entries are in the request's order; one missing is not known to have gone through.
        const result = answer.Entries?.[index];
        if (result === undefined || result.ErrorCode) {
          retry.push(outgoing);
          lastFailures.push({
            detailType: entry.DetailType ?? '',
            errorCode: result?.ErrorCode ?? 'MissingEntryResult',
            errorMessage: result?.ErrorMessage ?? '',
          });
        } else {
          published++;
        }
      });
      pending = retry;
    }
    return {
      published,
      failed: pending.length === 0 ? [] : lastFailures,
      rejected: pending.map((outgoing) => outgoing.event),
    };
  }

  private toEntry(event: ServiceEvent): PutEventsRequestEntry {
    return {
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      EventBusName: this.busName,
      ...(event.time === undefined ? {} : { Time: event.time }),
      ...(event.resources === undefined ? {} : { Resources: event.resources }),
    };
  }
}

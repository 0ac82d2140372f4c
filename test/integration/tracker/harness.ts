/**
 * The real tracker handler wired to the local AWS endpoint with the real SDK, on the endpoint's simulated
 * clock: a run's 50 seconds of polling and an hour of reclaiming take milliseconds.
 * Names, SDK settings and the Lambda context come from test/support, shared with the reclaim tests.
 */
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { type LocalAws, type SeedState, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { onTestFinished } from 'vitest';
import { createHandler } from '#functions/track-reclamation/handler.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { DesiredTarget } from '#shared/domain/records.ts';
import { createSilentLogger, type Logger } from '#shared/logging/logger.ts';
import { desiredTargetCodec, lastRequestCodec } from '#shared/records/tags.ts';
import type { TrackerSettings } from '#shared/tracker/assess.ts';
import type { TrackerGateways, TrackResult } from '#shared/tracker/track.ts';
import {
  EVENT_BUS_NAME,
  EXAMPLE_CONFIG_FILE,
  LEASE_TABLE,
  type LocalGateways,
  lambdaContext,
  localGateways,
  METRICS_NAMESPACE,
  TRACKER_RULE_NAME,
  TRADING,
  trackerEvent,
} from '../../support/local-service.ts';

export { TRADING };
export const BUS = EVENT_BUS_NAME;
export const RULE = TRACKER_RULE_NAME;
export const NAMESPACE = METRICS_NAMESPACE;
const FUNCTION_NAME = 'odcr-reclaimer-dev-track-reclamation';

export interface TrackerHarness {
  local: LocalAws;
  gateways: LocalGateways;
  /** The example config: the tracker decides a deferred change again with it. */
  config: PolicyConfig;
  invoke(event: unknown): Promise<TrackResult>;
  /** One run woken by the tracker's rule at the simulated now. */
  runScheduled(): Promise<TrackResult>;
  /** The tracker on other gateways (traced, slow, failing) or with another logger, on this config and clock. */
  trackerWith(gateways: TrackerGateways, logger?: Logger): TrackerHandler;
  /**
   * Runs `tracker` (the harness's own by default) once a minute, as the rule would, until a run leaves the
   * rule disabled; returns every result.
   */
  runUntilIdle(maxRuns?: number, tracker?: TrackerHandler): Promise<TrackResult[]>;
  /** Runs the harness's tracker once a minute for `minutes` minutes, whatever it leaves its rule in. */
  runMinutes(minutes: number): Promise<void>;
  /** Lowers or raises the target and records the request as reconcile does. */
  request(
    reservationId: string,
    target: number,
    options?: { deadline?: Date; trigger?: string },
  ): Promise<Date>;
  /** Records a desired target, as a reconcile does when the allocation is busy: the tracker applies it. */
  recordDesired(reservationId: string, desired: DesiredTarget): Promise<void>;
  events(detailType: string): { time: string; detail: Record<string, unknown> }[];
  ruleState(): string | undefined;
  close(): Promise<void>;
}

/** The tracker function's handler, as `createHandler` builds it. */
export type TrackerHandler = ReturnType<typeof createHandler>;

export const TRADING_FLEET: SeedState = {
  now: '2026-03-02T13:00:00.000Z',
  reservations: [
    {
      id: TRADING,
      instanceType: 'r7i.4xlarge',
      availabilityZone: 'us-east-1a',
      totalInstanceCount: 100,
      tags: { 'odcr-reclaimer:managed': 'true', fleet: 'trading', Name: 'xnys-trading-r7i' },
      interruptible: { instanceCount: 60, borrowed: 30, zeroSizePreference: 'retain' },
    },
  ],
};

/** Called inside a test: the endpoint closes when the test finishes. */
export async function startTrackerHarness(
  seed: SeedState = TRADING_FLEET,
  options: { settings?: TrackerSettings; ruleState?: 'ENABLED' | 'DISABLED' } = {},
): Promise<TrackerHarness> {
  const local = await startLocalAws({
    port: 0,
    settings: { shutdownSeconds: 60, shutdownSpreadSeconds: 30, seed: 'tracker' },
    seed: {
      // The config's alarms, OK: an alarm not found would hold every lend-back (fail safe).
      alarms: loadExampleFleet().alarms ?? [],
      ...seed,
      rules: [
        {
          name: RULE,
          state: options.ruleState ?? 'ENABLED',
          // Schedule rules live on the default bus (EventBridge allows schedules only there).
          scheduleExpression: 'rate(1 minute)',
        },
      ],
      tables: [LEASE_TABLE],
    },
  });
  // The service's own SDK settings (adaptive retries), as the reclaim tests use them.
  const gateways = localGateways(local.url, { sleep: local.clock.sleep });
  const config = loadConfigFile(EXAMPLE_CONFIG_FILE);
  const trackerWith = (trackerGateways: TrackerGateways, logger: Logger = createSilentLogger()) =>
    createHandler({
      gateways: trackerGateways,
      config,
      clock: local.clock,
      logger,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
  const handler = trackerWith(gateways);
  let runs = 0;
  const invoke = (event: unknown) => handler(event, lambdaContext(FUNCTION_NAME));
  const nextEvent = () => trackerEvent(local, `tracker-run-${++runs}`);
  const runScheduled = () => invoke(nextEvent());
  // As the rule fires: a run that took less than a minute is followed by the next one a minute after it began.
  const waitForNextMinute = (startedAt: number) => {
    const nextMinute = startedAt + 60_000;
    const now = local.clock.now().getTime();
    if (now < nextMinute) local.advance((nextMinute - now) / 1000);
  };
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= local.close();
    return closed;
  };
  onTestFinished(close);
  return {
    local,
    gateways,
    config,
    invoke,
    runScheduled,
    trackerWith,
    async runUntilIdle(maxRuns = 60, tracker = handler) {
      const results: TrackResult[] = [];
      for (let run = 0; run < maxRuns; run++) {
        const startedAt = local.clock.now().getTime();
        const result = await tracker(nextEvent(), lambdaContext(FUNCTION_NAME));
        results.push(result);
        if (result.rule === 'disabled') return results;
        waitForNextMinute(startedAt);
      }
      throw new Error(`tracker still enabled after ${maxRuns} runs`);
    },
    async runMinutes(minutes) {
      for (let minute = 0; minute < minutes; minute++) {
        const startedAt = local.clock.now().getTime();
        await runScheduled();
        waitForNextMinute(startedAt);
      }
    },
    async request(reservationId, target, { deadline, trigger = 'schedule' } = {}) {
      const [snapshot] = (await gateways.capacity.describeManaged()).filter(
        (s) => s.reservationId === reservationId,
      );
      const from = snapshot?.allocation?.target ?? 0;
      const at = local.clock.now();
      await gateways.capacity.updateAllocation({ reservationId, target, zeroSizePreference: 'retain' });
      await gateways.capacity.tag(
        reservationId,
        lastRequestCodec.tags({
          target,
          from,
          at,
          trigger,
          reason: 'test',
          ...(deadline ? { deadline } : {}),
        }),
      );
      return at;
    },
    async recordDesired(reservationId, desired) {
      await gateways.capacity.tag(reservationId, desiredTargetCodec.tags(desired));
    },
    events(detailType) {
      return local.admin
        .events({ detailType })
        .events.map((event) => ({ time: event.time, detail: event.detail as Record<string, unknown> }));
    },
    ruleState() {
      return local.admin.ruleList().rules.find((rule) => rule.name === RULE)?.state;
    },
    close,
  };
}

/**
 * A reclaim larger than one Lambda run, against the endpoint throttling as EC2 does: the schedule run sends
 * until its budget (the function's timeout, counted on the simulated clock) is spent and records the rest,
 * and the tracker, every minute while its rule is on, sends what is left. A scaled-down equivalent of 10,000
 * reservations in one region: the account's Update bucket is stated smaller in the config, and the endpoint's
 * throttle is set from the same statement, so a few hundred reservations take several runs.
 */
import { inProcessSdkConfig } from '@odcr-reclaimer/local-aws/in-process-handler.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { lambdaLogShipper } from '#sandbox/log-shipper.ts';
import { endpointRequestLimits } from '#sandbox/runner.ts';
import { readFunctionTimeouts } from '#sandbox/service-definition.ts';
import { currentOrNextSession } from '#shared/calendar/index.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { ec2RequestLimits, reclaimUpdateBucket, sendingSeconds } from '#shared/domain/ec2-request-limits.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { leadMinutes } from '#shared/policy/index.ts';
import { reclaimSendingMinutes, scheduleWindow } from '#shared/policy/lead.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { createGateways } from '#shared/runtime/gateways.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import {
  lambdaContext,
  SERVICE_NAMES,
  scheduledEvent,
  TRACKER_RULE_NAME,
  trackerEvent,
} from '../../support/local-service.ts';
import { OFF_HOURS, scaleConfig, scaleSeed, zonesIn } from './fleet.ts';

function fail(message: string): never {
  throw new Error(message);
}

const FLEET = 240;
const REGION = 'us-east-1';
const ZONES = zonesIn(REGION);
const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';
const MINUTE_MS = 60_000;

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

/** The scale fleet's config, with an account whose Update bucket is a tenth of EC2's default. */
function smallBucketConfig() {
  const { ec2RequestLimits: _none, ...base } = scaleConfig(ZONES);
  return parseConfig({ ...base, ec2RequestLimits: { mutating: { capacity: 5, refillPerSecond: 0.5 } } });
}

function updates(calls: readonly CallRecord[]): CallRecord[] {
  return calls.filter((call) => call.action === UPDATE);
}

function reservationOf(call: CallRecord): string {
  return (call.params as Record<string, string>)['CapacityReservationId'] ?? '';
}

describe('a reclaim larger than one run, under EC2 request throttling', () => {
  it('is sent over several runs, each update once, none refused, and the fleet is back by the bell', async () => {
    const config = smallBucketConfig();
    const limits = ec2RequestLimits(config.ec2RequestLimits);
    aws = await startLocalAws({
      port: 0,
      seed: scaleSeed(FLEET, OFF_HOURS, ZONES),
      settings: { start: OFF_HOURS, requestRateScale: 1, ...endpointRequestLimits(config) },
    });
    const local = aws;
    // In-process, as the sandbox dispatches: a request reaches the endpoint before the clock moves on.
    const built = createGateways({
      names: SERVICE_NAMES,
      regions: config.regions,
      clientSettings: (scope) => inProcessSdkConfig(local, scope.region ?? REGION),
      sleep: (ms) => local.clock.sleep(ms),
      pacing: local.clock,
      requestLimits: limits,
      metricLog: lambdaLogShipper(local.admin, 'reclaim-across-runs'),
    });
    const gateways = { ...built, metrics: built.metrics ?? fail('no metrics gateway') };
    const dependencies = { config, gateways, clock: local.clock, logger: createSilentLogger() };
    const schedule = createScheduleHandler(dependencies);
    const tracker = createTrackerHandler(dependencies);
    const timeouts = readFunctionTimeouts();

    // The reclaim starts where the policy plans it: the lead counts the sending over runs.
    const sending = reclaimSendingMinutes(
      Array.from({ length: FLEET }, () => ({ region: REGION })),
      limits,
    );
    const lead = leadMinutes(config, [], sending);
    const open = currentOrNextSession('XNYS', new Date(OFF_HOURS)).open;
    const start = scheduleWindow('XNYS', new Date(OFF_HOURS), lead, config).reclaimFrom;
    local.setClock(start.toISOString());

    const first = (await schedule(
      scheduledEvent(local, 'before-open'),
      lambdaContext('odcr-reclaimer-dev-reclaim-on-schedule', {
        clock: local.clock,
        timeoutSeconds: timeouts['reclaim-on-schedule'] ?? 0,
      }),
    )) as ReconcileResult;
    const handedOver = first.outcomes.filter((outcome) => outcome.outcome === 'deferred').length;
    // The first run could not send it all: the rest was left to the tracker.
    expect(handedOver).toBeGreaterThan(0);
    expect(first.outcomes.filter((outcome) => outcome.outcome === 'updated').length).toBe(FLEET - handedOver);

    // The tracker's rule, as EventBridge fires it: on each minute while it is enabled.
    const runs: TrackResult[] = [];
    const ruleEnabled = () =>
      local.admin.ruleList().rules.find((rule) => rule.name === TRACKER_RULE_NAME)?.state === 'ENABLED';
    while (ruleEnabled() && local.clock.now() < open) {
      const next = Math.floor(local.clock.now().getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      local.setClock(new Date(next).toISOString());
      runs.push(
        (await tracker(
          trackerEvent(local, `tick-${next}`),
          lambdaContext('odcr-reclaimer-dev-track-reclamation', {
            clock: local.clock,
            timeoutSeconds: timeouts['track-reclamation'] ?? 0,
          }),
        )) as TrackResult,
      );
    }

    const calls = local.admin.calls({}).calls;
    expect(calls.filter((call) => call.outcome === 'RequestLimitExceeded')).toEqual([]);
    const sent = updates(calls).filter((call) => call.outcome === 'ok');
    // Every reservation updated exactly once: none lost, none repeated.
    expect(sent).toHaveLength(FLEET);
    expect(new Set(sent.map(reservationOf)).size).toBe(FLEET);
    const sendingRuns = runs.filter((run) => run.applied.length > 0).length;
    expect(sendingRuns).toBeGreaterThanOrEqual(2);
    expect(runs.flatMap((run) => run.applied).length).toBe(handedOver);

    // The last update within what the lead planned for sending, and no sooner than the bucket allows.
    const lastUpdateMs = Math.max(...sent.map((call) => Date.parse(call.at)));
    const sendingMs = lastUpdateMs - start.getTime();
    expect(sendingMs).toBeGreaterThanOrEqual(sendingSeconds(FLEET, reclaimUpdateBucket(limits)) * 1000);
    expect(sendingMs).toBeLessThanOrEqual(sending * MINUTE_MS);
    // Back by the bell: every allocation reached 0 before the open.
    expect(local.clock.now().getTime()).toBeLessThan(open.getTime());
    const lent = local.admin
      .listReservations()
      .reservations.filter((reservation) => (reservation.allocation?.current ?? 0) > 0);
    expect(lent).toEqual([]);
    expect(ruleEnabled()).toBe(false);
  });
});

/**
 * Several regions and an alarm burst, on a small fleet shaped like the 10,000 of
 * `npm run bench` (3 regions, 6 AZs): one Describe per region, each change sent to its reservation's own
 * region, records batched, and 200 alarm events in a minute changing each reservation once per target change.
 */

import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { CallRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createAlarmHandler } from '#functions/reclaim-on-alarm/handler.ts';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import { alarmEvent, lambdaContext, localGateways, scheduledEvent } from '../../support/local-service.ts';
import {
  BEFORE_OPEN,
  LENT_OFF_HOURS,
  OFF_HOURS,
  SCALE_ALARM,
  SCALE_REGIONS,
  scaleConfig,
  scaleGateways,
  scaleSeed,
} from './fleet.ts';

const FLEET = 60;
const UPDATE = 'UpdateInterruptibleCapacityReservationAllocation';

let aws: LocalAws;

beforeEach(async () => {
  aws = await startLocalAws({ port: 0, seed: scaleSeed(FLEET, OFF_HOURS), settings: { start: OFF_HOURS } });
});
afterEach(() => aws.close());

function dependencies() {
  const config = scaleConfig();
  return {
    config,
    gateways: scaleGateways(aws.url, config, (ms) => aws.clock.sleep(ms)),
    clock: aws.clock,
    logger: createSilentLogger(),
  };
}

function regionOf(reservationId: string): string {
  const found = aws.admin.listReservations({ id: reservationId }).reservations[0];
  if (!found) throw new Error(`no reservation ${reservationId}`);
  return found.region;
}

function paramsOf(call: CallRecord): Record<string, string> {
  return (call.params ?? {}) as Record<string, string>;
}

/** Update calls per reservation id. */
function updatesPerReservation(calls: readonly CallRecord[]): Map<string, number> {
  const updates = new Map<string, number>();
  for (const call of calls.filter((entry) => entry.action === UPDATE && entry.outcome === 'ok')) {
    const id = paramsOf(call)['CapacityReservationId'] ?? '';
    updates.set(id, (updates.get(id) ?? 0) + 1);
  }
  return updates;
}

describe('several regions', () => {
  it('describes each region once and sends every change to its reservation’s own region', async () => {
    aws.setClock(BEFORE_OPEN);
    const result = (await createScheduleHandler(dependencies())(
      scheduledEvent(aws, 'before-open'),
      lambdaContext(),
    )) as ReconcileResult;

    const calls = aws.admin.calls({}).calls;
    const describes = calls.filter((call) => call.action === 'DescribeCapacityReservations');
    expect(describes.map((call) => call.region).sort()).toEqual([...SCALE_REGIONS].sort());
    expect(result.outcomes).toHaveLength(FLEET);
    expect(result.outcomes.every((outcome) => outcome.outcome === 'updated' && outcome.to === 0)).toBe(true);

    const updates = calls.filter((call) => call.action === UPDATE);
    expect(updates).toHaveLength(FLEET);
    for (const update of updates) {
      expect(update.outcome).toBe('ok');
      expect(update.region).toBe(regionOf(paramsOf(update)['CapacityReservationId'] ?? ''));
    }
    for (const reservation of aws.admin.listReservations().reservations) {
      expect(reservation.allocation?.target).toBe(0);
      expect(reservation.tags['odcr-reclaimer:requested-target']).toBe('0');
    }
    // Every reservation's record is the same, so one CreateTags per region carries the request records, and
    // one more per region marks the borrowers' heads-up sent, after its event was put.
    const tagCalls = calls.filter((call) => call.action === 'CreateTags');
    const headsUp = tagCalls.filter((call) => Object.values(paramsOf(call)).includes(TAG.headsUp));
    const requests = tagCalls.filter((call) => !headsUp.includes(call));
    expect(requests.map((call) => call.region).sort()).toEqual([...SCALE_REGIONS].sort());
    expect(headsUp.map((call) => call.region).sort()).toEqual([...SCALE_REGIONS].sort());
  });
});

describe('one region that cannot be read', () => {
  it('costs only its own reservations: the others are reclaimed, the region is warned about and paged', async () => {
    aws.setClock(BEFORE_OPEN);
    const config = scaleConfig();
    // eu-west-2's clients reach a port nothing listens on: every call of that region fails to connect.
    const gateways = localGateways(aws.url, {
      regions: config.regions,
      sleep: (ms) => aws.clock.sleep(ms),
      maxAttempts: 1,
      urlFor: (scope) => (scope.region === 'eu-west-2' ? 'http://127.0.0.1:1' : undefined),
    });
    const result = (await createScheduleHandler({ ...dependencies(), gateways })(
      scheduledEvent(aws, 'before-open'),
      lambdaContext(),
    )) as ReconcileResult;

    const london = aws.admin.listReservations().reservations.filter((entry) => entry.region === 'eu-west-2');
    const others = aws.admin.listReservations().reservations.filter((entry) => entry.region !== 'eu-west-2');
    expect(london.length).toBeGreaterThan(0);
    expect(others.every((entry) => entry.allocation?.target === 0)).toBe(true);
    expect(london.every((entry) => entry.allocation?.target === LENT_OFF_HOURS)).toBe(true);
    expect(result.outcomes).toHaveLength(others.length);
    expect(result.warnings.some((warning) => warning.startsWith('region eu-west-2 could not be read'))).toBe(
      true,
    );
    const paged = aws.admin.metrics().metrics.filter((metric) => metric.metricName === 'AccountsUnreachable');
    expect(paged.map((metric) => metric.value)).toEqual([1]);

    // The reachable regions' reclaims complete; the tracker keeps its rule on while a region is unread.
    aws.advance(30 * 60);
    const tracked = (await createTrackerHandler({ ...dependencies(), gateways })(
      { ...scheduledEvent(aws, 'tracker'), source: 'aws.events' },
      lambdaContext(),
    )) as TrackResult;
    expect(tracked.inFlight).toEqual([]);
    expect(tracked.rule).toBe('enabled');
  });
});

describe('an alarm burst: 200 events in one minute', () => {
  it('changes each reservation once per target change, whatever the order and duplicates', async () => {
    const deps = dependencies();
    const handler = createAlarmHandler(deps);
    aws.admin.setAlarm({ name: SCALE_ALARM, state: 'ALARM', reason: 'load' });

    // Duplicates and out-of-order deliveries (an OK that was superseded arrives late), every 0.3 s; halfway
    // the alarm flaps to OK and back in CloudWatch: the lend-back is held by the cooldown.
    for (let index = 0; index < 200; index++) {
      if (index === 100) aws.admin.setAlarm({ name: SCALE_ALARM, state: 'OK', reason: 'flap' });
      if (index === 120) aws.admin.setAlarm({ name: SCALE_ALARM, state: 'ALARM', reason: 'flap back' });
      const state = index % 3 === 2 ? 'OK' : 'ALARM';
      await handler(alarmEvent(aws, SCALE_ALARM, state, `burst-${index % 50}`), lambdaContext());
      aws.advance(0.3);
    }

    const calls = aws.admin.calls({}).calls;
    const updates = updatesPerReservation(calls);
    expect(updates.size).toBe(FLEET);
    expect([...updates.values()].every((updatesOfOne) => updatesOfOne === 1)).toBe(true);
    for (const reservation of aws.admin.listReservations().reservations) {
      expect(reservation.allocation?.target).toBe(LENT_OFF_HOURS - 2);
    }
    const requested = aws.admin.events({ detailType: 'Allocation Change Requested' }).events;
    expect(requested).toHaveLength(FLEET);
    // Each run describes each region once, however many runs the burst makes.
    const describes = calls.filter((call) => call.action === 'DescribeCapacityReservations');
    expect(describes.length).toBe(200 * SCALE_REGIONS.length);
  });
});

describe('batched tag writes', () => {
  it('write every reservation but the one EC2 refuses, found by retrying the refused batch id by id', async () => {
    const { gateways } = dependencies();
    const snapshots = await gateways.capacity.describeManaged({ borrowers: false });
    const usEast = snapshots
      .filter((snapshot) => snapshot.region === 'us-east-1')
      .map((s) => s.reservationId);
    const missing = 'cr-0ffffffffffffffff';
    const tags = { 'odcr-reclaimer:requested-target': '3' };

    const failures =
      (await gateways.capacity.tagMany?.(
        [...usEast, missing].map((reservationId) => ({ reservationId, tags })),
      )) ?? [];

    expect(failures.map((failure) => failure.reservationId)).toEqual([missing]);
    for (const id of usEast) {
      expect(
        aws.admin.listReservations({ id }).reservations[0]?.tags['odcr-reclaimer:requested-target'],
      ).toBe('3');
    }
  });
});

import type { FaultRequest } from '@odcr-reclaimer/local-aws/types.ts';
import { describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { LeaseBusyError } from '#shared/errors/index.ts';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import type { ChangeAnswer } from '#shared/on-demand/run-on-demand.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import { OFF_HOURS, WEDNESDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import { tryLease } from '../../support/lease-store.ts';
import {
  exampleFleetWithTrading,
  type LocalService,
  lambdaContext,
  localLeaseGateway,
  reservation,
  scheduledEvent,
  startLocalService,
  TRADING,
  updateCalls,
} from '../../support/local-service.ts';
import { runAlarm, runOnDemand, runSchedule, runTracker, tradingOutcome } from './runs.ts';

/**
 * One writer at a time, across every trigger: the real handlers run in parallel on one fleet, with EC2
 * slowed down and throttled through the endpoint's fault API, and must end as a serial run ends.
 */

const VOLATILITY = 'xnys-volatility-high';

/** The example fleet with nothing lent by the trading reservation (as after a session's reclaim). */
function reclaimedTradingFleet() {
  return exampleFleetWithTrading({ instanceCount: 0, borrowed: 0, zeroSizePreference: 'retain' });
}

/**
 * Off hours with nothing lent: a schedule run lending the 60 back, its updates answered with `fault`, started
 * and under way once it has made a call that `reached` matches. The caller awaits `lendBack` when it sees fit.
 */
async function lendBackUnderWay(
  fault: Omit<FaultRequest, 'service' | 'action'>,
  reached: { service: string; action: string },
): Promise<{ service: LocalService; lendBack: Promise<ReconcileResult> }> {
  const service = await startLocalService({ now: OFF_HOURS, seed: reclaimedTradingFleet() });
  service.aws.admin.injectFault({
    service: 'ec2',
    action: 'UpdateInterruptibleCapacityReservationAllocation',
    ...fault,
  });
  const lendBack = runSchedule(service);
  await until(() => service.aws.admin.calls(reached).calls.length > 0);
  return { service, lendBack };
}

type Invocation = (service: LocalService) => Promise<unknown>;

/**
 * Every kind of trigger, several times each: the reads (status, plan) take no lease, the rest all do. Each
 * event has an id of its own, as every delivery EventBridge makes has.
 */
function everyTrigger(): Invocation[] {
  const schedule: Invocation = (service) =>
    createScheduleHandler(service.dependencies)(
      scheduledEvent(service.aws, `schedule-${Math.random()}`),
      lambdaContext(),
    );
  const alarm: Invocation = (service) => runAlarm(service, VOLATILITY, 'ALARM', `alarm-${Math.random()}`);
  const onCall =
    (payload: Record<string, unknown>): Invocation =>
    (service) =>
      runOnDemand(service, payload);
  const tracker: Invocation = (service) => runTracker(service, `tracker-${Math.random()}`);
  return [
    ...Array.from({ length: 8 }, () => schedule),
    ...Array.from({ length: 4 }, () => alarm),
    onCall({ action: 'reclaim', reservations: [TRADING], everything: true, for: '1h', reason: 'INC-1 race' }),
    onCall({ action: 'reclaim', group: 'risk-engine', count: 1, for: '1h', reason: 'INC-2 race' }),
    onCall({ action: 'status' }),
    onCall({ action: 'plan' }),
    tracker,
    tracker,
  ];
}

/** EC2 slowed down and throttled, the lease store throttled: the conditions the races were found under. */
const FAULTS: FaultRequest[] = [
  { service: 'ec2', action: 'UpdateInterruptibleCapacityReservationAllocation', latencyMs: 150, count: 6 },
  { service: 'ec2', action: 'DescribeCapacityReservations', error: 'RequestLimitExceeded', count: 2 },
  { service: 'dynamodb', action: 'PutItem', error: 'ThrottlingException', count: 2 },
];

function endState(service: LocalService) {
  const reservations = service.aws.admin.listReservations().reservations.map((view) => ({
    id: view.id,
    target: view.allocation?.target,
  }));
  const requested = service.aws.admin
    .events({ source: 'odcr-reclaimer', detailType: 'Allocation Change Requested' })
    .events.map((event) => {
      const detail = event.detail as { reservationId: string; from: number; to: number };
      return `${detail.reservationId} ${detail.from}->${detail.to}`;
    })
    .sort();
  const updates = updateCalls(service.aws)
    .filter((call) => call.outcome === 'ok')
    .map((call) => {
      const params = call.params as Record<string, string>;
      return `${params.CapacityReservationId ?? params.SourceCapacityReservationId ?? '?'} ->${params.TargetInstanceCount}`;
    })
    .sort();
  return { reservations, requested, updates };
}

describe('one writer at a time', () => {
  it('ends as a serial run ends, with one update and one event per decision, whatever runs at once', async () => {
    const serial = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });
    const concurrent = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });
    for (const service of [serial, concurrent]) {
      service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
      for (const fault of FAULTS) service.aws.admin.injectFault(fault);
    }

    for (const invoke of everyTrigger()) await invoke(serial);
    await Promise.all(everyTrigger().map((invoke) => invoke(concurrent)));

    const expected = endState(serial);
    expect(endState(concurrent)).toEqual(expected);
    // The decisions themselves: the trading fleet back to 0, each risk-engine member lent one less.
    expect(expected.requested).toEqual(
      expect.arrayContaining([`${TRADING} 60->0`, 'cr-0000000000000a001 1->0']),
    );
    expect(expected.updates).toHaveLength(expected.requested.length);
    const perReservation = new Map<string, number>();
    for (const entry of endState(concurrent).requested) {
      const id = entry.split(' ')[0] ?? '';
      perReservation.set(id, (perReservation.get(id) ?? 0) + 1);
    }
    expect([...perReservation.values()].every((count) => count === 1)).toBe(true);
  }, 120_000);

  it('never lends back over an alarm that went to ALARM while a lend-back was under way', async () => {
    // The lend-back's update is slow: without the lease the alarm run would read the old target meanwhile.
    const { service, lendBack } = await lendBackUnderWay(
      { latencyMs: 1_000 },
      { service: 'cloudwatch', action: 'DescribeAlarms' },
    );

    service.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    const onAlarm = runAlarm(service, VOLATILITY, 'ALARM');
    const [lent, reclaimed] = (await Promise.all([lendBack, onAlarm])) as [ReconcileResult, ReconcileResult];

    expect(tradingOutcome(lent)).toMatchObject({ outcome: 'updated', from: 0, to: 60 });
    expect(tradingOutcome(reclaimed)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
    // The alarm run read the alarms only after the lend-back's update had landed.
    const calls = service.aws.admin.calls().calls.map((call) => `${call.action}:${call.outcome}`);
    const lendLanded = calls.indexOf('UpdateInterruptibleCapacityReservationAllocation:ok');
    expect(calls.lastIndexOf('DescribeAlarms:ok')).toBeGreaterThan(lendLanded);
  }, 60_000);

  it("applies on-call's reclaim racing a throttled, slow lend-back, and answers it synchronously", async () => {
    const { service, lendBack } = await lendBackUnderWay(
      { error: 'RequestLimitExceeded', latencyMs: 300, count: 2 },
      { service: 'ec2', action: 'DescribeCapacityReservations' },
    );

    const answer = (await runOnDemand(service, {
      action: 'reclaim',
      reservations: [TRADING],
      everything: true,
      for: '1h',
      reason: 'INC-3 reclaim now',
    })) as ChangeAnswer;
    const lent = await lendBack;

    expect(tradingOutcome(lent)).toMatchObject({ outcome: 'updated', from: 0, to: 60 });
    expect(answer.ok).toBe(true);
    expect(tradingOutcome(answer.result)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
    expect(reservation(service.aws, TRADING).allocation?.target).toBe(0);
  }, 60_000);

  it('takes over the lease of a run that died holding it, once it has expired', async () => {
    const service = await startLocalService({ now: WEDNESDAY_BEFORE_OPEN });
    const lease = localLeaseGateway(service.aws.url);
    const died = await tryLease(lease, service.aws.clock, 'schedule-that-died', 'schedule');
    expect(died.acquired).toBe(true);
    // The service with its runs waiting a short while for the lease, not the deployed wait.
    const impatient = { ...service, dependencies: { ...service.dependencies, leaseWait: { budgetMs: 300 } } };

    const busy = await runSchedule(impatient).catch((error: unknown) => error);
    const onCall = (await runOnDemand(impatient, {
      action: 'reclaim',
      all: true,
      everything: true,
      for: '1h',
      reason: 'INC-4',
    })) as ErrorAnswer;
    expect(busy).toBeInstanceOf(LeaseBusyError);
    expect(onCall).toMatchObject({ ok: false, error: { code: 'Busy' } });
    expect(onCall.error.message).toContain('held by schedule schedule-that-died since 2025-03-12T13:06');
    expect(updateCalls(service.aws)).toEqual([]);

    await service.aws.clock.sleep(LEASE_DURATION_MS + 1_000);
    const result = await runSchedule(impatient);
    expect(tradingOutcome(result)).toMatchObject({ outcome: 'updated', from: 60, to: 0 });
  }, 60_000);
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const startedAt = Date.now();
  while (!condition()) {
    if (Date.now() - startedAt > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A short chaos run on every CI run: two days of the sandbox's week with faults injected
 * from a fixed seed must end with every owner's loss explained by a fault that made it unavoidable. The
 * oracle itself is checked on hand-made runs, so a green chaos run cannot come from a blind judge.
 */

import type { CallRecord, EventRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { describe, expect, it } from 'vitest';
import {
  capacityLosses,
  explain,
  FAULT_KINDS,
  type InjectedFault,
  recordLosses,
  runChaos,
} from '#sandbox/chaos/chaos.ts';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import type { Page } from '#sandbox/pager.ts';
import type { SimulationResult } from '#sandbox/result.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';

const TRADING = 'cr-0123456789abcdef0';
const OPEN = '2026-03-09T13:30:00.000Z';

function run(lentAtOpen: number): SimulationResult {
  const point = (lent: number) => ({ [TRADING]: { owned: 100, lent, borrowed: 0, target: lent } });
  return {
    sessions: [
      {
        market: 'XNYS',
        date: '2026-03-09',
        open: OPEN,
        close: '2026-03-09T20:00:00.000Z',
        openLocal: '09:30',
        closeLocal: '16:00',
        timeZone: 'America/New_York',
        earlyClose: false,
      },
    ],
    reservations: [
      { id: TRADING, instanceType: 'r7i.4xlarge', availabilityZone: 'us-east-1a', market: 'XNYS' },
    ],
    samples: [
      { time: '2026-03-09T12:00:00.000Z', reservations: point(60) },
      { time: '2026-03-09T13:10:00.000Z', reservations: point(lentAtOpen) },
    ],
  } as unknown as SimulationResult;
}

describe('chaos oracle', () => {
  it('finds a missed bell, and explains it only by a fault on that reservation', () => {
    const [loss] = capacityLosses(run(0), run(30));
    expect(loss).toMatchObject({ kind: 'missed-bell', reservationId: TRADING, at: OPEN });
    if (!loss) return;
    const stuck: InjectedFault = {
      kind: 'borrowers-stuck',
      at: '2026-03-09T07:00:00.000Z',
      functionName: 'reclaim-on-schedule',
      trigger: 'test',
      detail: 'stuck',
      reservationId: TRADING,
    };
    const stalled: Page = {
      at: '2026-03-09T13:20:00.000Z',
      from: 'odcr-reclaimer-dev-page-on-failure',
      kind: 'event',
      subject: 'Allocation Change Stalled',
      message: 'borrowers not shutting down',
      reservationIds: [TRADING],
    };
    expect(explain(loss, [], [], [stalled]).explanation).toBeUndefined();
    expect(
      explain(loss, [{ ...stuck, reservationId: 'cr-0000000000000a001' }], [], [stalled]).explanation,
    ).toBeUndefined();
    // The fault explains it only once a page told on-call before the bell, about this reservation.
    expect(explain(loss, [stuck], [], []).explanation).toBeUndefined();
    expect(
      explain(loss, [stuck], [], [{ ...stalled, at: '2026-03-09T13:31:00.000Z' }]).explanation,
    ).toBeUndefined();
    expect(
      explain(loss, [stuck], [], [{ ...stalled, reservationIds: ['cr-0000000000000a001'] }]).explanation,
    ).toBeUndefined();
    expect(explain(loss, [stuck], [], [stalled])).toMatchObject({
      explainedBy: 'borrowers-stuck',
      pagedBy: stalled,
    });
    expect(capacityLosses(run(0), run(0))).toEqual([]);
  });

  it('finds an update with neither a record nor an event', () => {
    const update: CallRecord = {
      at: '2026-03-09T13:00:00.000Z',
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
      region: 'us-east-1',
      params: { CapacityReservationId: TRADING, TargetInstanceCount: '0' },
      outcome: 'ok',
    };
    const record: CallRecord = {
      ...update,
      action: 'CreateTags',
      params: { 'ResourceId.1': TRADING, 'Tag.1.Key': 'odcr-reclaimer:requested-target', 'Tag.1.Value': '0' },
    };
    const event: EventRecord = {
      time: update.at,
      source: 'odcr-reclaimer',
      'detail-type': 'Allocation Change Requested',
      detail: { reservationId: TRADING, to: 0 },
    };
    expect(recordLosses([update], [])).toHaveLength(1);
    expect(recordLosses([update, record], [event])).toEqual([]);
  });
});

describe('npm run chaos -- --seed 1 --days 3', () => {
  it('ends with zero unexplained losses, having injected most kinds of fault', async () => {
    const report = await runChaos({ scenario: loadScenarioFile(DEFAULT_SCENARIO), seed: 1, days: 3 });

    expect(report.unexplained).toEqual([]);
    const injectedKinds = report.tally.filter((row) => row.injected > 0).map((row) => row.kind);
    expect(injectedKinds.length).toBeGreaterThanOrEqual(FAULT_KINDS.length - 2);
    expect(report.invocations.total).toBeGreaterThan(100);
  }, 120_000);
});

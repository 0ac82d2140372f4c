import {
  CreateInterruptibleCapacityReservationAllocationCommand,
  DescribeCapacityReservationsCommand,
} from '@aws-sdk/client-ec2';
import type { LocalAwsSettings } from '@odcr-reclaimer/local-aws/types.ts';
import { describe, expect, it } from 'vitest';
import { failureOf, startTradingEndpoint, type TestEndpoint, TRADING_ID, updateTarget } from './helpers.ts';

const WARNING = 'EC2 Capacity Reservation Instance Interruption Warning';
const COMPLETED = 'EC2 Interruptible Capacity Reservation Allocation Reclamation Completed';

let endpoint: TestEndpoint;

async function start(settings: Partial<LocalAwsSettings> = {}): Promise<TestEndpoint> {
  // Closed when the test finishes; the helpers below use the test's latest.
  endpoint = await startTradingEndpoint(
    { instanceCount: 60, borrowed: 30 },
    { start: '2026-03-02T13:00:00.000Z', shutdownSeconds: 60, shutdownSpreadSeconds: 30, ...settings },
  );
  return endpoint;
}

async function describeBoth() {
  const described = await endpoint.ec2.send(
    new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }),
  );
  const source = described.CapacityReservations?.[0];
  return { source, allocation: source?.InterruptibleCapacityAllocation };
}

function update(target: number, ZeroSizePreference?: 'retain' | 'default') {
  return updateTarget(endpoint.ec2, TRADING_ID, target, ZeroSizePreference ? { ZeroSizePreference } : {});
}

describe('reclamation on the simulated clock', () => {
  it('returns unused lent slots first, at once, without warning anyone', async () => {
    await start();
    const answer = await update(40);
    expect(answer).toMatchObject({ InstanceCount: 40, TargetInstanceCount: 40, Status: 'active' });
    const { source } = await describeBoth();
    expect(source).toMatchObject({ TotalInstanceCount: 60, AvailableInstanceCount: 60 });
    expect((await endpoint.admin.events({ detailType: WARNING })).events).toHaveLength(0);
    const completed = (await endpoint.admin.events({ detailType: COMPLETED })).events;
    expect(completed.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        sourceCapacityReservationId: TRADING_ID,
        ReclaimedInstanceCount: 20,
        targetInstanceCount: 40,
      }),
    ]);
  });

  it('warns each running borrower, then shuts them down step by step until updating turns active', async () => {
    await start();
    const answer = await update(0, 'retain');
    // The 30 unused slots come back at once; the 30 borrowed ones need their instances shut down.
    expect(answer).toMatchObject({ InstanceCount: 30, TargetInstanceCount: 0, Status: 'updating' });

    const warnings = (await endpoint.admin.events({ detailType: WARNING })).events;
    expect(warnings).toHaveLength(30);
    expect(
      new Set(warnings.map((event) => (event.detail as { 'instance-id': string })['instance-id'])).size,
    ).toBe(30);
    expect(warnings[0]).toMatchObject({
      source: 'aws.ec2',
      time: '2026-03-02T13:00:00.000Z',
      detail: {
        'instance-action': 'terminate',
        'instance-termination-time': '2026-03-02T13:02:00Z',
        azId: 'use1-az1',
      },
    });

    const seen: number[] = [];
    let status: string | undefined;
    for (let step = 0; step < 40 && status !== 'active'; step++) {
      await endpoint.admin.advance(10);
      const { source, allocation } = await describeBoth();
      status = allocation?.Status;
      seen.push(allocation?.InstanceCount ?? -1);
      expect((source?.TotalInstanceCount ?? 0) + (allocation?.InstanceCount ?? 0)).toBe(100);
      const view = (await endpoint.admin.listReservations({ id: TRADING_ID })).reservations[0];
      expect(view?.allocation?.borrowers.length).toBeLessThanOrEqual(view?.allocation?.current ?? 0);
      if (status === 'updating') expect(allocation?.TargetInstanceCount).toBe(0);
    }
    expect(status).toBe('active');
    expect(seen.at(-1)).toBe(0);
    // Nobody shuts down before the 2-minute warning has run out, and the count falls in several steps.
    expect(seen.slice(0, 11).every((count) => count === 30)).toBe(true);
    expect(new Set(seen).size).toBeGreaterThan(3);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);

    const { source } = await describeBoth();
    expect(source).toMatchObject({ TotalInstanceCount: 100, AvailableInstanceCount: 100 });
    const completed = (await endpoint.admin.events({ detailType: COMPLETED })).events;
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({
      ReclaimedInstanceCount: 60,
      TotalInstanceCount: 100,
      targetInstanceCount: 0,
    });
  });

  it('repeats the same shutdown times for the same seed', async () => {
    const shutdownTimes = async () => {
      await start({ seed: 'repeatable' });
      await update(0, 'retain');
      const view = (await endpoint.admin.listReservations({ id: TRADING_ID })).reservations[0];
      return view?.allocation?.borrowers.map((borrower) => borrower.shutdownAt);
    };
    const first = await shutdownTimes();
    const second = await shutdownTimes();
    expect(first).toEqual(second);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('cancels the allocation at 0 with the default preference, and allows a new one afterwards', async () => {
    await start({ cancelSeconds: 30, shutdownSpreadSeconds: 0 });
    await update(0);
    await endpoint.admin.advance(180);
    expect((await describeBoth()).allocation).toMatchObject({ InstanceCount: 0, Status: 'canceling' });
    await endpoint.admin.advance(30);
    const { source, allocation } = await describeBoth();
    expect(allocation).toBeUndefined();
    expect(source).toMatchObject({ TotalInstanceCount: 100, AvailableInstanceCount: 100 });
    const cancelled = await endpoint.ec2.send(
      new DescribeCapacityReservationsCommand({ Filters: [{ Name: 'state', Values: ['cancelled'] }] }),
    );
    expect(cancelled.CapacityReservations?.[0]).toMatchObject({ Interruptible: true, TotalInstanceCount: 0 });
    const created = await endpoint.ec2.send(
      new CreateInterruptibleCapacityReservationAllocationCommand({
        CapacityReservationId: TRADING_ID,
        InstanceCount: 10,
      }),
    );
    expect(created.Status).toBe('active');
  });

  it('keeps the allocation active at 0 with ZeroSizePreference retain', async () => {
    await start({ shutdownSpreadSeconds: 0 });
    await update(0, 'retain');
    await endpoint.admin.advance(600);
    expect((await describeBoth()).allocation).toMatchObject({
      InstanceCount: 0,
      TargetInstanceCount: 0,
      Status: 'active',
      ZeroSizePreference: 'retain',
    });
    expect((await update(5)).InstanceCount).toBe(5);
  });

  it('rejects an update while updating with IncorrectState by default', async () => {
    await start();
    await update(0, 'retain');
    const error = await failureOf(update(10));
    expect(error.name).toBe('IncorrectState');
    expect((await describeBoth()).allocation?.TargetInstanceCount).toBe(0);
  });

  it('retargets an update while updating when the endpoint is set to retarget', async () => {
    await start({ updateWhileUpdating: 'retarget', shutdownSpreadSeconds: 0 });
    await update(0, 'retain');
    const answer = await update(10);
    expect(answer).toMatchObject({ TargetInstanceCount: 10, Status: 'updating' });
    await endpoint.admin.advance(600);
    expect((await describeBoth()).allocation).toMatchObject({
      InstanceCount: 10,
      TargetInstanceCount: 10,
      Status: 'active',
    });
  });

  it('moves time with the in-process clock: sleep advances simulated time and runs what falls due', async () => {
    await start({ shutdownSpreadSeconds: 0 });
    await update(0, 'retain');
    const before = endpoint.aws.clock.now().getTime();
    await endpoint.aws.clock.sleep(181_000);
    expect(endpoint.aws.clock.now().getTime() - before).toBe(181_000);
    expect((await describeBoth()).allocation).toMatchObject({ InstanceCount: 0, Status: 'active' });
  });
});

describe('allocation faults', () => {
  it('leaves stuck borrowers running until the faults are cleared', async () => {
    await start({ shutdownSpreadSeconds: 0 });
    await endpoint.admin.injectFault({
      service: 'ec2',
      kind: 'borrowers-stuck',
      reservationId: TRADING_ID,
      instances: 5,
    });
    await update(0, 'retain');
    await endpoint.admin.advance(3600);
    expect((await describeBoth()).allocation).toMatchObject({ InstanceCount: 5, Status: 'updating' });
    await endpoint.admin.clearFaults();
    await endpoint.admin.advance(180);
    expect((await describeBoth()).allocation).toMatchObject({ InstanceCount: 0, Status: 'active' });
  });

  it('turns the allocation failed when an allocation-fails fault is armed', async () => {
    await start();
    await endpoint.admin.injectFault({ service: 'ec2', kind: 'allocation-fails', reservationId: TRADING_ID });
    const answer = await update(0, 'retain');
    expect(answer.Status).toBe('failed');
    await endpoint.admin.advance(600);
    expect((await describeBoth()).allocation).toMatchObject({ InstanceCount: 60, Status: 'failed' });
    expect((await endpoint.admin.events({ detailType: WARNING })).events).toHaveLength(0);
  });
});

describe('borrowers through the admin API', () => {
  it('never lets more borrowers run than are allocated', async () => {
    await start();
    await expect(
      endpoint.admin.setBorrowers({ reservationId: TRADING_ID, running: 61 }),
    ).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
    const { reservation } = await endpoint.admin.setBorrowers({ reservationId: TRADING_ID, running: 60 });
    expect(reservation.allocation?.borrowers).toHaveLength(60);
    const { source } = await describeBoth();
    const interruptibleId = source?.InterruptibleCapacityAllocation?.InterruptibleCapacityReservationId;
    const lent = await endpoint.ec2.send(
      new DescribeCapacityReservationsCommand({ CapacityReservationIds: [interruptibleId!] }),
    );
    expect(lent.CapacityReservations?.[0]?.AvailableInstanceCount).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/track-reclamation/handler.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { startTrackerHarness, TRADING, TRADING_FLEET } from './harness.ts';

const RISK_A = 'cr-0000000000000a001';
const RISK_B = 'cr-0000000000000b001';

const FLEET_WITH_RISK_ENGINE = {
  ...TRADING_FLEET,
  reservations: [
    ...(TRADING_FLEET.reservations ?? []),
    ...[RISK_A, RISK_B].map((id, index) => ({
      id,
      instanceType: 'c7i.2xlarge',
      availabilityZone: ['us-east-1a', 'us-east-1b'][index] ?? 'us-east-1a',
      totalInstanceCount: 3,
      tags: { 'odcr-reclaimer:managed': 'true', group: 'risk-engine' },
      interruptible: { instanceCount: 1, borrowed: 1, zeroSizePreference: 'retain' as const },
    })),
  ],
};

function ids(events: { detail: Record<string, unknown> }[]): unknown[] {
  return events.map((event) => event.detail['reservationId']);
}

describe('track-reclamation scenarios', () => {
  it('completes one reservation while another stalls on a borrower that never shuts down', async () => {
    const harness = await startTrackerHarness(FLEET_WITH_RISK_ENGINE);
    harness.local.admin.injectFault({ service: 'ec2', kind: 'borrowers-stuck', reservationId: RISK_A });
    await harness.request(TRADING, 0);
    await harness.request(RISK_A, 0);

    await harness.runMinutes(12);

    expect(ids(harness.events('Allocation Change Completed'))).toEqual([TRADING]);
    const stalls = harness.events('Allocation Change Stalled');
    expect(ids(stalls)).toEqual([RISK_A]);
    expect(stalls[0]?.detail).toMatchObject({ cause: 'no-progress', current: 1, target: 0 });
    expect(harness.ruleState()).toBe('ENABLED');
  });

  it('sees two reservations finish at different times, each completed once', async () => {
    const harness = await startTrackerHarness(FLEET_WITH_RISK_ENGINE);
    await harness.request(RISK_A, 0);
    harness.local.advance(240);
    await harness.request(TRADING, 0);

    await harness.runUntilIdle();

    const completions = harness.events('Allocation Change Completed');
    expect(ids(completions)).toEqual([RISK_A, TRADING]);
    expect(Date.parse(completions[0]?.time ?? '')).toBeLessThan(Date.parse(completions[1]?.time ?? ''));
    expect(harness.ruleState()).toBe('DISABLED');
  });

  it('reports a failed allocation as stalled and stops tracking it', async () => {
    const harness = await startTrackerHarness(FLEET_WITH_RISK_ENGINE);
    harness.local.admin.injectFault({ service: 'ec2', kind: 'allocation-fails', reservationId: RISK_B });
    await harness.request(RISK_B, 0);

    await harness.runUntilIdle();

    const stalls = harness.events('Allocation Change Stalled');
    expect(stalls.map((event) => [event.detail['reservationId'], event.detail['cause']])).toEqual([
      [RISK_B, 'failed'],
    ]);
    expect(harness.events('Allocation Change Completed')).toEqual([]);
  });

  it('decides again once the in-flight change completes, rather than replaying the recorded target', async () => {
    const harness = await startTrackerHarness();
    await harness.request(TRADING, 0);
    // Recorded while the reclaim was in flight; by the time it completes the policy is the one to ask.
    await harness.recordDesired(TRADING, { target: 20, reason: 'alarm cleared' });

    await harness.runUntilIdle();

    // Monday 08:00 New York, before the open's reclaim: the off-hours need (40 of 100) leaves 60 to lend.
    const requested = harness.events('Allocation Change Requested');
    expect(requested.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        from: 0,
        to: 60,
        trigger: 'tracker',
        reason: expect.stringContaining('off-hours need 40 of 100'),
      }),
    ]);
    const completions = harness.events('Allocation Change Completed').map((event) => event.detail);
    expect(completions.map((detail) => [detail['from'], detail['to']])).toEqual([
      [60, 0],
      [0, 60],
    ]);
    const [snapshot] = await harness.gateways.capacity.describeManaged();
    expect(snapshot?.allocation).toMatchObject({ current: 60, target: 60, status: 'active' });
    expect(snapshot?.tags[TAG.desiredTarget]).toBeUndefined();
    expect(snapshot?.tags[TAG.requestTrigger]).toBe('tracker');
  });

  it("requests its decision with the config's zero-size preference", async () => {
    const harness = await startTrackerHarness();
    const config = {
      ...harness.config,
      reservations: harness.config.reservations.map((entry) =>
        entry.id === TRADING ? { ...entry, zeroSizePreference: 'default' as const } : entry,
      ),
    };
    const tracker = createHandler({
      gateways: harness.gateways,
      config,
      clock: harness.local.clock,
      logger: createSilentLogger(),
    });
    await harness.request(TRADING, 0);
    await harness.recordDesired(TRADING, { target: 20, reason: 'alarm cleared' });
    // Past the reclaim's own update call, so only the tracker's calls are counted.
    const since = harness.local.advance(1).toISOString();

    for (let run = 0; run < 10 && harness.events('Allocation Change Requested').length === 0; run++) {
      await tracker(
        {
          id: `preference-${run}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          time: harness.local.clock.now().toISOString(),
        },
        {} as never,
      );
      harness.local.advance(10);
    }

    const updates = harness.local.admin.calls({
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
      since,
    }).calls;
    expect(updates.map((call) => call.params)).toEqual([
      expect.objectContaining({ TargetInstanceCount: '60', ZeroSizePreference: 'default' }),
    ]);
  });

  it('tracks a reclaim requested between its describe and its disable to completion', async () => {
    const harness = await startTrackerHarness();
    let requested = false;
    const racingEvents = {
      ...harness.gateways.events,
      publish: harness.gateways.events.publish.bind(harness.gateways.events),
      enableTracker: harness.gateways.events.enableTracker.bind(harness.gateways.events),
      // A reclaim function acts after the tracker's idle describe and before its disable lands.
      disableTracker: async () => {
        if (!requested) {
          requested = true;
          await harness.request(TRADING, 0);
          await harness.gateways.events.enableTracker();
        }
        await harness.gateways.events.disableTracker();
      },
    };
    const racing = createHandler({
      gateways: { ...harness.gateways, events: racingEvents },
      config: harness.config,
      clock: harness.local.clock,
      logger: createSilentLogger(),
    });

    const first = await racing(
      {
        id: 'race',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: harness.local.clock.now().toISOString(),
      },
      {} as never,
    );

    expect(first.rule).toBe('enabled');
    expect(first.inFlight).toEqual([TRADING]);
    expect(harness.ruleState()).toBe('ENABLED');
    await harness.runUntilIdle();
    expect(ids(harness.events('Allocation Change Completed'))).toEqual([TRADING]);
  });

  it('raises Deadline At Risk before the open, once, when borrowers do not shut down', async () => {
    const harness = await startTrackerHarness();
    harness.local.admin.injectFault({ service: 'ec2', kind: 'borrowers-stuck', reservationId: TRADING });
    const deadline = new Date(harness.local.clock.now().getTime() + 10 * 60_000);
    await harness.request(TRADING, 0, { deadline });

    await harness.runMinutes(15);

    const risks = harness.events('Deadline At Risk');
    expect(risks).toHaveLength(1);
    expect(Date.parse(risks[0]?.time ?? '')).toBeLessThan(deadline.getTime());
    expect(risks[0]?.detail).toMatchObject({ reservationId: TRADING, deadline: deadline.toISOString() });
  });

  it('does not raise Deadline At Risk once the open has passed', async () => {
    const harness = await startTrackerHarness();
    harness.local.admin.injectFault({ service: 'ec2', kind: 'borrowers-stuck', reservationId: TRADING });
    const deadline = new Date(harness.local.clock.now().getTime() + 60_000);
    await harness.request(TRADING, 0, { deadline });
    harness.local.advance(120);

    await harness.runMinutes(3);

    expect(harness.events('Deadline At Risk')).toEqual([]);
    expect(harness.events('Allocation Change Progress').length).toBeGreaterThan(0);
  });
});

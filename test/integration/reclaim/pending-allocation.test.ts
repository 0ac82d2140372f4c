import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import type { SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import { describe, expect, it } from 'vitest';
import { createHandler as createScheduleHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import {
  type LocalService,
  lambdaContext,
  reservation,
  scheduledEvent,
  startLocalService,
  TRACKER_RULE_NAME,
  TRADING,
  trackerEvent,
} from '../../support/local-service.ts';

// Thursday 2025-03-13, 09:06 New York: the reclaim before the 09:30 open wants all of TRADING back.
const BEFORE_OPEN = '2025-03-13T13:06:00Z';
const PENDING_SECONDS = 300;

/** The example fleet with TRADING's 60 lent instances in an allocation EC2 still shows as `pending`. */
function fleetWithPendingAllocation(): SeedState {
  const fleet = loadExampleFleet();
  return {
    ...fleet,
    reservations: (fleet.reservations ?? []).map((seed) =>
      seed.id === TRADING
        ? { ...seed, interruptible: { instanceCount: 60, pendingSeconds: PENDING_SECONDS } }
        : seed,
    ),
  };
}

let trackerRuns = 0;
function nextTrackerEvent(local: LocalService) {
  return trackerEvent(local.aws, `pending-tracker-${++trackerRuns}`);
}

function ruleState(local: LocalService): string | undefined {
  return local.aws.admin.ruleList().rules.find((rule) => rule.name === TRACKER_RULE_NAME)?.state;
}

describe('a pending allocation', () => {
  it('counts as lent and in flight: the reclaim waits for it instead of updating, then the tracker applies it', async () => {
    const local = await startLocalService({ now: BEFORE_OPEN, seed: fleetWithPendingAllocation() });
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ status: 'pending', current: 60 });

    const result = await createScheduleHandler(local.dependencies)(
      scheduledEvent(local.aws),
      lambdaContext(),
    );

    // The 60 pending instances are lent, not free: the decision is to take them back (60 → 0)…
    expect(result.outcomes.find((outcome) => outcome.reservationId === TRADING)).toMatchObject({
      from: 60,
      to: 0,
      outcome: 'deferred',
    });
    // …but no Update reaches EC2 while the allocation is pending (it would be IncorrectState).
    const updates = local.aws.admin
      .calls({ service: 'ec2', action: 'UpdateInterruptibleCapacityReservationAllocation' })
      .calls.filter((call) => (call.params as Record<string, string>)['CapacityReservationId'] === TRADING);
    expect(updates).toEqual([]);
    expect(ruleState(local)).toBe('ENABLED');

    // Once EC2 shows it active, the tracker applies the recorded target.
    local.aws.advance(PENDING_SECONDS);
    for (let run = 0; run < 30 && ruleState(local) === 'ENABLED'; run++) {
      await createTrackerHandler(local.dependencies)(
        nextTrackerEvent(local),
        lambdaContext('odcr-reclaimer-dev-track-reclamation'),
      );
      local.aws.advance(60);
    }
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ target: 0, current: 0 });
    const outcomes = local.aws.admin
      .calls({ service: 'ec2', action: 'UpdateInterruptibleCapacityReservationAllocation' })
      .calls.filter((call) => (call.params as Record<string, string>)['CapacityReservationId'] === TRADING)
      .map((call) => call.outcome);
    expect(outcomes).toEqual(['ok']);
  });
});

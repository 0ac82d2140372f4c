import { describe, expect, it } from 'vitest';
import { THURSDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import {
  exampleFleetWithTrading,
  type LocalService,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';
import { runSchedule, trackerRuleState, trackUntilIdle, tradingOutcome } from './runs.ts';

const PENDING_SECONDS = 300;

/** What each of EC2's updates of the trading reservation came to, DryRun calls included. */
function tradingUpdateOutcomes(local: LocalService): string[] {
  return local.aws.admin
    .calls({ service: 'ec2', action: 'UpdateInterruptibleCapacityReservationAllocation' })
    .calls.filter((call) => (call.params as Record<string, string>)['CapacityReservationId'] === TRADING)
    .map((call) => call.outcome);
}

describe('a pending allocation', () => {
  it('counts as lent and in flight: the reclaim waits for it instead of updating, then the tracker applies it', async () => {
    const local = await startLocalService({
      now: THURSDAY_BEFORE_OPEN,
      // TRADING's 60 lent instances in an allocation EC2 still shows as `pending`.
      seed: exampleFleetWithTrading({ instanceCount: 60, pendingSeconds: PENDING_SECONDS }),
    });
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ status: 'pending', current: 60 });

    const result = await runSchedule(local);

    // The 60 pending instances are lent, not free: the decision is to take them back (60 → 0)…
    expect(tradingOutcome(result)).toMatchObject({
      from: 60,
      to: 0,
      outcome: 'deferred',
    });
    // …but no Update reaches EC2 while the allocation is pending (it would be IncorrectState).
    expect(tradingUpdateOutcomes(local)).toEqual([]);
    expect(trackerRuleState(local.aws)).toBe('ENABLED');

    // Once EC2 shows it active, the tracker applies the recorded target.
    local.aws.advance(PENDING_SECONDS);
    await trackUntilIdle(local);
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ target: 0, current: 0 });
    expect(tradingUpdateOutcomes(local)).toEqual(['ok']);
  });
});

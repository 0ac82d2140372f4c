import { describe, expect, it } from 'vitest';
import type { ChangeAnswer } from '#shared/on-demand/run-on-demand.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { desiredTargetCodec } from '#shared/records/tags.ts';
import { reservation, startLocalService, TRADING, updateCalls } from '../../support/local-service.ts';
import { runAlarm, runOnDemand, trackUntilIdle } from '../reclaim/runs.ts';

/**
 * A target decided while the allocation was in flight must not outlive the decisions made after it: when the
 * allocation is active again the tracker decides again (alarms, overrides, the clock), it does not replay a
 * stored number. Real handlers, the real SDK, the local endpoint and its simulated clock.
 */

// Wednesday 2025-03-12, 18:00 New York: after the close, the trading fleet is lent (60, 30 borrowed).
const OFF_HOURS = '2025-03-12T22:00:00Z';
const VOLATILITY = 'xnys-volatility-high';

function tradingOutcome(result: unknown) {
  const outcomes = (result as ChangeAnswer).result?.outcomes ?? (result as ReconcileResult).outcomes;
  return outcomes.find((outcome) => outcome.reservationId === TRADING);
}

describe('a desired target recorded while in flight', () => {
  it('is not applied by the tracker after an alarm decided otherwise', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    // On-call takes everything back: 30 unused return at once, 30 borrowers keep the allocation updating.
    const reclaim = await runOnDemand(local, {
      action: 'reclaim',
      reservations: [TRADING],
      everything: true,
      for: '2h',
      reason: 'drill',
    });
    expect(tradingOutcome(reclaim)).toMatchObject({ outcome: 'updated', to: 0 });
    expect(reservation(local.aws, TRADING).allocation).toMatchObject({ target: 0, status: 'updating' });
    // Then changes its mind while the reclaim is in flight: recorded for later.
    const lend = await runOnDemand(local, {
      action: 'lend',
      reservations: [TRADING],
      target: 60,
      for: '2h',
      reason: 'drill over',
    });
    expect(tradingOutcome(lend)).toMatchObject({ outcome: 'deferred', to: 60 });
    // Market stress: the alarm wants everything back, which is the in-flight target already.
    local.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    const alarm = await runAlarm(local, VOLATILITY, 'ALARM');
    expect(tradingOutcome(alarm)).toMatchObject({ outcome: 'unchanged', from: 0, to: 0 });
    // The latest decision is the in-flight target: the record of the older one is void.
    expect(reservation(local.aws, TRADING).tags[TAG.desiredTarget]).toBeUndefined();
    const before = local.aws.clock.now().toISOString();

    local.aws.advance(600);
    await trackUntilIdle(local);

    const lendCalls = updateCalls(local.aws, before).filter(
      (call) => (call.params as Record<string, string>)['TargetInstanceCount'] !== '0',
    );
    expect(lendCalls).toEqual([]);
    const trading = reservation(local.aws, TRADING);
    expect(trading.allocation).toMatchObject({ target: 0, status: 'active' });
    expect(trading.tags[TAG.desiredTarget]).toBeUndefined();
  });

  it('is decided again by the tracker, which sees the alarm, instead of being replayed', async () => {
    const local = await startLocalService({ now: OFF_HOURS });
    // A reclaim in flight, and a lend recorded for later by whatever decided before the alarm went off.
    await local.gateways.capacity.updateAllocation({
      reservationId: TRADING,
      target: 0,
      zeroSizePreference: 'retain',
    });
    await local.gateways.capacity.tag(TRADING, desiredTargetCodec.tags({ target: 60, reason: 'lend back' }));
    local.aws.admin.setAlarm({ name: VOLATILITY, state: 'ALARM' });
    local.aws.advance(600);
    const before = local.aws.clock.now().toISOString();

    const runs = await trackUntilIdle(local);

    expect(updateCalls(local.aws, before)).toEqual([]);
    expect(runs.flatMap((run) => run.applied)).toEqual([]);
    const trading = reservation(local.aws, TRADING);
    expect(trading.allocation).toMatchObject({ target: 0, status: 'active' });
    expect(trading.tags[TAG.desiredTarget]).toBeUndefined();
    expect(trading.tags[TAG.requestTrigger]).not.toBe('tracker');
  });
});

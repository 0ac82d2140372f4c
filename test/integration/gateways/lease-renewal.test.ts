/**
 * A long paced run and the writer's lease: the sender renews the lease before it runs short, so a run longer
 * than the lease never outlives it, and a sender that lost it (another run took it over) stops at once.
 */
import { describe, expect, it } from 'vitest';
import type { HeldLease } from '#shared/gateways/lease.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { LEASE_RENEW_BEFORE_MS, SendBudget } from '#shared/reconcile/send-budget.ts';
import { LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import { useLeaseStore } from '../../support/lease-store.ts';

const store = useLeaseStore('2026-03-09T12:00:00Z');
const take = (owner: string) => store.take(owner);

function budgetFor(held: HeldLease, until?: Date): SendBudget {
  return new SendBudget({
    clock: store.service.aws.clock,
    ...(until === undefined ? {} : { until }),
    lease: { gateway: store.lease, held, durationMs: LEASE_DURATION_MS },
    log: createSilentLogger(),
  });
}

describe('the writer lease during a long send', () => {
  it('is renewed by the sender, so a run three leases long keeps it throughout', async () => {
    const held = await take('long-run');
    const budget = budgetFor(held);
    const startedAt = store.service.aws.clock.now().getTime();
    // One change every 5 s for 450 s: three times the lease's duration.
    for (let second = 0; second < (3 * LEASE_DURATION_MS) / 1000; second += 5) {
      expect(await budget.beforeSend()).toBeUndefined();
      budget.afterSend();
      await store.service.aws.clock.sleep(5_000);
      // No other run gets the lease meanwhile.
      const other = await store.tryTake('other', 'alarm');
      expect(other.acquired).toBe(false);
    }
    const renewed = budget.currentLease;
    expect(renewed?.token).toBe(held.token);
    expect(renewed?.expiresAt.getTime()).toBeGreaterThan(startedAt + 3 * LEASE_DURATION_MS);
    expect(budget.sent).toBe((3 * LEASE_DURATION_MS) / 5_000);
    // Released with its own token, whatever the renewals.
    expect(await store.lease.release(held)).toBe(true);
  });

  it('stops the sender at once when another run took the lease over', async () => {
    const held = await take('slow-run');
    const budget = budgetFor(held);
    expect(await budget.beforeSend()).toBeUndefined();
    // The run stalls past its lease (a frozen host); another run takes the fleet.
    await store.service.aws.clock.sleep(LEASE_DURATION_MS + 1_000);
    await take('next-run');

    const stop = await budget.beforeSend();
    expect(stop?.kind).toBe('lease-lost');
    // Stopped for good: no later change goes either, and nothing more was counted as sent.
    expect((await budget.beforeSend())?.kind).toBe('lease-lost');
    expect(budget.sent).toBe(1);
  });

  it('stops before the lease could lapse when the store cannot renew it', async () => {
    const held = await take('cut-off-run');
    const budget = budgetFor(held);
    store.service.aws.admin.injectFault({ service: 'dynamodb', action: 'PutItem', status: 500, count: 100 });
    await store.service.aws.clock.sleep(LEASE_DURATION_MS - LEASE_RENEW_BEFORE_MS + 1_000);
    // Not renewed, but still ours for a while: the sender goes on.
    expect(await budget.beforeSend()).toBeUndefined();
    budget.afterSend();
    await store.service.aws.clock.sleep(LEASE_RENEW_BEFORE_MS - 20_000);
    const stop = await budget.beforeSend();
    expect(stop?.kind).toBe('time');
    expect(stop?.reason).toMatch(/could not be renewed/);
  });

  it('stops sending once the run must keep its remaining time, counting the changes still queued', async () => {
    const held = await take('budgeted-run');
    const until = new Date(store.service.aws.clock.now().getTime() + 10_000);
    const budget = new SendBudget({ clock: store.service.aws.clock, until, sendIntervalMs: 2_000 });
    const letGo: number[] = [];
    for (let change = 0; change < 10; change++) {
      if ((await budget.beforeSend()) === undefined) letGo.push(change);
    }
    // Five queued at one every 2 s reach the deadline: the sixth would go out after it.
    expect(letGo).toEqual([0, 1, 2, 3, 4]);
    expect(budget.stopped?.kind).toBe('time');
    expect(await store.lease.release(held)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { AwsCallError, LeaseBusyError } from '#shared/errors/index.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { asSoleWriter, LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import { useLeaseStore } from '../../support/lease-store.ts';

const store = useLeaseStore('2026-03-09T12:00:00Z');

const logger = createSilentLogger();
const trigger = (id: string) => ({ kind: 'schedule' as const, id });

describe('DynamoDbLeaseGateway', () => {
  it('grants the lease to one run at a time and names the holder to the others', async () => {
    const now = store.service.aws.clock.now();
    const attempt = (owner: string, trigger: string) =>
      store.lease.tryAcquire({ owner, trigger, now, durationMs: 60_000 });
    const first = await attempt('run-1', 'alarm');
    const second = await attempt('run-2', 'schedule');

    expect(first.acquired).toBe(true);
    expect(second).toEqual({
      acquired: false,
      holder: {
        owner: 'run-1',
        trigger: 'alarm',
        acquiredAt: now,
        expiresAt: new Date(now.getTime() + 60_000),
      },
    });
    if (!first.acquired) throw new Error('unreachable');
    expect(await store.lease.release(first.lease)).toBe(true);
    const third = await attempt('run-2', 'schedule');
    expect(third.acquired).toBe(true);
  });

  it('lets a lease that has expired be taken over, and its late release then fails', async () => {
    const dead = await store.tryTake('died', 'schedule');
    await store.service.aws.clock.sleep(LEASE_DURATION_MS + 1_000);
    const next = await store.tryTake('next', 'alarm');

    expect(next.acquired).toBe(true);
    if (!dead.acquired) throw new Error('the first acquisition failed');
    expect(await store.lease.release(dead.lease)).toBe(false);
  });
});

describe('asSoleWriter', () => {
  it('makes a second run wait until the first has released, then reads the time afresh', async () => {
    const order: string[] = [];
    let releaseFirst = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = asSoleWriter(
      { lease: store.lease, clock: store.service.aws.clock, trigger: trigger('first'), logger },
      async () => {
        order.push('first starts');
        await firstHolds;
        await store.service.aws.clock.sleep(5_000);
        order.push('first ends');
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const firstEndedAt = () => store.service.aws.clock.now().getTime();
    const second = asSoleWriter(
      { lease: store.lease, clock: store.service.aws.clock, trigger: trigger('second'), logger },
      async ({ now }) => {
        order.push('second starts');
        return now.getTime();
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual(['first starts']);
    releaseFirst();
    await first;
    const ended = firstEndedAt();
    expect(await second).toBeGreaterThanOrEqual(ended);
    expect(order).toEqual(['first starts', 'first ends', 'second starts']);
  });

  it('gives up after its budget with the holder named, having run nothing', async () => {
    const held = await store.tryTake('slow-run', 'alarm');
    let ran = false;
    const failure = await asSoleWriter(
      {
        lease: store.lease,
        clock: store.service.aws.clock,
        trigger: trigger('late'),
        logger,
        wait: { budgetMs: 150 },
      },
      async () => {
        ran = true;
      },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LeaseBusyError);
    expect((failure as LeaseBusyError).message).toMatch(/^busy: held by alarm slow-run since 2026-03-09T12:/);
    expect(ran).toBe(false);
    if (held.acquired) await store.lease.release(held.lease);
  });

  it('fails with the store error, or reclaims only when told to, while the lease store is down', async () => {
    store.service.aws.admin.injectFault({ service: 'dynamodb', status: 500, count: 10 });
    const input = {
      lease: store.lease,
      clock: store.service.aws.clock,
      trigger: trigger('store-down'),
      logger,
    };

    const failure = await asSoleWriter(input, async () => 'ran').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsCallError);
    expect(
      await asSoleWriter({ ...input, whenUnavailable: 'reclaim-only' }, async (turn) => turn.reclaimOnly),
    ).toBe(true);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError, LeaseBusyError } from '#shared/errors/index.ts';
import type { LeaseGateway } from '#shared/gateways/lease.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { asSoleWriter, LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import {
  LEASE_TABLE_NAME,
  type LocalService,
  localLeaseGateway,
  startLocalService,
} from '../../support/local-service.ts';

let service: LocalService;
let lease: LeaseGateway;

beforeAll(async () => {
  service = await startLocalService({ now: '2026-03-09T12:00:00Z' });
  lease = localLeaseGateway(service.aws.url, 1);
});
afterAll(() => service.close());
beforeEach(() => {
  service.aws.admin.clearFaults();
  service.aws.admin.createTable({ name: LEASE_TABLE_NAME, partitionKey: 'pk' });
});

const logger = createSilentLogger();
const trigger = (id: string) => ({ kind: 'schedule' as const, id });

describe('DynamoDbLeaseGateway', () => {
  it('grants the lease to one run at a time and names the holder to the others', async () => {
    const now = service.aws.clock.now();
    const first = await lease.tryAcquire({ owner: 'run-1', trigger: 'alarm', now, durationMs: 60_000 });
    const second = await lease.tryAcquire({ owner: 'run-2', trigger: 'schedule', now, durationMs: 60_000 });

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
    expect(await lease.release(first.lease)).toBe(true);
    const third = await lease.tryAcquire({ owner: 'run-2', trigger: 'schedule', now, durationMs: 60_000 });
    expect(third.acquired).toBe(true);
  });

  it('lets a lease that has expired be taken over, and its late release then fails', async () => {
    const dead = await lease.tryAcquire({
      owner: 'died',
      trigger: 'schedule',
      now: service.aws.clock.now(),
      durationMs: LEASE_DURATION_MS,
    });
    await service.aws.clock.sleep(LEASE_DURATION_MS + 1_000);
    const next = await lease.tryAcquire({
      owner: 'next',
      trigger: 'alarm',
      now: service.aws.clock.now(),
      durationMs: LEASE_DURATION_MS,
    });

    expect(next.acquired).toBe(true);
    if (!dead.acquired) throw new Error('the first acquisition failed');
    expect(await lease.release(dead.lease)).toBe(false);
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
      { lease, clock: service.aws.clock, trigger: trigger('first'), logger },
      async () => {
        order.push('first starts');
        await firstHolds;
        await service.aws.clock.sleep(5_000);
        order.push('first ends');
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const firstEndedAt = () => service.aws.clock.now().getTime();
    const second = asSoleWriter(
      { lease, clock: service.aws.clock, trigger: trigger('second'), logger },
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
    const held = await lease.tryAcquire({
      owner: 'slow-run',
      trigger: 'alarm',
      now: service.aws.clock.now(),
      durationMs: LEASE_DURATION_MS,
    });
    let ran = false;
    const failure = await asSoleWriter(
      { lease, clock: service.aws.clock, trigger: trigger('late'), logger, wait: { budgetMs: 150 } },
      async () => {
        ran = true;
      },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LeaseBusyError);
    expect((failure as LeaseBusyError).message).toMatch(/^busy: held by alarm slow-run since 2026-03-09T12:/);
    expect(ran).toBe(false);
    if (held.acquired) await lease.release(held.lease);
  });

  it('fails with the store error, or reclaims only when told to, while the lease store is down', async () => {
    service.aws.admin.injectFault({ service: 'dynamodb', status: 500, count: 10 });
    const input = { lease, clock: service.aws.clock, trigger: trigger('store-down'), logger };

    const failure = await asSoleWriter(input, async () => 'ran').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsCallError);
    expect(
      await asSoleWriter({ ...input, whenUnavailable: 'reclaim-only' }, async (turn) => turn.reclaimOnly),
    ).toBe(true);
  });
});

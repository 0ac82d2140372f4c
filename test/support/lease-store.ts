/**
 * The writer lease's store on the local endpoint, for the tests of the lease itself: one endpoint per file, a
 * fresh lease table and no faults before each test, and a gateway that does not retry (a fault shows at once).
 */
import { beforeEach } from 'vitest';
import type { Clock } from '#shared/clock.ts';
import type { HeldLease, LeaseAttempt, LeaseGateway } from '#shared/gateways/lease.ts';
import { LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import { LEASE_TABLE_NAME, type LocalService, localLeaseGateway, useLocalService } from './local-service.ts';

export interface LeaseStore {
  readonly service: LocalService;
  readonly lease: LeaseGateway;
  /** One attempt at the lease as `owner`, now on the endpoint's clock, for the service's lease duration. */
  tryTake(owner: string, trigger?: string): Promise<LeaseAttempt>;
  /** Takes the lease as `tryTake` does, or fails the test. */
  take(owner: string, trigger?: string): Promise<HeldLease>;
}

/** Registers the file's hooks; the store's fields are there once `beforeAll` has run. */
export function useLeaseStore(now: string): LeaseStore {
  const service = useLocalService({ now });
  let lease: LeaseGateway | undefined;
  beforeEach(() => {
    store.service.aws.admin.clearFaults();
    store.service.aws.admin.createTable({ name: LEASE_TABLE_NAME, partitionKey: 'pk' });
  });
  const store: LeaseStore = {
    get service() {
      return service();
    },
    get lease() {
      lease ??= localLeaseGateway(service().aws.url, 1);
      return lease;
    },
    tryTake(owner, trigger = 'schedule') {
      return tryLease(store.lease, store.service.aws.clock, owner, trigger);
    },
    async take(owner, trigger) {
      const attempt = await store.tryTake(owner, trigger);
      if (!attempt.acquired) throw new Error(`lease not acquired by ${owner}`);
      return attempt.lease;
    },
  };
  return store;
}

/** One attempt at the lease as `owner`, now on `clock`, for the service's lease duration. */
export function tryLease(
  lease: LeaseGateway,
  clock: Clock,
  owner: string,
  trigger: string,
): Promise<LeaseAttempt> {
  return lease.tryAcquire({ owner, trigger, now: clock.now(), durationMs: LEASE_DURATION_MS });
}

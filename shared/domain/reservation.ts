/**
 * The service's view of one managed source reservation, as the EC2 gateway reads it from
 * DescribeCapacityReservations. Pure data: the policy, the reconcile use case, the tracker and the
 * simulator all speak this shape, so none of them depends on the SDK's types.
 */
import type { ReservationRecords } from './records.ts';

/** EC2 allows at most 1000 instances in one interruptible allocation and per change. */
export const EC2_MAX_ALLOCATION = 1000;

export const ALLOCATION_STATUSES = [
  'pending',
  'active',
  'updating',
  'canceling',
  'canceled',
  'failed',
] as const;
export type AllocationStatus = (typeof ALLOCATION_STATUSES)[number];

/** Statuses during which EC2 is still moving instances: never send another update then. */
export const IN_FLIGHT_STATUSES: readonly AllocationStatus[] = ['pending', 'updating', 'canceling'];

/** EC2 is applying the allocation's last change (an update now would be refused as IncorrectState). */
export function isUpdating(snapshot: ReservationSnapshot): boolean {
  return snapshot.allocation !== undefined && IN_FLIGHT_STATUSES.includes(snapshot.allocation.status);
}

/**
 * The service's one meaning of "in flight": a change is not done yet, because EC2 is still applying it or
 * the allocation's count has not met its target. What the tracker polls, what reconcile wakes it for and
 * what the in-flight gauge counts. A failed or canceled allocation will not move again: never in flight.
 */
export function isInFlight(snapshot: ReservationSnapshot): boolean {
  const allocation = snapshot.allocation;
  if (allocation === undefined) return false;
  if (allocation.status === 'failed' || allocation.status === 'canceled') return false;
  return isUpdating(snapshot) || allocation.current !== allocation.target;
}

export type ZeroSizePreference = 'retain' | 'default';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The interruptible allocation carved out of a source reservation (EC2's InterruptibleCapacityAllocation). */
export interface AllocationState {
  interruptibleReservationId?: string;
  /** Instances allocated right now (EC2 `InstanceCount`). */
  current: number;
  /** Requested count after the last change (EC2 `TargetInstanceCount`). */
  target: number;
  status: AllocationStatus;
  zeroSizePreference: ZeroSizePreference;
  /** Borrowers' running instances in the interruptible reservation, when it could be read. */
  borrowed?: number;
}

export interface ReservationSnapshot {
  reservationId: string;
  /** The owner account, for a spoke's reservation (shared/gateways/accounts.ts); absent: the hub's own. */
  accountId?: string;
  /** The source's ARN as EC2 gives it (its partition, region and owner name its interruptible reservation's). */
  arn?: string;
  region: string;
  instanceType: string;
  availabilityZone: string;
  /** EC2 CapacityReservationState of the source (`active`, `expired`, ...). */
  state: string;
  /** `TotalInstanceCount` of the source as EC2 shows it, i.e. after lending. */
  sourceTotal: number;
  /** `AvailableInstanceCount` of the source: unused slots, the only ones that can be lent. */
  sourceAvailable: number;
  /** What the owner holds in all: source total + the allocation's current count. */
  owned: number;
  /** Absent when the source has never lent, or its allocation was cancelled. */
  allocation?: AllocationState;
  /** The reservation's tags as EC2 holds them: the config's selectors match them; nothing else reads them. */
  tags: Record<string, string>;
  /** The service's records on the reservation, read from its tags by the EC2 adapter (shared/records). */
  records: ReservationRecords;
}

/**
 * The capacity reservation model: source reservations, their interruptible allocation, the borrowers'
 * instances, and the reclamation that EC2 runs on its own clock. The EC2 protocol layer
 * validates the wire and calls these methods; the admin API seeds and inspects through them.
 */

import { AwsServiceError } from './errors.ts';
import { randomHex, seededRandom, unitSpread } from './random.ts';
import type { SimulatedTime } from './simulated-time.ts';
import type {
  AllocationStatus,
  AllocationView,
  EventRecord,
  LocalAwsSettings,
  ReservationView,
  SeededReservation,
  SeedReservation,
  ZeroSizePreference,
} from './types.ts';

/** EC2 gives a borrower two minutes between the warning and the shutdown. */
export const WARNING_SECONDS = 120;
export const MAX_CHANGE_PER_REQUEST = 1000;
const BORROWER_ACCOUNT_ID = '210987654321';
export const CAPACITY_RESERVATION_ID = /^cr-([0-9a-f]{8}|[0-9a-f]{17})$/;

export interface Borrower {
  instanceId: string;
  warnedAtMs?: number;
  shutdownAtMs?: number;
  stuck: boolean;
}

export interface Allocation {
  interruptibleId: string;
  arn: string;
  source: SourceReservation;
  current: number;
  target: number;
  status: AllocationStatus;
  zeroSizePreference: ZeroSizePreference;
  tags: Map<string, string>;
  createdAtMs: number;
  borrowers: Borrower[];
  /** State of the interruptible reservation itself: `pending` while the allocation is. */
  reservationState: 'pending' | 'active' | 'cancelled';
  /** The allocation's count when the current reclaim began (for ReclaimedInstanceCount). */
  reclaimFrom?: number;
}

export interface SourceReservation {
  id: string;
  /** The owning account (Describe's `ownerId`, also when another account sees it shared). */
  ownerId: string;
  region: string;
  arn: string;
  instanceType: string;
  availabilityZone: string;
  availabilityZoneId: string;
  /** The owner's whole reservation: source total + current allocation. */
  ownedTotal: number;
  ownerRunning: number;
  state: string;
  tags: Map<string, string>;
  createdAtMs: number;
  allocation?: Allocation;
  /** Fault: how many more warned instances never shut down. */
  stuckQuota: number;
  /** Fault: how many more Creates or Updates leave the allocation `failed`. */
  failingChanges: number;
}

/** A Create that succeeded with a ClientToken: what it asked (to spot a mismatch) and what it answered. */
interface IdempotentCreate {
  request: string;
  result: CreateAllocationResult;
}

export type DescribeEntry =
  | { kind: 'source'; source: SourceReservation }
  | { kind: 'interruptible'; allocation: Allocation };

export interface CreateAllocationResult {
  sourceCapacityReservationId: string;
  targetInstanceCount: number;
  status: AllocationStatus;
}

export interface UpdateAllocationResult {
  interruptibleCapacityReservationId: string;
  sourceCapacityReservationId: string;
  instanceCount: number;
  targetInstanceCount: number;
  status: AllocationStatus;
}

export interface CapacityDependencies {
  /** The account whose reservations these are. */
  accountId: string;
  /** Seed of this account's generated ids. */
  randomSeed: () => string;
  /** Ids are unique across accounts, as EC2's are: whether another account holds this one. */
  idTakenElsewhere: (id: string) => boolean;
  time: SimulatedTime;
  settings: () => LocalAwsSettings;
  emit: (event: Omit<EventRecord, 'time'> & { time?: string }) => void;
}

export function regionOfZone(availabilityZone: string): string | undefined {
  const match = /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/.exec(availabilityZone);
  return match?.[1];
}

/** EC2's zone ids look like `use1-az1`; derived here so events and Describe carry one. */
export function zoneIdOf(availabilityZone: string): string {
  const region = regionOfZone(availabilityZone);
  if (!region) return availabilityZone;
  const [geography = '', direction = '', number = ''] = region.split('-');
  const letter = availabilityZone.slice(-1);
  return `${geography}${direction.slice(0, 1)}${number}-az${letter.charCodeAt(0) - 96}`;
}

export function sourceTotal(source: SourceReservation): number {
  return source.ownedTotal - (source.allocation?.current ?? 0);
}

export function sourceAvailable(source: SourceReservation): number {
  return Math.max(0, sourceTotal(source) - source.ownerRunning);
}

export function allocationAvailable(allocation: Allocation): number {
  return Math.max(0, allocation.current - allocation.borrowers.length);
}

function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** EC2 event timestamps have no milliseconds. */
function toEventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class CapacityModel {
  private readonly byRegion = new Map<string, DescribeEntry[]>();
  private readonly byId = new Map<string, DescribeEntry>();
  /** ClientTokens of successful Creates, per region: a token belongs to the account, not to one source. */
  private readonly clientTokens = new Map<string, IdempotentCreate>();
  private random: () => number;

  constructor(private readonly deps: CapacityDependencies) {
    this.random = seededRandom(deps.randomSeed());
  }

  reset(): void {
    this.byRegion.clear();
    this.byId.clear();
    this.clientTokens.clear();
    this.random = seededRandom(this.deps.randomSeed());
  }

  /** Entries of one region in creation order; Describe pages through this list by offset. */
  entriesOf(region: string): readonly DescribeEntry[] {
    return this.byRegion.get(region) ?? [];
  }

  find(id: string, region: string): DescribeEntry | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    const entryRegion = entry.kind === 'source' ? entry.source.region : entry.allocation.source.region;
    return entryRegion === region ? entry : undefined;
  }

  sources(): SourceReservation[] {
    const all: SourceReservation[] = [];
    for (const entries of this.byRegion.values()) {
      for (const entry of entries) if (entry.kind === 'source') all.push(entry.source);
    }
    return all;
  }

  /** Whether this account holds the id (a source or an interruptible reservation), in any region. */
  holds(id: string): boolean {
    return this.byId.has(id);
  }

  findSourceAnyRegion(id: string): SourceReservation | undefined {
    const entry = this.byId.get(id);
    return entry?.kind === 'source' ? entry.source : undefined;
  }

  // ---------------------------------------------------------------- seeding

  seed(seed: SeedReservation): SeededReservation {
    const settings = this.deps.settings();
    const total = seed.totalInstanceCount;
    const ownerRunning = seed.ownerRunning ?? 0;
    requireCount('totalInstanceCount', total);
    requireCount('ownerRunning', ownerRunning);
    if (typeof seed.instanceType !== 'string' || seed.instanceType === '') {
      throw new AwsServiceError('MissingParameter', 'instanceType is required');
    }
    if (typeof seed.availabilityZone !== 'string' || seed.availabilityZone === '') {
      throw new AwsServiceError('MissingParameter', 'availabilityZone is required');
    }
    if (seed.id !== undefined && !CAPACITY_RESERVATION_ID.test(seed.id)) {
      throw new AwsServiceError('InvalidCapacityReservationId.Malformed', `Invalid id: "${seed.id}"`);
    }
    if (seed.id !== undefined && (this.byId.has(seed.id) || this.deps.idTakenElsewhere(seed.id))) {
      throw new AwsServiceError('InvalidParameterValue', `Reservation ${seed.id} already exists`);
    }
    if (ownerRunning > total) {
      throw new AwsServiceError('InvalidParameterValue', 'ownerRunning exceeds totalInstanceCount');
    }
    const region = seed.region ?? regionOfZone(seed.availabilityZone) ?? settings.defaultRegion;
    const id = seed.id ?? this.newId('cr');
    const now = this.deps.time.nowMs();
    const source: SourceReservation = {
      id,
      ownerId: this.deps.accountId,
      region,
      arn: `arn:aws:ec2:${region}:${this.deps.accountId}:capacity-reservation/${id}`,
      instanceType: seed.instanceType,
      availabilityZone: seed.availabilityZone,
      availabilityZoneId: zoneIdOf(seed.availabilityZone),
      ownedTotal: total,
      ownerRunning,
      state: seed.state ?? 'active',
      tags: new Map(Object.entries(seed.tags ?? {})),
      createdAtMs: now,
      stuckQuota: 0,
      failingChanges: 0,
    };
    const lent = seed.interruptible;
    if (lent) {
      requireCount('interruptible.instanceCount', lent.instanceCount);
      const borrowed = lent.borrowed ?? 0;
      requireCount('interruptible.borrowed', borrowed);
      if (lent.instanceCount > total - ownerRunning) {
        throw new AwsServiceError(
          'InvalidParameterValue',
          `Cannot lend ${lent.instanceCount}: only ${total - ownerRunning} instances are unused`,
        );
      }
      if (borrowed > lent.instanceCount) {
        throw new AwsServiceError('InvalidParameterValue', 'interruptible.borrowed exceeds instanceCount');
      }
    }
    this.add({ kind: 'source', source });
    if (lent) {
      const allocation = this.newAllocation(source, lent.instanceCount, lent.zeroSizePreference ?? 'default');
      for (const [key, value] of Object.entries(lent.tags ?? {})) allocation.tags.set(key, value);
      this.setBorrowers(allocation, lent.borrowed ?? 0);
      if (lent.pendingSeconds !== undefined && lent.pendingSeconds > 0)
        this.holdPending(allocation, lent.pendingSeconds);
    }
    return source.allocation ? { id, interruptibleId: source.allocation.interruptibleId } : { id };
  }

  /** Sets the borrowers' running instances (admin): new ones launch into unused lent slots. */
  setRunningBorrowers(reservationId: string, running: number): void {
    requireCount('running', running);
    const source = this.findSourceAnyRegion(reservationId);
    if (!source) {
      throw new AwsServiceError(
        'InvalidCapacityReservationId.NotFound',
        `The capacity reservation '${reservationId}' does not exist`,
      );
    }
    const allocation = source.allocation;
    if (!allocation) {
      throw new AwsServiceError(
        'IncorrectState',
        `${reservationId} has no interruptible capacity allocation`,
      );
    }
    if (running > allocation.current) {
      throw new AwsServiceError(
        'InvalidParameterValue',
        `Only ${allocation.current} instances are allocated; ${running} cannot run`,
      );
    }
    if (allocation.status === 'pending' && running > allocation.borrowers.length) {
      throw new AwsServiceError(
        'IncorrectState',
        `${reservationId}'s interruptible reservation is still pending`,
      );
    }
    this.setBorrowers(allocation, running);
  }

  private setBorrowers(allocation: Allocation, running: number): void {
    // Removing prefers instances that were not warned, as a borrower scaling in would.
    while (allocation.borrowers.length > running) {
      const index = allocation.borrowers.findLastIndex((borrower) => borrower.warnedAtMs === undefined);
      allocation.borrowers.splice(index >= 0 ? index : allocation.borrowers.length - 1, 1);
    }
    while (allocation.borrowers.length < running) {
      allocation.borrowers.push({ instanceId: this.newId('i'), stuck: false });
    }
    if (allocation.status === 'updating') this.settle(allocation);
  }

  // ---------------------------------------------------------------- EC2 actions

  createAllocation(input: {
    source: SourceReservation;
    instanceCount: number;
    zeroSizePreference?: ZeroSizePreference;
    clientToken?: string;
    tags: Map<string, string>;
  }): CreateAllocationResult {
    const { source } = input;
    // A retry with the same token and parameters answers as the first call did and changes nothing; the
    // same token with other parameters is IdempotentParameterMismatch
    // (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
    const tokenKey = input.clientToken === undefined ? undefined : `${source.region}/${input.clientToken}`;
    const asked = JSON.stringify([
      source.id,
      input.instanceCount,
      input.zeroSizePreference ?? 'default',
      [...input.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]);
    if (tokenKey !== undefined) {
      const earlier = this.clientTokens.get(tokenKey);
      if (earlier && earlier.request !== asked) {
        throw new AwsServiceError(
          'IdempotentParameterMismatch',
          `The client token ${input.clientToken} was used by an earlier request with different parameters`,
        );
      }
      if (earlier) return earlier.result;
    }
    this.requireActiveSource(source);
    if (source.allocation) {
      throw new AwsServiceError(
        'IncorrectState',
        `The capacity reservation ${source.id} already has an interruptible capacity allocation (${source.allocation.interruptibleId})`,
      );
    }
    if (input.instanceCount > MAX_CHANGE_PER_REQUEST) {
      throw new AwsServiceError(
        'InvalidParameterValue',
        `InstanceCount ${input.instanceCount} exceeds the limit of ${MAX_CHANGE_PER_REQUEST} per request`,
      );
    }
    const available = sourceAvailable(source);
    if (input.instanceCount > available) {
      throw new AwsServiceError(
        'InvalidParameterValue',
        `Only unused capacity can be allocated: ${source.id} has ${available} available instances, ${input.instanceCount} requested`,
      );
    }
    const failing = this.takeFailingChange(source);
    const allocation = this.newAllocation(
      source,
      failing ? 0 : input.instanceCount,
      input.zeroSizePreference ?? 'default',
    );
    for (const [key, value] of input.tags) allocation.tags.set(key, value);
    if (failing) {
      allocation.target = input.instanceCount;
      allocation.status = 'failed';
    } else if (this.deps.settings().pendingSeconds > 0) {
      this.holdPending(allocation, this.deps.settings().pendingSeconds);
    }
    const result: CreateAllocationResult = {
      sourceCapacityReservationId: source.id,
      targetInstanceCount: allocation.target,
      status: allocation.status,
    };
    if (tokenKey !== undefined) this.clientTokens.set(tokenKey, { request: asked, result });
    return result;
  }

  updateAllocation(input: {
    source: SourceReservation;
    targetInstanceCount?: number;
    zeroSizePreference?: ZeroSizePreference;
  }): UpdateAllocationResult {
    const { source } = input;
    this.requireActiveSource(source);
    const allocation = source.allocation;
    if (!allocation) {
      throw new AwsServiceError(
        'IncorrectState',
        `The capacity reservation ${source.id} has no interruptible capacity allocation`,
      );
    }
    if (allocation.status === 'canceling' || allocation.status === 'pending') {
      throw new AwsServiceError(
        'IncorrectState',
        `The interruptible capacity allocation of ${source.id} is ${allocation.status}`,
      );
    }
    const target = input.targetInstanceCount;
    if (allocation.status === 'updating' && target !== undefined && target !== allocation.target) {
      if (this.deps.settings().updateWhileUpdating === 'reject') {
        throw new AwsServiceError(
          'IncorrectState',
          `The interruptible capacity allocation of ${source.id} is updating (current ${allocation.current}, target ${allocation.target})`,
        );
      }
    }
    if (target !== undefined) {
      const change = Math.abs(target - allocation.current);
      if (change > MAX_CHANGE_PER_REQUEST) {
        throw new AwsServiceError(
          'InvalidParameterValue',
          `A change of ${change} instances exceeds the limit of ${MAX_CHANGE_PER_REQUEST} per request`,
        );
      }
      const lendMore = target - allocation.current;
      const available = sourceAvailable(source);
      if (lendMore > available) {
        throw new AwsServiceError(
          'InvalidParameterValue',
          `Only unused capacity can be allocated: ${source.id} has ${available} available instances, ${lendMore} more requested`,
        );
      }
    }
    if (input.zeroSizePreference !== undefined) allocation.zeroSizePreference = input.zeroSizePreference;
    if (this.takeFailingChange(source)) {
      if (target !== undefined) allocation.target = target;
      allocation.status = 'failed';
      this.cancelPendingShutdowns(allocation);
    } else if (target !== undefined) {
      const wasUpdating = allocation.status === 'updating';
      if (target < allocation.current && !wasUpdating) allocation.reclaimFrom = allocation.current;
      allocation.target = target;
      if (allocation.current === target && !wasUpdating) {
        allocation.status = 'active';
        this.completeIfZero(allocation);
      } else {
        allocation.status = 'updating';
        this.settle(allocation);
      }
    } else if (allocation.status === 'failed') {
      // A preference-only update leaves a failed allocation failed.
    } else if (allocation.current === 0 && allocation.status === 'active') {
      this.completeIfZero(allocation);
    }
    return {
      interruptibleCapacityReservationId: allocation.interruptibleId,
      sourceCapacityReservationId: source.id,
      instanceCount: allocation.current,
      targetInstanceCount: allocation.target,
      status: allocation.status,
    };
  }

  /**
   * A new allocation is `pending` for a while before it is `active` (API_InterruptibleCapacityAllocation.html
   * lists the status; how long it lasts is not documented, hence the `pendingSeconds` setting). Its capacity has
   * left the source already: Describe shows it lent, never as the source's available capacity. Borrowers cannot
   * launch into it and an Update is IncorrectState until it is active.
   */
  private holdPending(allocation: Allocation, seconds: number): void {
    allocation.status = 'pending';
    allocation.reservationState = 'pending';
    this.deps.time.schedule(this.deps.time.nowMs() + seconds * 1000, () => {
      if (allocation.status !== 'pending') return;
      allocation.status = 'active';
      allocation.reservationState = 'active';
    });
  }

  // ---------------------------------------------------------------- faults on allocations

  makeBorrowersStuck(reservationId: string, instances: number | undefined): void {
    const source = this.requireSourceForFault(reservationId);
    source.stuckQuota = instances ?? Number.POSITIVE_INFINITY;
  }

  /** The next `changes` Creates or Updates of that source answer, and leave the allocation `failed`. */
  failChanges(reservationId: string, changes: number): void {
    this.requireSourceForFault(reservationId).failingChanges = changes;
  }

  private takeFailingChange(source: SourceReservation): boolean {
    if (source.failingChanges <= 0) return false;
    source.failingChanges--;
    return true;
  }

  /** Clearing faults releases stuck borrowers: they shut down as if the warning had just run out. */
  clearAllocationFaults(): void {
    const now = this.deps.time.nowMs();
    for (const source of this.sources()) {
      source.stuckQuota = 0;
      source.failingChanges = 0;
      for (const borrower of source.allocation?.borrowers ?? []) {
        if (!borrower.stuck || borrower.warnedAtMs === undefined) continue;
        borrower.stuck = false;
        const earliest = Math.max(now, borrower.warnedAtMs + WARNING_SECONDS * 1000);
        this.scheduleShutdown(source.allocation!, borrower, earliest + this.shutdownDelayMs(borrower));
      }
    }
  }

  private requireSourceForFault(reservationId: string): SourceReservation {
    const source = this.findSourceAnyRegion(reservationId);
    if (!source) {
      throw new AwsServiceError(
        'InvalidCapacityReservationId.NotFound',
        `The capacity reservation '${reservationId}' does not exist`,
      );
    }
    return source;
  }

  // ---------------------------------------------------------------- reclamation

  /**
   * Moves the allocation toward its target as far as possible right now: unused lent slots go back to
   * the source at once, running borrowers get warned (their shutdown is scheduled), more lending happens
   * at once. Completion is declared when current == target.
   */
  private settle(allocation: Allocation): void {
    if (allocation.status !== 'updating') return;
    if (allocation.current > allocation.target) {
      const unused = allocation.current - allocation.borrowers.length;
      allocation.current -= Math.min(unused, allocation.current - allocation.target);
      const mustInterrupt = allocation.current - allocation.target;
      let warned = allocation.borrowers.filter((borrower) => borrower.warnedAtMs !== undefined).length;
      for (let index = allocation.borrowers.length - 1; index >= 0 && warned < mustInterrupt; index--) {
        const borrower = allocation.borrowers[index]!;
        if (borrower.warnedAtMs !== undefined) continue;
        this.warn(allocation, borrower);
        warned++;
      }
    } else if (allocation.current < allocation.target) {
      allocation.current = allocation.target;
    }
    if (allocation.current === allocation.target) this.complete(allocation);
  }

  private warn(allocation: Allocation, borrower: Borrower): void {
    const now = this.deps.time.nowMs();
    borrower.warnedAtMs = now;
    const region = allocation.source.region;
    this.deps.emit({
      source: 'aws.ec2',
      'detail-type': 'EC2 Capacity Reservation Instance Interruption Warning',
      detail: {
        'instance-id': borrower.instanceId,
        'instance-action': 'terminate',
        'instance-termination-time': toEventTime(now + WARNING_SECONDS * 1000),
        azId: allocation.source.availabilityZoneId,
      },
      bus: 'default',
      resources: [`arn:aws:ec2:${region}:${BORROWER_ACCOUNT_ID}:instance/${borrower.instanceId}`],
      region,
      account: BORROWER_ACCOUNT_ID,
    });
    if (allocation.source.stuckQuota > 0) {
      allocation.source.stuckQuota--;
      borrower.stuck = true;
      return;
    }
    this.scheduleShutdown(
      allocation,
      borrower,
      now + WARNING_SECONDS * 1000 + this.shutdownDelayMs(borrower),
    );
  }

  private shutdownDelayMs(borrower: Borrower): number {
    const settings = this.deps.settings();
    const spread = unitSpread(settings.seed, borrower.instanceId) * settings.shutdownSpreadSeconds;
    return Math.max(0, Math.round((settings.shutdownSeconds + spread) * 1000));
  }

  private scheduleShutdown(allocation: Allocation, borrower: Borrower, atMs: number): void {
    borrower.shutdownAtMs = atMs;
    this.deps.time.schedule(atMs, () => {
      // A later change (reset, failure, removal by the admin) may have made this task stale.
      if (borrower.shutdownAtMs !== atMs || borrower.stuck) return;
      const index = allocation.borrowers.indexOf(borrower);
      if (index < 0) return;
      allocation.borrowers.splice(index, 1);
      if (allocation.current > allocation.target) allocation.current--;
      if (allocation.status === 'updating' && allocation.current === allocation.target) {
        this.complete(allocation);
      }
    });
  }

  /**
   * A failed change ends its reclamation: borrowers it warned keep running, and a retry warns them again (a
   * warning left on record without its shutdown would leave them running through every later reclaim).
   */
  private cancelPendingShutdowns(allocation: Allocation): void {
    for (const borrower of allocation.borrowers) {
      borrower.shutdownAtMs = undefined;
      borrower.warnedAtMs = undefined;
      borrower.stuck = false;
    }
    allocation.reclaimFrom = undefined;
  }

  private complete(allocation: Allocation): void {
    const source = allocation.source;
    if (allocation.reclaimFrom !== undefined && allocation.reclaimFrom > allocation.current) {
      this.deps.emit({
        source: 'aws.ec2',
        'detail-type': 'EC2 Interruptible Capacity Reservation Allocation Reclamation Completed',
        detail: {
          sourceCapacityReservationId: source.id,
          instanceType: source.instanceType,
          availabilityZoneId: source.availabilityZoneId,
          TotalInstanceCount: sourceTotal(source),
          ReclaimedInstanceCount: allocation.reclaimFrom - allocation.current,
          targetInstanceCount: allocation.target,
        },
        bus: 'default',
        resources: [source.arn],
        region: source.region,
        account: this.deps.accountId,
      });
    }
    allocation.reclaimFrom = undefined;
    allocation.status = 'active';
    this.completeIfZero(allocation);
  }

  private completeIfZero(allocation: Allocation): void {
    if (allocation.current !== 0 || allocation.target !== 0 || allocation.zeroSizePreference !== 'default')
      return;
    allocation.status = 'canceling';
    const cancelAt = this.deps.time.nowMs() + this.deps.settings().cancelSeconds * 1000;
    this.deps.time.schedule(cancelAt, () => {
      if (allocation.status !== 'canceling') return;
      allocation.status = 'canceled';
      allocation.reservationState = 'cancelled';
      if (allocation.source.allocation === allocation) allocation.source.allocation = undefined;
    });
  }

  // ---------------------------------------------------------------- helpers

  private requireActiveSource(source: SourceReservation): void {
    if (source.state !== 'active') {
      throw new AwsServiceError(
        'IncorrectState',
        `The capacity reservation ${source.id} is ${source.state}; it must be active`,
      );
    }
  }

  private newAllocation(
    source: SourceReservation,
    instanceCount: number,
    zeroSizePreference: ZeroSizePreference,
  ): Allocation {
    const id = this.newId('cr');
    const allocation: Allocation = {
      interruptibleId: id,
      arn: `arn:aws:ec2:${source.region}:${this.deps.accountId}:capacity-reservation/${id}`,
      source,
      current: instanceCount,
      target: instanceCount,
      status: 'active',
      zeroSizePreference,
      tags: new Map(),
      createdAtMs: this.deps.time.nowMs(),
      borrowers: [],
      reservationState: 'active',
    };
    source.allocation = allocation;
    this.add({ kind: 'interruptible', allocation });
    return allocation;
  }

  private add(entry: DescribeEntry): void {
    const id = entry.kind === 'source' ? entry.source.id : entry.allocation.interruptibleId;
    const region = entry.kind === 'source' ? entry.source.region : entry.allocation.source.region;
    let entries = this.byRegion.get(region);
    if (!entries) {
      entries = [];
      this.byRegion.set(region, entries);
    }
    entries.push(entry);
    this.byId.set(id, entry);
  }

  private newId(prefix: 'cr' | 'i'): string {
    for (;;) {
      const id = `${prefix}-${randomHex(this.random, 17)}`;
      if (!this.byId.has(id) && !this.deps.idTakenElsewhere(id)) return id;
    }
  }

  // ---------------------------------------------------------------- views

  view(source: SourceReservation): ReservationView {
    const allocation = source.allocation;
    return {
      id: source.id,
      region: source.region,
      instanceType: source.instanceType,
      availabilityZone: source.availabilityZone,
      state: source.state,
      ownedInstanceCount: source.ownedTotal,
      ownerRunning: source.ownerRunning,
      totalInstanceCount: sourceTotal(source),
      availableInstanceCount: sourceAvailable(source),
      tags: Object.fromEntries(source.tags),
      ...(allocation ? { allocation: allocationView(allocation) } : {}),
    };
  }
}

function allocationView(allocation: Allocation): AllocationView {
  return {
    interruptibleId: allocation.interruptibleId,
    current: allocation.current,
    target: allocation.target,
    status: allocation.status,
    zeroSizePreference: allocation.zeroSizePreference,
    borrowers: allocation.borrowers.map((borrower) => ({
      instanceId: borrower.instanceId,
      ...(borrower.warnedAtMs !== undefined ? { warnedAt: toIso(borrower.warnedAtMs) } : {}),
      ...(borrower.shutdownAtMs !== undefined ? { shutdownAt: toIso(borrower.shutdownAtMs) } : {}),
      stuck: borrower.stuck,
    })),
  };
}

function requireCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new AwsServiceError('InvalidParameterValue', `${name} must be a non-negative integer`);
  }
}

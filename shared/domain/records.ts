/**
 * The service's records on a source reservation, typed. The world holds them as tags on the reservation; the
 * EC2 adapter reads them once per describe (shared/records) into `ReservationSnapshot.records`, so the policy
 * and the use cases work with these shapes and never with a tag. Pure data and the rules that only need it.
 */

/** An allocation target is 0..1000 (EC2's limit for an interruptible allocation). */
export const MAX_TARGET = 1000;
/** No override outlives this, whatever its expiry says: forgotten overrides must not pin a fleet. */
export const MAX_OVERRIDE_HOURS = 24;
/** Tolerated clock skew between whoever set an override and the reader. */
export const SET_AT_SKEW_MINUTES = 5;

export type OverrideAction = 'reclaim' | 'lend';

/** An on-call override of the policy, until its expiry. */
export interface Override {
  /** `reclaim` caps the target at `target`; `lend` replaces the schedule's need with owned − target. */
  action: OverrideAction;
  /** Absolute allocation target. */
  target: number;
  expiresAt: Date;
  reason: string;
  setAt: Date;
  /** A lend override ends at the next session's reclaim unless this says it spans it. */
  spansSession?: true;
  /** Who set it, as the caller named itself or its invocation identified it. */
  requestedBy?: string;
}

/** Where a recorded override stands at `now`: its times are only judged against the reader's clock. */
export type OverrideStanding =
  | { kind: 'active' }
  | { kind: 'expired' }
  | { kind: 'rejected'; problem: string };

export function overrideStanding(override: Override, now: Date): OverrideStanding {
  if (override.setAt.getTime() > now.getTime() + SET_AT_SKEW_MINUTES * 60_000)
    return { kind: 'rejected', problem: 'override was set in the future' };
  if (now.getTime() >= override.expiresAt.getTime()) return { kind: 'expired' };
  return { kind: 'active' };
}

/** The last allocation change the service requested. */
export interface RequestRecord {
  target: number;
  from: number;
  at: Date;
  /** What woke the reconcile: `schedule`, `alarm`, `demand`, `tracker`. */
  trigger: string;
  reason: string;
  /** The session open a schedule reclaim is for: the tracker's deadline. */
  deadline?: Date;
  /** How long the reclaim was expected to take (the learned p95), when enough durations were measured. */
  expectedSeconds?: number;
}

/** A target decided while the allocation was in flight, for the tracker to apply once it is active. */
export interface DesiredTarget {
  target: number;
  reason?: string;
}

/** The failed changes in a row on one reservation: what the retry backoff counts from. */
export interface FailureRecord {
  attempts: number;
  /** When the last failure was seen. */
  at: Date;
  /** What failed, as `code: message` (cut to a tag value). */
  failure: string;
}

/** The facts of an `Allocation Change Failed` that its run could not publish, kept until it is sent. */
export interface OwedFailure {
  requestedAt: Date;
  from: number;
  to: number;
  trigger: string;
  errorCode: string;
}

export type HeadsUpState = 'scheduled' | 'started' | 'cancelled';

/** Which planned reclaim borrowers were last told of, and where it stands. */
export interface HeadsUpRecord {
  state: HeadsUpState;
  /** The open of the session the reclaim serves: it names the planned reclaim. */
  sessionOpen: Date;
  plannedStart: Date;
}

/** What the tracker itself remembers on the reservation between runs (it is otherwise stateless). */
export interface TrackerMemory {
  /** When the allocation's current count last moved, and to what: a stall is measured across runs. */
  lastProgressAt?: Date;
  lastProgressCount?: number;
  /** Requested-at of the last request whose `Allocation Change Completed` was sent. */
  completedRequestAt?: Date;
  /** When the last completion was first seen (its event may still be owed). */
  completionSeenAt?: Date;
  /** The last `Allocation Change Stalled`: once per stall. */
  stallReportedAt?: Date;
  /** The last `Deadline At Risk`: once per request. */
  deadlineRiskReportedAt?: Date;
}

/** A short-notice market closure recorded by on-call. */
export interface ShortNoticeClosure {
  market: string;
  /** The market's local date, YYYY-MM-DD. */
  date: string;
  reason: string;
}

export type RecordName =
  | 'override'
  | 'lastRequest'
  | 'lastReclaim'
  | 'desiredTarget'
  | 'failure'
  | 'owedFailure'
  | 'headsUp'
  | 'announcedInterruptibleId'
  | 'trackerMemory'
  | 'shareDigest'
  | 'closure';

/**
 * A record that is present but cannot be read (tags come from anyone with CreateTags): it is treated as
 * absent, never trusted, and said in the run's logs (and, for an override, in the decision's reasons).
 */
export interface MalformedRecord {
  record: RecordName;
  problem: string;
}

export interface ReservationRecords {
  override?: Override;
  lastRequest?: RequestRecord;
  /** When the service last lowered the target: the lend-back cooldown counts from it. */
  lastReclaimAt?: Date;
  desiredTarget?: DesiredTarget;
  failure?: FailureRecord;
  owedFailure?: OwedFailure;
  headsUp?: HeadsUpRecord;
  /** The interruptible reservation id borrowers were last told of. */
  announcedInterruptibleId?: string;
  tracker: TrackerMemory;
  /** The digest of the principals the reservation's RAM share was last put in step with. */
  shareDigest?: string;
  closures: ShortNoticeClosure[];
  malformed: MalformedRecord[];
}

/** A reservation that carries no record yet. */
export function noRecords(): ReservationRecords {
  return { tracker: {}, closures: [], malformed: [] };
}

/**
 * Failed changes in a row after which the automatic triggers stop retrying: each failure has paged by then
 * (an `Allocation Change Failed` event), and on-call's own reclaim or lend still tries at once.
 */
export const MAX_CHANGE_ATTEMPTS = 6;
/** The wait after the n-th failure doubles from this, up to the cap: 1, 2, 4, 8, 16 minutes. */
const RETRY_FIRST_WAIT_MINUTES = 1;
const RETRY_MAX_WAIT_MINUTES = 16;

/** Minutes to wait after the `attempts`-th failure in a row before the next automatic try. */
export function retryWaitMinutes(attempts: number): number {
  return Math.min(RETRY_MAX_WAIT_MINUTES, RETRY_FIRST_WAIT_MINUTES * 2 ** Math.max(0, attempts - 1));
}

export type RetryPlan = { kind: 'due' } | { kind: 'wait'; until: Date } | { kind: 'exhausted' };

/** Whether an automatic trigger may try the change again now, after the failures on record. */
export function retryPlan(record: FailureRecord | undefined, now: Date): RetryPlan {
  if (record === undefined) return { kind: 'due' };
  if (record.attempts >= MAX_CHANGE_ATTEMPTS) return { kind: 'exhausted' };
  const until = new Date(record.at.getTime() + retryWaitMinutes(record.attempts) * 60_000);
  return now.getTime() >= until.getTime() ? { kind: 'due' } : { kind: 'wait', until };
}

/**
 * What a reservation still owes the tracker, read from its snapshot and records alone: whether the tracker must
 * run for it, a decision or a completion is owed, a failed change waits for its retry. Pure, so the reconcile
 * (which wakes the tracker) and the tracker (which polls) share one meaning without importing each other.
 */
import { type RequestRecord, retryPlan } from './records.ts';
import { isInFlight, type ReservationSnapshot } from './reservation.ts';

/**
 * A failed allocation is still lent. A failure the reconcile has not counted yet is `due` once, when the
 * tracker first reports it (the reconcile then counts it, or finds no change wanted); a counted one is `due`
 * when its backoff is over and `waiting` until then; `none` when not failed, or retries are exhausted.
 */
export function failedChangeRetry(
  snapshot: ReservationSnapshot,
  request: Pick<RequestRecord, 'at'> | undefined,
  now?: Date,
): 'due' | 'waiting' | 'none' {
  if (snapshot.allocation?.status !== 'failed') return 'none';
  const record = snapshot.records.failure;
  if (record === undefined || (request !== undefined && request.at.getTime() > record.at.getTime())) {
    const reportedAt = snapshot.records.tracker.stallReportedAt;
    const since = request?.at ?? record?.at;
    const reported = reportedAt !== undefined && (since === undefined || reportedAt >= since);
    return reported ? 'none' : 'due';
  }
  // Without a clock only whether a retry is still to come is asked: it is `waiting`, or none when exhausted.
  const plan = retryPlan(record, now ?? record.at);
  return plan.kind === 'due' ? 'due' : plan.kind === 'wait' ? 'waiting' : 'none';
}

/**
 * A desired target recorded while the allocation was in flight (or left by a run whose send budget was
 * spent), and the allocation active again or not created yet: a decision is owed, which only the tracker's
 * next poll (or a reconcile) makes.
 */
export function hasDecisionDue(snapshot: ReservationSnapshot): boolean {
  return (
    snapshot.records.desiredTarget !== undefined &&
    (snapshot.allocation === undefined || snapshot.allocation.status === 'active') &&
    !isInFlight(snapshot)
  );
}

/**
 * Whether the tracker must be running for this reservation: its allocation moves, or a deferred target waits
 * to be applied. Every run that sees one makes sure the tracker's rule is on (level-triggered), so a lost
 * EnableRule or a run that died after its update is repaired by whichever run comes next.
 */
export function needsTracker(snapshot: ReservationSnapshot): boolean {
  return (
    isInFlight(snapshot) ||
    hasDecisionDue(snapshot) ||
    failedChangeRetry(snapshot, snapshot.records.lastRequest) !== 'none' ||
    owesCompletion(snapshot) ||
    snapshot.records.owedFailure !== undefined
  );
}

/**
 * The allocation has settled at its recorded request, and no `Allocation Change Completed` for it went out
 * yet (its mark is written only once PutEvents took the event): the tracker still owes it.
 */
export function owesCompletion(snapshot: ReservationSnapshot): boolean {
  const request = requestOfAllocation(snapshot, snapshot.records.lastRequest);
  if (request === undefined || isInFlight(snapshot) || snapshot.allocation?.status === 'failed') return false;
  return snapshot.records.tracker.completedRequestAt?.getTime() !== request.at.getTime();
}

/**
 * The recorded request, if it is the one the allocation carries out. A run that died (or failed to write its
 * record) after EC2's update leaves the previous request's record behind: its trigger, reason and deadline
 * are not this change's, so the change is reported as of an unknown request instead.
 */
export function requestOfAllocation(
  snapshot: ReservationSnapshot,
  request: RequestRecord | undefined,
): RequestRecord | undefined {
  if (request === undefined) return undefined;
  return request.target === (snapshot.allocation?.target ?? 0) ? request : undefined;
}

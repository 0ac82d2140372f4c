import { TRACKER_RUN_BUDGET_SECONDS } from '../domain/ec2-request-limits.ts';
import type { DesiredTarget, RequestRecord, TrackerMemory } from '../domain/records.ts';
import { isInFlight, type ReservationSnapshot } from '../domain/reservation.ts';
import { failedChangeRetry, requestOfAllocation } from '../domain/tracking.ts';
import { DETAIL_TYPE, type ServiceEvent } from '../events/service-events.ts';
import { METRIC, type MetricName, type MetricUnit, type ReservationMetric } from '../metrics/metric-names.ts';

/**
 * The tracker's judgement of one reservation at one poll: a pure function of what EC2 shows (the snapshot
 * and its records), the clock and the settings. The use case does the I/O; everything that can be wrong about
 * progress, completion, stalls and deadlines is decided here and unit-tested without AWS.
 */

export interface TrackerSettings {
  /** Time between two describes within one run: a completion is seen at most this late. */
  pollIntervalSeconds: number;
  /** How long one run keeps polling; below the rule's one-minute period so runs do not overlap. */
  runBudgetSeconds: number;
  /** An in-flight allocation whose current count has not moved for this long is stalled. */
  stallAfterSeconds: number;
  /**
   * No borrower is shut down before its 2-minute warning ends: with nothing moved yet, a reclaim is at risk
   * only when less than this is left before its deadline.
   */
  interruptionNoticeSeconds: number;
}

export const DEFAULT_TRACKER_SETTINGS: TrackerSettings = {
  pollIntervalSeconds: 15,
  runBudgetSeconds: TRACKER_RUN_BUDGET_SECONDS,
  stallAfterSeconds: 300,
  interruptionNoticeSeconds: 120,
};

export interface AssessInput {
  snapshot: ReservationSnapshot;
  /** The last request recorded (written by reconcile, or by the tracker's own decisions). */
  request?: RequestRecord;
  /** A target decided while in flight: its presence means a decision is owed once `active`. */
  deferred?: DesiredTarget;
  memory: TrackerMemory;
  now: Date;
  settings: TrackerSettings;
  /** Whether to report the owned/lent/target gauges for a reservation that is not moving. */
  reportIdleGauges: boolean;
  /** EC2's own completion event time for this reservation, when that event woke the tracker. */
  completionReportedAt?: Date;
}

export interface Assessment {
  reservationId: string;
  inFlight: boolean;
  events: ServiceEvent[];
  metrics: ReservationMetric[];
  /** The tracker's memory to write (its fields that changed), as it stands once every event is sent. */
  memory: TrackerMemory;
  /**
   * The outbox: for each one-shot event (Completed, Stalled, Deadline At Risk), the fields of `memory` that
   * mark it sent. They are written only once PutEvents took the event; until then a later poll finds the
   * event still owed and sends it again, so a PutEvents outage delays a one-shot event but never loses it.
   */
  marks: Map<ServiceEvent, TrackerMemory>;
  /**
   * A desired target was recorded while the allocation was in flight, and the allocation is `active` again:
   * the reservation must be decided again now. The recorded number is never replayed: alarms, overrides and
   * the clock may have moved since, and only a fresh decision knows (the reconcile also clears the record).
   * Also a failed allocation whose retry is due.
   */
  redecide: boolean;
  /** A failed allocation waits for its retry: the tracker keeps running to make it. */
  retryPending: boolean;
}

export type StallCause = 'no-progress' | 'failed';

export function assessReservation(input: AssessInput): Assessment {
  const { snapshot, memory, now, settings } = input;
  const request = requestOfAllocation(snapshot, input.request);
  const reservationId = snapshot.reservationId;
  // A spoke's reservation: every event and metric of it names its owner account (absent for the hub's own).
  const account = snapshot.accountId === undefined ? {} : { accountId: snapshot.accountId };
  const allocation = snapshot.allocation;
  const current = allocation?.current ?? 0;
  const target = allocation?.target ?? 0;
  const inFlight = isInFlight(snapshot);
  const failed = allocation?.status === 'failed';
  const events: ServiceEvent[] = [];
  const metrics: ReservationMetric[] = [];
  const written: TrackerMemory = {};
  const marks = new Map<ServiceEvent, TrackerMemory>();
  const markSent = (event: ServiceEvent, mark: TrackerMemory) => {
    events.push(event);
    Object.assign(written, mark);
    marks.set(event, mark);
  };
  const metric = (name: MetricName, value: number, unit: MetricUnit = 'Count', series?: 'fleet') => {
    const datum: ReservationMetric = { name, reservationId, ...account, value, unit, timestamp: now };
    if (series !== undefined) datum.series = series;
    metrics.push(datum);
  };

  const requestOpen = request !== undefined && memory.completedRequestAt?.getTime() !== request.at.getTime();

  if (inFlight || input.reportIdleGauges) {
    metric(METRIC.owned, snapshot.owned);
    metric(METRIC.lent, current);
    metric(METRIC.target, target);
    metric(METRIC.inFlight, inFlight ? 1 : 0);
  }

  // When did the current count last move? The memory counts only if it belongs to the current request.
  const memoryValid =
    memory.lastProgressAt !== undefined &&
    memory.lastProgressCount !== undefined &&
    (request === undefined || memory.lastProgressAt.getTime() >= request.at.getTime());
  const baseline = memoryValid
    ? { at: memory.lastProgressAt!, count: memory.lastProgressCount! }
    : request !== undefined
      ? { at: request.at, count: request.from }
      : undefined;
  const moved = baseline === undefined || baseline.count !== current;
  const lastMovedAt = moved ? now : baseline.at;
  if ((inFlight || requestOpen) && (moved || !memoryValid)) {
    written.lastProgressAt = lastMovedAt;
    written.lastProgressCount = current;
  }

  // A stall, with no progress or failed, is reported once per episode: the memory says it was sent.
  const reportStall = (kind: 'no-progress' | 'failed') => {
    markSent(
      stalledEvent(reservationId, kind, current, target, lastMovedAt, now, {
        ...account,
        ...requestDetail(request),
      }),
      { stallReportedAt: now },
    );
    metric(METRIC.stalls, 1);
  };

  if (inFlight) {
    if (moved) {
      events.push({
        detailType: DETAIL_TYPE.changeProgress,
        detail: {
          reservationId,
          ...account,
          current,
          target,
          remaining: Math.abs(current - target),
          status: allocation?.status,
          ...requestDetail(request),
          observedAt: now.toISOString(),
        },
        time: now,
      });
    }
    const stalledForSeconds = secondsBetween(lastMovedAt, now);
    if (
      stalledForSeconds >= settings.stallAfterSeconds &&
      !isAtOrAfter(memory.stallReportedAt, lastMovedAt)
    ) {
      reportStall('no-progress');
    }
    const risk =
      request === undefined
        ? undefined
        : deadlineRisk(request, current, target, memory, now, settings, {
            lastMovedAt,
            ...(request.expectedSeconds === undefined ? {} : { learnedSeconds: request.expectedSeconds }),
          });
    if (risk !== undefined) {
      const riskEvent: ServiceEvent = {
        detailType: DETAIL_TYPE.deadlineAtRisk,
        detail: {
          reservationId,
          ...account,
          current,
          target,
          remaining: current - target,
          ...requestDetail(request),
          projectedCompletionAt: risk.projectedAt?.toISOString() ?? null,
          instancesPerMinute: risk.instancesPerMinute,
          observedAt: now.toISOString(),
        },
        time: now,
      };
      markSent(riskEvent, { deadlineRiskReportedAt: now });
      metric(METRIC.deadlineAtRisk, 1);
    }
  }

  if (failed) {
    const episodeStart = request !== undefined && request.at > lastMovedAt ? request.at : lastMovedAt;
    if (!isAtOrAfter(memory.stallReportedAt, episodeStart)) {
      reportStall('failed');
    }
  }

  if (!inFlight && !failed && request !== undefined && requestOpen) {
    const completedAt = completionTime(request, input.completionReportedAt ?? memory.completionSeenAt, now);
    const durationSeconds = secondsBetween(request.at, completedAt);
    const marginSeconds =
      request.deadline === undefined ? undefined : secondsBetween(completedAt, request.deadline);
    const completedEvent: ServiceEvent = {
      detailType: DETAIL_TYPE.changeCompleted,
      detail: {
        reservationId,
        ...account,
        current,
        target,
        ...requestDetail(request),
        completedAt: completedAt.toISOString(),
        durationSeconds,
        ...(marginSeconds === undefined ? {} : { marginSeconds }),
      },
      time: now,
    };
    markSent(completedEvent, { completedRequestAt: request.at });
    // Its memory, written with the look: should PutEvents refuse the event, it is sent again with this time.
    written.completionSeenAt = completedAt;
    // Only reclaims teach the lead: lending back has no deadline and no borrower to wait for. Put twice: the
    // reservation's series (its dashboards) and the fleet series, which the learned lead reads in one query.
    if (request.target < request.from) {
      metric(METRIC.reclaimDurationSeconds, durationSeconds, 'Seconds');
      metric(METRIC.reclaimDurationSeconds, durationSeconds, 'Seconds', 'fleet');
    }
    if (marginSeconds !== undefined) metric(METRIC.deadlineMarginSeconds, marginSeconds, 'Seconds');
  }

  // No allocation yet is ready too: a lend that a run's send budget left to the tracker creates one.
  const ready = (allocation === undefined || allocation.status === 'active') && !inFlight;
  const retry = failedChangeRetry(snapshot, input.request, now);
  return {
    reservationId,
    inFlight,
    events,
    metrics,
    memory: written,
    marks,
    redecide: (ready && input.deferred !== undefined) || retry === 'due',
    retryPending: retry !== 'none',
  };
}

interface DeadlineRisk {
  /** When the reclaim is projected to complete; absent when nothing moves, so no completion can be projected. */
  projectedAt?: Date;
  instancesPerMinute: number;
}

/** What the projection knows beyond the request and the count. */
export interface ProjectionEvidence {
  /** When the current count last moved (the request's time if it never did). */
  lastMovedAt?: Date;
  /** The learned reclaim duration in seconds (the request's `expectedSeconds`). */
  learnedSeconds?: number;
}

/**
 * Will the reclaim miss its deadline? Raised as soon as the projected completion passes it, and only before
 * it (afterwards it is a miss, which the completion's negative margin reports), once per request.
 *
 * The projection is the latest of what is known to bound the completion:
 * - no borrower leaves before its interruption warning has run out;
 * - reclaims here take the learned duration (the p95 the lead is built on);
 * - at the rate instances came back since the warnings ran out (when borrowers may first leave), the rest
 *   take this long;
 * - and none at all when nothing moved for a whole warning's length after the warnings ran out: those
 *   borrowers are stuck (or the change failed), and no rate says when they will go.
 * The last one is what the rate alone misses: unused slots come back at once and most borrowers go on time,
 * so a rate averaged since the request stays high while the last instances never go.
 */
export function deadlineRisk(
  request: RequestRecord,
  current: number,
  target: number,
  memory: TrackerMemory,
  now: Date,
  settings: TrackerSettings,
  evidence: ProjectionEvidence = {},
): DeadlineRisk | undefined {
  const deadline = request.deadline;
  if (deadline === undefined || request.target >= request.from) return undefined;
  if (now.getTime() >= deadline.getTime()) return undefined;
  if (isAtOrAfter(memory.deadlineRiskReportedAt, request.at)) return undefined;
  const remaining = current - target;
  if (remaining <= 0) return undefined;
  const moved = request.from - current;
  const warningsEndAt = request.at.getTime() + settings.interruptionNoticeSeconds * 1000;
  // The rate runs from the warnings' end: before it no borrower may leave, so a rate averaged over the
  // warning itself counts two minutes in which nothing could move, and projects a prompt reclaim far too late.
  const leaving = (now.getTime() - warningsEndAt) / 1000;
  const perSecond = moved > 0 && leaving > 0 ? moved / leaving : 0;
  const instancesPerMinute = round(perSecond * 60);

  const lastMovedAt = evidence.lastMovedAt?.getTime() ?? (moved > 0 ? undefined : request.at.getTime());
  if (lastMovedAt !== undefined) {
    const idleSeconds = (now.getTime() - Math.max(lastMovedAt, warningsEndAt)) / 1000;
    if (idleSeconds >= settings.interruptionNoticeSeconds) return { instancesPerMinute };
  }
  const bounds = [warningsEndAt];
  if (evidence.learnedSeconds !== undefined)
    bounds.push(request.at.getTime() + evidence.learnedSeconds * 1000);
  if (perSecond > 0) bounds.push(now.getTime() + (remaining / perSecond) * 1000);
  const projectedAt = new Date(Math.max(...bounds));
  if (projectedAt.getTime() <= deadline.getTime()) return undefined;
  return { projectedAt, instancesPerMinute };
}

function completionTime(request: RequestRecord, reportedAt: Date | undefined, now: Date): Date {
  // EC2's completion event is more precise than our poll, as long as it is about this request.
  if (reportedAt !== undefined && reportedAt >= request.at && reportedAt <= now) return reportedAt;
  return now;
}

function stalledEvent(
  reservationId: string,
  cause: StallCause,
  current: number,
  target: number,
  lastMovedAt: Date,
  now: Date,
  requestFacts: object,
): ServiceEvent {
  return {
    detailType: DETAIL_TYPE.changeStalled,
    detail: {
      reservationId,
      cause,
      current,
      target,
      remaining: Math.abs(current - target),
      ...requestFacts,
      lastProgressAt: lastMovedAt.toISOString(),
      stalledForSeconds: secondsBetween(lastMovedAt, now),
      observedAt: now.toISOString(),
    },
    time: now,
  };
}

/**
 * The request's facts every event about it carries; built only for an event, since most polls over a large
 * fleet report nothing for most reservations.
 */
function requestDetail(request: RequestRecord | undefined) {
  // No record of this change (its run died or could not write it): say so rather than leave facts out silently.
  if (request === undefined) return { request: 'unknown' as const };
  return {
    from: request.from,
    to: request.target,
    trigger: request.trigger,
    reason: request.reason,
    requestedAt: request.at.toISOString(),
    ...(request.deadline === undefined ? {} : { deadline: request.deadline.toISOString() }),
  };
}

function isAtOrAfter(time: Date | undefined, reference: Date): boolean {
  return time !== undefined && time.getTime() >= reference.getTime();
}

function secondsBetween(from: Date, to: Date): number {
  return round((to.getTime() - from.getTime()) / 1000);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

import type { Clock } from '../clock.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { TAG } from '../domain/reservation.ts';
import { AllocationBusyError, errorCode, errorMessage } from '../errors/index.ts';
import { type AllocationChangeDetail, DETAIL_TYPE, type ServiceEvent } from '../events/service-events.ts';
import type { CapacityGateway } from '../gateways/ec2-capacity.ts';
import type { EventGateway } from '../gateways/eventbridge.ts';
import type { MetricsGateway } from '../gateways/metrics.ts';
import { deleteTags, writeTags } from '../gateways/write-tags.ts';
import { createSilentLogger, type Logger } from '../logging/logger.ts';
import {
  DESIRED_TAG_KEYS,
  lastReclaimTags,
  readDesiredTarget,
  readRequestRecord,
  requestRecordTags,
} from '../records/tags.ts';
import {
  type Assessment,
  assessReservation,
  DEFAULT_TRACKER_SETTINGS,
  type DeferredTarget,
  isInFlight,
  readTrackerMemory,
  type TrackerSettings,
} from './assess.ts';
import type { ReservationMetric } from './metric-names.ts';

/**
 * The track-reclamation use case: poll the managed reservations until nothing is in flight or the run's
 * budget is spent, report what moved, completed, stalled or is at risk, apply deferred targets, and switch
 * the tracker's rule off when idle without losing a change requested meanwhile.
 */

export interface TrackerGateways {
  capacity: Pick<
    CapacityGateway,
    'describeManaged' | 'updateAllocation' | 'tag' | 'untag' | 'tagMany' | 'untagMany'
  >;
  events: Pick<EventGateway, 'publish' | 'enableTracker' | 'disableTracker'>;
  metrics: Pick<MetricsGateway, 'put'>;
}

/** What woke the tracker: its own rule, or EC2's reclamation-completed event (both are only wake-ups). */
export type TrackerTrigger =
  | { kind: 'schedule'; id: string; time: Date }
  | { kind: 'ec2-completion'; id: string; time: Date; reservationId?: string };

export interface TrackInput {
  trigger: TrackerTrigger;
  clock: Clock;
  gateways: TrackerGateways;
  settings?: TrackerSettings;
  logger?: Logger;
}

export interface AppliedTarget {
  reservationId: string;
  from: number;
  to: number;
}

export interface TrackResult {
  /** Describes made, the race re-check included. */
  describes: number;
  polls: number;
  /** Reservations still in flight when the run ended. */
  inFlight: string[];
  completed: string[];
  stalled: string[];
  atRisk: string[];
  applied: AppliedTarget[];
  /** Deferred targets EC2 refused or that failed; they stay recorded for the next run. */
  failed: { reservationId: string; errorCode: string }[];
  /** The rule's state as this run left it. */
  rule: 'enabled' | 'disabled';
}

/** Runs one tracker invocation. */
export async function trackReclamation(input: TrackInput): Promise<TrackResult> {
  const { clock, gateways, trigger } = input;
  const settings = input.settings ?? DEFAULT_TRACKER_SETTINGS;
  const log = (input.logger ?? createSilentLogger()).createChild({
    persistentKeys: { correlation_id: trigger.id },
  });
  const result: TrackResult = {
    describes: 0,
    polls: 0,
    inFlight: [],
    completed: [],
    stalled: [],
    atRisk: [],
    applied: [],
    failed: [],
    rule: 'enabled',
  };
  const startedAt = clock.now().getTime();
  const completionReports = new Map<string, Date>();
  if (trigger.kind === 'ec2-completion' && trigger.reservationId !== undefined) {
    completionReports.set(trigger.reservationId, trigger.time);
  }

  for (;;) {
    const snapshots = await gateways.capacity.describeManaged({ borrowers: false });
    result.describes++;
    const inFlight = await poll(snapshots, {
      now: clock.now(),
      firstPoll: result.polls === 0,
      completionReports,
      gateways,
      settings,
      trigger,
      log,
      result,
    });
    result.polls++;
    result.inFlight = inFlight;
    if (inFlight.length === 0) break;
    const elapsedSeconds = (clock.now().getTime() - startedAt) / 1000;
    if (elapsedSeconds + settings.pollIntervalSeconds > settings.runBudgetSeconds) break;
    await clock.sleep(settings.pollIntervalSeconds * 1000);
  }

  if (result.inFlight.length > 0) {
    // Woken by EC2's event rather than the rule, or racing a run that disabled it: make sure the next minute runs.
    await gateways.events.enableTracker();
    log.info('tracker stays enabled', { inFlight: result.inFlight.length });
    return result;
  }
  // A change requested after the describe above enables the rule before or after this disable: the second
  // describe sees it in flight in either case and turns the rule back on, so nothing is left untracked.
  await gateways.events.disableTracker();
  const again = await gateways.capacity.describeManaged({ borrowers: false });
  result.describes++;
  const lateInFlight = again.filter((snapshot) => isInFlight(snapshot) || hasApplicableDeferred(snapshot));
  if (lateInFlight.length > 0) {
    await gateways.events.enableTracker();
    result.inFlight = lateInFlight.map((snapshot) => snapshot.reservationId);
    log.info('tracker re-enabled: a change arrived while disabling', { inFlight: result.inFlight });
    return result;
  }
  result.rule = 'disabled';
  log.info('tracker disabled: nothing in flight', { polls: result.polls });
  return result;
}

interface PollContext {
  now: Date;
  firstPoll: boolean;
  completionReports: ReadonlyMap<string, Date>;
  gateways: TrackerGateways;
  settings: TrackerSettings;
  trigger: TrackerTrigger;
  log: Logger;
  result: TrackResult;
}

/** One look at every managed reservation; returns the ids still in flight afterwards. */
async function poll(snapshots: readonly ReservationSnapshot[], context: PollContext): Promise<string[]> {
  const { now, gateways, log, result } = context;
  const events: ServiceEvent[] = [];
  const metrics: ReservationMetric[] = [];
  const inFlight: string[] = [];
  const pending: {
    snapshot: ReservationSnapshot;
    assessment: Assessment;
    tags: Record<string, string>;
    untag: string[];
  }[] = [];

  for (const snapshot of snapshots) {
    const request = readRequestRecord(snapshot.tags);
    const deferred = readDesiredTarget(snapshot.tags);
    const completionReportedAt = context.completionReports.get(snapshot.reservationId);
    const assessment = assessReservation({
      snapshot,
      ...(request === undefined ? {} : { request }),
      ...(deferred === undefined ? {} : { deferred }),
      memory: readTrackerMemory(snapshot.tags),
      now,
      settings: context.settings,
      reportIdleGauges: context.firstPoll,
      ...(completionReportedAt === undefined ? {} : { completionReportedAt }),
    });
    events.push(...assessment.events);
    metrics.push(...assessment.metrics);
    noteOutcome(assessment, result, log);
    if (assessment.inFlight) inFlight.push(snapshot.reservationId);

    try {
      const tags = { ...assessment.tags };
      const untag: string[] = [];
      if (assessment.apply !== undefined) {
        const applied = await applyDeferred(snapshot, assessment.apply, context);
        Object.assign(tags, applied.tags);
        untag.push(...DESIRED_TAG_KEYS);
        events.push(applied.event);
        if (applied.inFlight) inFlight.push(snapshot.reservationId);
      } else if (assessment.dropDeferred) {
        untag.push(...DESIRED_TAG_KEYS);
      }
      pending.push({ snapshot, assessment, tags, untag });
    } catch (error: unknown) {
      noteFailure(snapshot, assessment, error, inFlight, events, context);
    }
  }

  // The tracker's memory and records, batched: reservations moving together carry the same tags, so a poll
  // over thousands in flight costs a few CreateTags calls instead of one per reservation (issue 7).
  const byId = new Map(pending.map((entry) => [entry.snapshot.reservationId, entry]));
  const tagFailures = await writeTags(
    gateways.capacity,
    pending.map((entry) => ({ reservationId: entry.snapshot.reservationId, tags: entry.tags })),
  );
  const tagFailed = new Set(tagFailures.map((failure) => failure.reservationId));
  const untagFailures = await deleteTags(
    gateways.capacity,
    pending
      .filter((entry) => !tagFailed.has(entry.snapshot.reservationId))
      .map((entry) => ({ reservationId: entry.snapshot.reservationId, keys: entry.untag })),
  );
  for (const { reservationId, error } of [...tagFailures, ...untagFailures]) {
    const entry = byId.get(reservationId);
    if (entry) noteFailure(entry.snapshot, entry.assessment, error, inFlight, events, context);
  }

  await publishAndPut(events, metrics, context);
  return [...new Set(inFlight)];
}

function noteFailure(
  snapshot: ReservationSnapshot,
  assessment: Assessment,
  error: unknown,
  inFlight: string[],
  events: ServiceEvent[],
  context: PollContext,
): void {
  const code = errorCode(error);
  context.result.failed.push({ reservationId: snapshot.reservationId, errorCode: code });
  // Busy means EC2 is still moving it after all: keep tracking; the deferred target stays recorded.
  if (error instanceof AllocationBusyError) inFlight.push(snapshot.reservationId);
  else events.push(failedEvent(snapshot, assessment.apply, context, error));
  context.log.warn('tracker could not record or apply', {
    reservationId: snapshot.reservationId,
    errorCode: code,
    error: errorMessage(error),
  });
}

async function applyDeferred(
  snapshot: ReservationSnapshot,
  deferred: DeferredTarget,
  context: PollContext,
): Promise<{ tags: Record<string, string>; event: ServiceEvent; inFlight: boolean }> {
  const { now, gateways, log, trigger, result } = context;
  const from = snapshot.allocation?.target ?? 0;
  const reason =
    deferred.reason === undefined || deferred.reason === '' ? 'deferred target' : deferred.reason;
  const change = await gateways.capacity.updateAllocation({
    reservationId: snapshot.reservationId,
    target: deferred.target,
    // As reconcile does: reclaiming to 0 keeps the allocation for the next lend.
    zeroSizePreference: 'retain',
  });
  result.applied.push({ reservationId: snapshot.reservationId, from, to: deferred.target });
  log.info('deferred target applied', {
    reservationId: snapshot.reservationId,
    from,
    to: deferred.target,
    reason,
  });
  const tags = {
    ...requestRecordTags({ target: deferred.target, from, at: now, trigger: 'tracker', reason }),
    ...(deferred.target < from ? lastReclaimTags(now) : {}),
  };
  const detail: AllocationChangeDetail = {
    reservationId: snapshot.reservationId,
    from,
    to: deferred.target,
    trigger: 'tracker',
    triggerId: trigger.id,
    reason,
    requestedAt: now.toISOString(),
  };
  log.debug('deferred change answered', { reservationId: snapshot.reservationId, status: change.status });
  // Even a change EC2 settles at once is polled again, so its completion is reported like any other.
  return { tags, event: { detailType: DETAIL_TYPE.changeRequested, detail, time: now }, inFlight: true };
}

function failedEvent(
  snapshot: ReservationSnapshot,
  deferred: DeferredTarget | undefined,
  context: PollContext,
  error: unknown,
): ServiceEvent {
  const detail: AllocationChangeDetail = {
    reservationId: snapshot.reservationId,
    from: snapshot.allocation?.target ?? 0,
    to: deferred?.target ?? snapshot.allocation?.target ?? 0,
    trigger: 'tracker',
    triggerId: context.trigger.id,
    reason: deferred?.reason ?? 'tracker records',
    requestedAt: context.now.toISOString(),
    errorCode: errorCode(error),
    errorMessage: errorMessage(error),
  };
  return { detailType: DETAIL_TYPE.changeFailed, detail, time: context.now };
}

/** Reports go out even when some fail: a lost metric must not hide an event, nor the reverse. */
async function publishAndPut(
  events: readonly ServiceEvent[],
  metrics: readonly ReservationMetric[],
  context: PollContext,
): Promise<void> {
  const { gateways, log } = context;
  const [published, put] = await Promise.allSettled([
    events.length === 0 ? Promise.resolve(undefined) : gateways.events.publish(events),
    metrics.length === 0 ? Promise.resolve() : gateways.metrics.put(metrics),
  ]);
  if (published.status === 'rejected') {
    log.error('tracker events not published', { error: errorMessage(published.reason) });
  } else if (published.value !== undefined && published.value.failed.length > 0) {
    log.error('tracker events partly rejected', { failures: published.value.failed });
  }
  if (put.status === 'rejected') log.error('tracker metrics not put', { error: errorMessage(put.reason) });
}

function noteOutcome(assessment: Assessment, result: TrackResult, log: Logger): void {
  for (const event of assessment.events) {
    const reservationId = assessment.reservationId;
    if (event.detailType === DETAIL_TYPE.changeCompleted) result.completed.push(reservationId);
    if (event.detailType === DETAIL_TYPE.changeStalled) result.stalled.push(reservationId);
    if (event.detailType === DETAIL_TYPE.deadlineAtRisk) result.atRisk.push(reservationId);
    if (event.detailType !== DETAIL_TYPE.changeProgress)
      log.info(event.detailType.toLowerCase(), { detail: event.detail });
  }
}

/** A deferred target waiting on an allocation that is active again: the tracker still has work. */
function hasApplicableDeferred(snapshot: ReservationSnapshot): boolean {
  const deferred = readDesiredTarget(snapshot.tags);
  return (
    deferred !== undefined &&
    snapshot.allocation?.status === 'active' &&
    deferred.target !== snapshot.allocation.target
  );
}

/** Tag keys the tracker writes, for tools that want to show or clear its memory. */
export const TRACKER_TAG_KEYS = [
  TAG.lastProgressAt,
  TAG.lastProgressCount,
  TAG.completedRequestAt,
  TAG.stallReportedAt,
  TAG.deadlineRiskReportedAt,
] as const;

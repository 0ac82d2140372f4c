import type { Clock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { OwedFailure, TrackerMemory } from '../domain/records.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { needsTracker } from '../domain/tracking.ts';
import { AllocationBusyError, errorCode, errorMessage } from '../errors/index.ts';
import { type AllocationChangeDetail, DETAIL_TYPE, type ServiceEvent } from '../events/service-events.ts';
import { runFailureMetrics } from '../gateways/aws-call.ts';
import { DESCRIBE_PAGE_SIZE, IDS_PER_DESCRIBE, type TagRequest } from '../gateways/ec2-capacity.ts';
import type { Gateways } from '../gateways/index.ts';
import type { MetricsGateway } from '../gateways/metrics.ts';
import { deleteTags, writeTags } from '../gateways/write-tags.ts';
import { createSilentLogger, type Logger } from '../logging/logger.ts';
import {
  countFailure,
  FAILURE_METRIC,
  type FailureCounts,
  inFlightGauge,
  type ServiceMetric,
} from '../metrics/metric-names.ts';
import type { reconcile } from '../reconcile/reconcile.ts';
import { reconcileAsSoleWriter } from '../reconcile/sole-writer.ts';
import { malformedRecordsLog } from '../records/read-records.ts';
import { desiredTargetCodec, owedFailureCodec, trackerMemoryCodec } from '../records/tags.ts';
import {
  type Assessment,
  assessReservation,
  DEFAULT_TRACKER_SETTINGS,
  type TrackerSettings,
} from './assess.ts';

/**
 * The track-reclamation use case: poll the managed reservations until nothing is in flight or the run's
 * budget is spent, report what moved, completed, stalled or is at risk, decide again where a target was
 * deferred, and switch the tracker's rule off when idle without losing a change requested meanwhile.
 */

/**
 * The service's gateways: besides polling EC2, the tracker runs the reconcile for a reservation whose
 * deferred change is due, which reads alarms (and the measured durations) like any other trigger.
 */
export interface TrackerGateways extends Gateways {
  metrics: MetricsGateway;
}

/** What woke the tracker: its own rule, or EC2's reclamation-completed event (both are only wake-ups). */
export type TrackerTrigger =
  | { kind: 'schedule'; id: string; time: Date }
  | { kind: 'ec2-completion'; id: string; time: Date; reservationId?: string };

export interface TrackInput {
  trigger: TrackerTrigger;
  clock: Clock;
  gateways: TrackerGateways;
  /** The policy config: a deferred change is decided again with it, never replayed from its record. */
  config: PolicyConfig;
  settings?: TrackerSettings;
  logger?: Logger;
  /** When the invocation must stop sending (sendDeadline); the run's own budget bounds it too. */
  sendUntil?: Date;
}

export interface AppliedTarget {
  reservationId: string;
  from: number;
  to: number;
}

export interface TrackResult {
  polls: number;
  /** Reservations still in flight when the run ended. */
  inFlight: string[];
  completed: string[];
  stalled: string[];
  atRisk: string[];
  /** Changes the tracker's own decisions requested, where a deferred target was due. */
  applied: AppliedTarget[];
  /** Decisions EC2 refused or that failed; the desired target stays recorded for the next run. */
  failed: { reservationId: string; errorCode: string }[];
  /** The rule's state as this run left it. */
  rule: 'enabled' | 'disabled';
}

/**
 * A poll's cost, for whoever runs the tracker (logged as `poll`, which the bench reads). Wall time from
 * `performance.now()`, never the injected clock: the business clock may be simulated (a sleep of 15 s takes
 * no time), and these figures are about the machine's work, not about when EC2 did what.
 */
export interface PollTiming {
  /**
   * The look: describe, assess every reservation, write the tracker's tags. A poll owing decisions (deferred
   * targets due) also waits for its report and decides again within its look.
   */
  lookMs: number;
  /** From the report's start until its events and metrics were out (or their failure logged). */
  reportMs: number;
  /** Reservations described. */
  reservations: number;
  /** Events and metric values the report carried (sent, or refused and logged). */
  events: number;
  metrics: number;
}

/** Runs one tracker invocation. */
export async function trackReclamation(input: TrackInput): Promise<TrackResult> {
  const { clock, gateways, trigger } = input;
  const settings = input.settings ?? DEFAULT_TRACKER_SETTINGS;
  const log = (input.logger ?? createSilentLogger()).createChild({
    persistentKeys: { correlation_id: trigger.id },
  });
  const result: TrackResult = {
    polls: 0,
    inFlight: [],
    completed: [],
    stalled: [],
    atRisk: [],
    applied: [],
    failed: [],
    rule: 'enabled',
  };
  const failures: FailureCounts = {};
  try {
    return await pollUntilIdle(input, settings, log, result, failures);
  } finally {
    // Whatever ended the run, what went wrong in it pages: refused records, events, deferred decisions, IAM.
    const metrics = runFailureMetrics(failures, clock.now());
    if (metrics.length > 0) {
      await gateways.metrics.put(metrics).catch((error: unknown) => {
        log.error('tracker failure metrics not put', { error: errorMessage(error), failures });
      });
    }
  }
}

async function pollUntilIdle(
  input: TrackInput,
  settings: TrackerSettings,
  log: Logger,
  result: TrackResult,
  failures: FailureCounts,
): Promise<TrackResult> {
  const { clock, gateways, trigger, config } = input;
  const startedAt = clock.now().getTime();
  // Deferred changes are sent within the run's budget, so the run ends before its rule fires again; what is
  // left stays recorded, due, for the next run.
  const ownBudgetEnd = startedAt + settings.runBudgetSeconds * 1000;
  const sendUntil = new Date(Math.min(ownBudgetEnd, input.sendUntil?.getTime() ?? ownBudgetEnd));
  const completionReports = new Map<string, Date>();
  if (trigger.kind === 'ec2-completion' && trigger.reservationId !== undefined) {
    completionReports.set(trigger.reservationId, trigger.time);
  }

  let sweptReservations = 0;
  // The last poll's report, still going out: the next look, and the end of the run, wait for it.
  let reportOut: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const lookStartedAt = performance.now();
      // After the first sweep, a poll reads only what is still in flight, by id, when that takes fewer calls
      // than sweeping every managed reservation again. A change requested meanwhile on another reservation is
      // seen by the idle re-check below or by the next run (reconcile enables the rule).
      const byId = result.polls > 0 && fewerCallsById(result.inFlight.length, sweptReservations);
      const snapshots = await gateways.capacity.describeManaged(
        byId ? { borrowers: false, reservationIds: result.inFlight } : { borrowers: false },
      );
      if (!byId) sweptReservations = snapshots.length;
      const malformed = result.polls === 0 ? malformedRecordsLog(snapshots) : undefined;
      if (malformed !== undefined) log.warn('malformed records ignored: treated as absent', malformed);
      const { inFlight, timing, report } = await poll(snapshots, lookStartedAt, {
        now: clock.now(),
        clock,
        sendUntil,
        firstPoll: result.polls === 0,
        completionReports,
        gateways,
        config,
        settings,
        trigger,
        log,
        result,
        failures,
      });
      result.polls++;
      result.inFlight = inFlight;
      const pollNumber = result.polls;
      reportOut = report.then(() =>
        log.info('poll', { poll: pollNumber, ...timing, inFlight: inFlight.length }),
      );
      if (inFlight.length === 0) break;
      const elapsedSeconds = (clock.now().getTime() - startedAt) / 1000;
      if (elapsedSeconds + settings.pollIntervalSeconds > settings.runBudgetSeconds) break;
      // The report goes out while the tracker waits for its next look, instead of delaying this one. The next
      // look waits for both, so reports never pile up nor overtake each other: with a simulated clock it starts
      // once the report is out, as it would in AWS, where the interval is far longer than a report.
      await Promise.all([clock.sleep(settings.pollIntervalSeconds * 1000), reportOut]);
      // A report slower than the interval (throttled puts) pushed this look late: past the budget, the run ends
      // here and the next one goes on (the rule stays enabled below), so a run never outlives its function.
      if ((clock.now().getTime() - startedAt) / 1000 > settings.runBudgetSeconds) break;
    }
  } finally {
    // Everything this run saw is reported before it touches the rule, returns or fails.
    await reportOut;
  }

  // An account or region that could not be read may hold changes in flight: the rule stays on until it answers.
  const unread = gateways.capacity.unreachable?.().length ?? 0;
  if (result.inFlight.length > 0 || unread > 0) {
    // Woken by EC2's event rather than the rule, or racing a run that disabled it: make sure the next minute runs.
    await gateways.events.enableTracker();
    log.info('tracker stays enabled', { inFlight: result.inFlight.length, unread });
    return result;
  }
  // A change requested after the describe above enables the rule before or after this disable: the second
  // describe sees it in flight in either case and turns the rule back on, so nothing is left untracked.
  await gateways.events.disableTracker();
  const again = await gateways.capacity.describeManaged({ borrowers: false });
  const lateInFlight = again.filter(needsTracker);
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

/** Wall milliseconds since `start` (a `performance.now()` reading), to a tenth: diagnostics, not business time. */
function millisecondsSince(start: number): number {
  return roundMs(performance.now() - start);
}

function roundMs(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}

/** Whether describing `inFlight` reservations by id takes fewer calls than a sweep of `swept` managed ones. */
function fewerCallsById(inFlight: number, swept: number): boolean {
  return Math.ceil(inFlight / IDS_PER_DESCRIBE) < Math.ceil(swept / DESCRIBE_PAGE_SIZE);
}

interface PollContext {
  now: Date;
  /** A deferred change is decided at the time the writer's lease is held, read from this clock. */
  clock: Clock;
  /** Deferred changes are sent until then. */
  sendUntil: Date;
  firstPoll: boolean;
  completionReports: ReadonlyMap<string, Date>;
  gateways: TrackerGateways;
  config: PolicyConfig;
  settings: TrackerSettings;
  trigger: TrackerTrigger;
  log: Logger;
  result: TrackResult;
  /** What went wrong in this run, put as fleet counts when it ends. */
  failures: FailureCounts;
}

interface Poll {
  /** The ids still in flight after the look. */
  inFlight: string[];
  timing: PollTiming;
  /** The poll's report going out; never rejects (a failure is logged), and fills in `timing.reportMs`. */
  report: Promise<void>;
}

/**
 * One look at every managed reservation (assess, write the tracker's tags), then its report started: the
 * caller decides when to wait for it. `lookStartedAt` is the wall time the look began, its describe included.
 */
async function poll(
  snapshots: readonly ReservationSnapshot[],
  lookStartedAt: number,
  context: PollContext,
): Promise<Poll> {
  const { now, gateways, log, result } = context;
  const events: ServiceEvent[] = [];
  const metrics: ServiceMetric[] = [];
  const inFlight: string[] = [];
  const tagRequests: TagRequest[] = [];
  const marks: Outbox = new Map();
  const due: string[] = [];

  for (const snapshot of snapshots) {
    const { lastRequest: request, desiredTarget: deferred, tracker: memory } = snapshot.records;
    const completionReportedAt = context.completionReports.get(snapshot.reservationId);
    const assessment = assessReservation({
      snapshot,
      ...(request === undefined ? {} : { request }),
      ...(deferred === undefined ? {} : { deferred }),
      memory,
      now,
      settings: context.settings,
      reportIdleGauges: context.firstPoll,
      ...(completionReportedAt === undefined ? {} : { completionReportedAt }),
    });
    for (const event of assessment.events) events.push(event);
    for (const metric of assessment.metrics) metrics.push(metric);
    const owedFailure = snapshot.records.owedFailure;
    if (owedFailure !== undefined) {
      const event = resentFailedEvent(snapshot.reservationId, owedFailure, context);
      events.push(event);
      marks.set(event, { reservationId: snapshot.reservationId, tags: owedFailureCodec.sent });
    }
    noteOutcome(assessment, result, log);
    if (assessment.inFlight || assessment.retryPending) inFlight.push(snapshot.reservationId);
    if (assessment.redecide) due.push(snapshot.reservationId);
    tagRequests.push({ reservationId: snapshot.reservationId, tags: withoutMarks(assessment) });
    for (const [event, mark] of assessment.marks)
      marks.set(event, { reservationId: snapshot.reservationId, tags: trackerMemoryCodec.tags(mark) });
  }

  // The tracker's memory and records, batched: reservations moving together carry the same tags, so a poll
  // over thousands in flight costs a few CreateTags calls instead of one per reservation.
  const tagFailures = await writeTags(gateways.capacity, tagRequests);
  if (tagFailures.length > 0) {
    const byId = new Map(snapshots.map((snapshot) => [snapshot.reservationId, snapshot]));
    for (const { reservationId, error } of tagFailures) {
      const snapshot = byId.get(reservationId);
      if (snapshot) noteFailure(snapshot, error, inFlight, events, context);
    }
  }

  // Every poll, 0 included: only a poll lowers the tracker-not-running alarm that a reconcile raised.
  metrics.push(inFlightGauge(new Set(inFlight).size, now));
  const timing: PollTiming = {
    lookMs: millisecondsSince(lookStartedAt),
    reportMs: 0,
    reservations: snapshots.length,
    events: events.length,
    metrics: metrics.length,
  };
  const reportStartedAt = performance.now();
  const report = publishAndPut(events, metrics, marks, context).then(() => {
    timing.reportMs = millisecondsSince(reportStartedAt);
  });
  if (due.length > 0) {
    // Deciding again publishes "requested" and reads the measured reclaim durations back for the learned lead:
    // this poll's completions and durations must be out first, so that the bus and the log read "completed",
    // then "requested", and the decision learns from them, as before reports overlapped the wait. Such a poll
    // waits for its report within its look; it is rare (a deferred decision falls due once per change).
    await report;
    const decideStartedAt = performance.now();
    inFlight.push(...(await decideAgain(due, context)));
    timing.lookMs = roundMs(timing.lookMs + millisecondsSince(decideStartedAt));
  }
  return { inFlight: [...new Set(inFlight)], timing, report };
}

/**
 * Reservations whose deferred change is due (a desired target recorded while in flight, the allocation active
 * again): the same reconcile every trigger runs, for these reservations only, with trigger kind `tracker`. It
 * observes alarms, overrides and the clock as they are now and applies the policy (its guards, its
 * zero-size preference); it clears the desired target or, if the allocation is busy again, records the new
 * one. Returns the reservations now in flight.
 */
async function decideAgain(reservationIds: readonly string[], context: PollContext): Promise<string[]> {
  const { gateways, config, clock, trigger, log, result, sendUntil } = context;
  let outcomes: Awaited<ReturnType<typeof reconcile>>['outcomes'];
  try {
    // As the sole writer, like every trigger: the reconcile observes again once it holds the lease.
    ({ outcomes } = await reconcileAsSoleWriter({
      trigger: { kind: 'tracker', id: trigger.id },
      clock,
      gateways,
      config,
      logger: log,
      reservationIds,
      sendUntil,
    }));
  } catch (error: unknown) {
    // Nothing was decided: the desired targets stay recorded, and the idle re-check keeps the rule on.
    countFailure(context.failures, FAILURE_METRIC.deferredNotApplied, reservationIds.length);
    log.error('deferred changes not decided', { reservationIds, error: errorMessage(error) });
    for (const reservationId of reservationIds)
      result.failed.push({ reservationId, errorCode: errorCode(error) });
    return [];
  }
  const inFlight: string[] = [];
  for (const outcome of outcomes) {
    const { reservationId, from, to } = outcome;
    if (outcome.outcome === 'updated') {
      // Even a change EC2 settles at once is polled again, so its completion is reported like any other.
      result.applied.push({ reservationId, from, to });
      inFlight.push(reservationId);
    } else if (outcome.outcome === 'deferred') {
      inFlight.push(reservationId);
    } else if (outcome.outcome === 'failed') {
      countFailure(context.failures, FAILURE_METRIC.deferredNotApplied);
      result.failed.push({ reservationId, errorCode: outcome.error?.code ?? 'Unknown' });
    }
  }
  // No configured reservation matches it any more: no decision will ever claim the record, so it goes.
  const decided = new Set(outcomes.map((outcome) => outcome.reservationId));
  const orphaned = reservationIds.filter((reservationId) => !decided.has(reservationId));
  if (orphaned.length > 0) {
    log.warn('desired target dropped: no configured reservation decides it', { reservationIds: orphaned });
    const failures = await deleteTags(
      gateways.capacity,
      orphaned.map((reservationId) => ({ reservationId, keys: desiredTargetCodec.keys })),
    );
    for (const { reservationId, error } of failures)
      result.failed.push({ reservationId, errorCode: errorCode(error) });
  }
  return inFlight;
}

function noteFailure(
  snapshot: ReservationSnapshot,
  error: unknown,
  inFlight: string[],
  events: ServiceEvent[],
  context: PollContext,
): void {
  const code = errorCode(error);
  context.result.failed.push({ reservationId: snapshot.reservationId, errorCode: code });
  // Busy means EC2 is still moving it after all: keep tracking.
  if (error instanceof AllocationBusyError) inFlight.push(snapshot.reservationId);
  else {
    events.push(failedEvent(snapshot, context, error));
    countFailure(context.failures, FAILURE_METRIC.recordsNotWritten);
  }
  context.log.warn('tracker could not record', {
    reservationId: snapshot.reservationId,
    errorCode: code,
    error: errorMessage(error),
  });
}

/** An `Allocation Change Failed` that the run which failed could not publish, from its outbox. */
function resentFailedEvent(reservationId: string, owed: OwedFailure, context: PollContext): ServiceEvent {
  const detail: AllocationChangeDetail = {
    reservationId,
    from: owed.from,
    to: owed.to,
    trigger: owed.trigger as AllocationChangeDetail['trigger'],
    triggerId: context.trigger.id,
    reason: 'sent again from the outbox: the failing run could not publish it',
    requestedAt: owed.requestedAt.toISOString(),
    errorCode: owed.errorCode,
  };
  return { detailType: DETAIL_TYPE.changeFailed, detail, time: owed.requestedAt, resources: [reservationId] };
}

function failedEvent(snapshot: ReservationSnapshot, context: PollContext, error: unknown): ServiceEvent {
  const detail: AllocationChangeDetail = {
    reservationId: snapshot.reservationId,
    ...(snapshot.accountId === undefined ? {} : { accountId: snapshot.accountId }),
    from: snapshot.allocation?.target ?? 0,
    to: snapshot.allocation?.target ?? 0,
    trigger: 'tracker',
    triggerId: context.trigger.id,
    reason: 'tracker records',
    requestedAt: context.now.toISOString(),
    errorCode: errorCode(error),
    errorMessage: errorMessage(error),
  };
  return { detailType: DETAIL_TYPE.changeFailed, detail, time: context.now };
}

/** Reports go out even when some fail: a lost metric must not hide an event, nor the reverse. */
async function publishAndPut(
  events: readonly ServiceEvent[],
  metrics: readonly ServiceMetric[],
  outbox: Outbox,
  context: PollContext,
): Promise<void> {
  const { gateways, log, failures } = context;
  const [published, put] = await Promise.allSettled([
    events.length === 0 ? Promise.resolve(undefined) : gateways.events.publish(events),
    metrics.length === 0 ? Promise.resolve() : gateways.metrics.put(metrics),
  ]);
  if (published.status === 'rejected') {
    countFailure(failures, FAILURE_METRIC.eventsNotPublished, events.length);
    log.error('tracker events not published', { error: errorMessage(published.reason) });
  } else if (published.value !== undefined && published.value.failed.length > 0) {
    countFailure(failures, FAILURE_METRIC.eventsNotPublished, published.value.failed.length);
    log.error('tracker events partly rejected', { failures: published.value.failed });
  }
  if (published.status === 'fulfilled' && outbox.size > 0) {
    await markSent(outbox, new Set(published.value?.rejected ?? []), context);
  }
  if (put.status === 'rejected') log.error('tracker metrics not put', { error: errorMessage(put.reason) });
}

/** One-shot events of a poll and, for each, the reservation's tags that mark it sent. */
type Outbox = Map<ServiceEvent, { reservationId: string; tags: Record<string, string> }>;

/** The look writes the memory, not the marks of one-shot events: those wait until PutEvents took the event. */
function withoutMarks(assessment: Assessment): Record<string, string> {
  if (assessment.marks.size === 0) return trackerMemoryCodec.tags(assessment.memory);
  const memory: TrackerMemory = { ...assessment.memory };
  for (const marked of assessment.marks.values())
    for (const field of Object.keys(marked) as (keyof TrackerMemory)[]) delete memory[field];
  return trackerMemoryCodec.tags(memory);
}

/**
 * Marks sent the one-shot events PutEvents took (batched like the look's tags). A refused event stays owed:
 * the next poll, or the next run (a reconcile that sees it owed enables the tracker), sends it again. A mark
 * that is not written sends the event twice rather than never.
 */
async function markSent(
  outbox: Outbox,
  rejected: ReadonlySet<ServiceEvent>,
  context: PollContext,
): Promise<void> {
  const byReservation = new Map<string, Record<string, string>>();
  for (const [event, { reservationId, tags }] of outbox) {
    if (rejected.has(event)) continue;
    byReservation.set(reservationId, { ...byReservation.get(reservationId), ...tags });
  }
  const failures = await writeTags(
    context.gateways.capacity,
    [...byReservation].map(([reservationId, tags]) => ({ reservationId, tags })),
  );
  countFailure(context.failures, FAILURE_METRIC.recordsNotWritten, failures.length);
  for (const { reservationId, error } of failures) {
    context.log.warn('sent events not marked: they will be sent again', {
      reservationId,
      error: errorMessage(error),
    });
  }
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

import type { Clock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { TAG } from '../domain/reservation.ts';
import { AllocationBusyError, errorCode, errorMessage } from '../errors/index.ts';
import { type AllocationChangeDetail, DETAIL_TYPE, type ServiceEvent } from '../events/service-events.ts';
import { MAX_DATUMS_PER_PUT, type MetricsGateway } from '../gateways/cloudwatch.ts';
import { DESCRIBE_PAGE_SIZE, IDS_PER_DESCRIBE } from '../gateways/ec2-capacity.ts';
import type { Gateways } from '../gateways/index.ts';
import { deleteTags, writeTags } from '../gateways/write-tags.ts';
import { createSilentLogger, type Logger } from '../logging/logger.ts';
import { mapWithConcurrency } from '../reconcile/concurrency.ts';
import { reconcile } from '../reconcile/reconcile.ts';
import { DESIRED_TAG_KEYS, readDesiredTarget, readRequestRecord } from '../records/tags.ts';
import {
  type Assessment,
  assessReservation,
  DEFAULT_TRACKER_SETTINGS,
  isInFlight,
  readTrackerMemory,
  type TrackerSettings,
} from './assess.ts';
import type { ReservationMetric } from './metric-names.ts';

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
}

export interface AppliedTarget {
  reservationId: string;
  from: number;
  to: number;
}

export interface TrackResult {
  /** Describes made, the race re-check included. */
  describes: number;
  /** Of those, the polls that read only the in-flight reservations by id: how many ids each asked for. */
  describedById: number[];
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

/** Whole PutMetricData calls per slice (the byte limit is far off: a gauge is ~150 bytes of 1 MB a put). */
const METRICS_PER_SLICE = 10 * MAX_DATUMS_PER_PUT;
const METRIC_SLICES_IN_FLIGHT = 4;

/** Runs one tracker invocation. */
export async function trackReclamation(input: TrackInput): Promise<TrackResult> {
  const { clock, gateways, trigger, config } = input;
  const settings = input.settings ?? DEFAULT_TRACKER_SETTINGS;
  const log = (input.logger ?? createSilentLogger()).createChild({
    persistentKeys: { correlation_id: trigger.id },
  });
  const result: TrackResult = {
    describes: 0,
    describedById: [],
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

  let sweptReservations = 0;
  for (;;) {
    // After the first sweep, a poll reads only what is still in flight, by id, when that takes fewer calls
    // than sweeping every managed reservation again. A change requested meanwhile on another reservation is
    // seen by the idle re-check below or by the next run (reconcile enables the rule).
    const byId = result.polls > 0 && fewerCallsById(result.inFlight.length, sweptReservations);
    const snapshots = await gateways.capacity.describeManaged(
      byId ? { borrowers: false, reservationIds: result.inFlight } : { borrowers: false },
    );
    if (byId) result.describedById.push(result.inFlight.length);
    else sweptReservations = snapshots.length;
    result.describes++;
    const inFlight = await poll(snapshots, {
      now: clock.now(),
      firstPoll: result.polls === 0,
      completionReports,
      gateways,
      config,
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
  const lateInFlight = again.filter((snapshot) => isInFlight(snapshot) || hasDecisionDue(snapshot));
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

/** Whether describing `inFlight` reservations by id takes fewer calls than a sweep of `swept` managed ones. */
function fewerCallsById(inFlight: number, swept: number): boolean {
  return Math.ceil(inFlight / IDS_PER_DESCRIBE) < Math.ceil(swept / DESCRIBE_PAGE_SIZE);
}

interface PollContext {
  now: Date;
  firstPoll: boolean;
  completionReports: ReadonlyMap<string, Date>;
  gateways: TrackerGateways;
  config: PolicyConfig;
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
  const pending: { snapshot: ReservationSnapshot; assessment: Assessment }[] = [];
  const due: string[] = [];

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
    if (assessment.redecide) due.push(snapshot.reservationId);
    pending.push({ snapshot, assessment });
  }

  // The tracker's memory and records, batched: reservations moving together carry the same tags, so a poll
  // over thousands in flight costs a few CreateTags calls instead of one per reservation (issue 7).
  const byId = new Map(pending.map((entry) => [entry.snapshot.reservationId, entry]));
  const tagFailures = await writeTags(
    gateways.capacity,
    pending.map((entry) => ({ reservationId: entry.snapshot.reservationId, tags: entry.assessment.tags })),
  );
  for (const { reservationId, error } of tagFailures) {
    const entry = byId.get(reservationId);
    if (entry) noteFailure(entry.snapshot, error, inFlight, events, context);
  }

  await publishAndPut(events, metrics, context);
  // After the completions above are out, so the log and the bus read "completed", then "requested".
  if (due.length > 0) inFlight.push(...(await decideAgain(due, context)));
  return [...new Set(inFlight)];
}

/**
 * Reservations whose deferred change is due (a desired target recorded while in flight, the allocation active
 * again): the same reconcile every trigger runs, for these reservations only, with trigger kind `tracker`. It
 * observes alarms, overrides and the clock as they are now and applies the policy (its guards, its
 * zero-size preference); it clears the desired target or, if the allocation is busy again, records the new
 * one. Returns the reservations now in flight.
 */
async function decideAgain(reservationIds: readonly string[], context: PollContext): Promise<string[]> {
  const { gateways, config, now, trigger, log, result } = context;
  let outcomes: Awaited<ReturnType<typeof reconcile>>['outcomes'];
  try {
    ({ outcomes } = await reconcile({
      trigger: { kind: 'tracker', id: trigger.id },
      now,
      gateways,
      config,
      logger: log,
      reservationIds,
    }));
  } catch (error: unknown) {
    // Nothing was decided: the desired targets stay recorded, and the idle re-check keeps the rule on.
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
      orphaned.map((reservationId) => ({ reservationId, keys: DESIRED_TAG_KEYS })),
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
  else events.push(failedEvent(snapshot, context, error));
  context.log.warn('tracker could not record', {
    reservationId: snapshot.reservationId,
    errorCode: code,
    error: errorMessage(error),
  });
}

function failedEvent(snapshot: ReservationSnapshot, context: PollContext, error: unknown): ServiceEvent {
  const detail: AllocationChangeDetail = {
    reservationId: snapshot.reservationId,
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
  metrics: readonly ReservationMetric[],
  context: PollContext,
): Promise<void> {
  const { gateways, log } = context;
  const [published, put] = await Promise.allSettled([
    events.length === 0 ? Promise.resolve(undefined) : gateways.events.publish(events),
    metrics.length === 0 ? Promise.resolve() : putInSlices(gateways.metrics, metrics),
  ]);
  if (published.status === 'rejected') {
    log.error('tracker events not published', { error: errorMessage(published.reason) });
  } else if (published.value !== undefined && published.value.failed.length > 0) {
    log.error('tracker events partly rejected', { failures: published.value.failed });
  }
  if (put.status === 'rejected') log.error('tracker metrics not put', { error: errorMessage(put.reason) });
}

/**
 * A poll over thousands in flight puts four gauges each: tens of PutMetricData calls. The gateway sends one
 * slice's calls one after another; slices of whole puts go a few at a time, so the poll waits for the slowest
 * slice instead of the sum, with the same calls. Every slice is attempted; the first failure is reported.
 */
async function putInSlices(gateway: MetricsGateway, metrics: readonly ReservationMetric[]): Promise<void> {
  const slices: ReservationMetric[][] = [];
  for (let start = 0; start < metrics.length; start += METRICS_PER_SLICE) {
    slices.push(metrics.slice(start, start + METRICS_PER_SLICE));
  }
  const outcomes = await mapWithConcurrency(slices, METRIC_SLICES_IN_FLIGHT, (slice) =>
    gateway.put(slice).then(
      () => undefined,
      (error: unknown) => ({ error }),
    ),
  );
  const failure = outcomes.find((outcome) => outcome !== undefined);
  if (failure !== undefined) throw failure.error;
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

/** A desired target recorded while in flight, and the allocation active again: a decision is owed. */
function hasDecisionDue(snapshot: ReservationSnapshot): boolean {
  return (
    readDesiredTarget(snapshot.tags) !== undefined &&
    snapshot.allocation?.status === 'active' &&
    !isInFlight(snapshot)
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

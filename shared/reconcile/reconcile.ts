import type { PolicyConfig } from '../config/schema.ts';
import type { ShortNoticeClosure } from '../domain/records.ts';
import { type FailureRecord, MAX_CHANGE_ATTEMPTS, retryPlan } from '../domain/records.ts';
import { isUpdating, type ReservationSnapshot } from '../domain/reservation.ts';
import { needsTracker } from '../domain/tracking.ts';
import { AllocationBusyError, errorCode, errorMessage } from '../errors/index.ts';
import {
  type AllocationChangeDetail,
  DETAIL_TYPE,
  REPAIR_TRIGGER,
  type ServiceEvent,
  type TriggerKind,
} from '../events/service-events.ts';
import { runFailureMetrics } from '../gateways/aws-call.ts';
import { type DescribeOptions, deleteTags, type Gateways, writeTags } from '../gateways/index.ts';
import { type Logger, logger as serviceLogger } from '../logging/logger.ts';
import { countFailure, FAILURE_METRIC, type FailureCounts, inFlightGauge } from '../metrics/metric-names.ts';
import { decide, p95 } from '../policy/index.ts';
import type { Decision, Observation, PolicyResult } from '../policy/types.ts';
import { malformedRecordsLog } from '../records/read-records.ts';
import {
  desiredTargetCodec,
  failureCodec,
  lastReclaimCodec,
  lastRequestCodec,
  owedFailureCodec,
  trackerMemoryCodec,
} from '../records/tags.ts';
import { mapWithConcurrency } from '../util/concurrency.ts';
import { publishCalendarDataDaysLeft } from './calendar-metric.ts';
import { createClientToken } from './client-token.ts';
import { announceReclaims } from './heads-up.ts';
import { announceInterruptibleIds, interruptibleIdChanges } from './interruptible-id.ts';
import type { SendBudget, SendStop } from './send-budget.ts';
import { keepSharesInStep } from './sharing.ts';

export type { Decision, Observation };

export interface ReconcileTrigger {
  kind: TriggerKind;
  /** The triggering event's id (or the invocation's request id): every log line and event carries it. */
  id: string;
  detail?: unknown;
  /** On-call's request: who asked, recorded in its events. */
  requestedBy?: string;
}

/** `apply` acts; `plan` only decides; `dry-run` decides and proves the permissions with EC2's `DryRun`. */
export type ReconcileMode = 'apply' | 'plan' | 'dry-run';

export type Outcome = 'updated' | 'unchanged' | 'deferred' | 'failed' | 'planned';

export interface ReservationOutcome {
  reservationId: string;
  name?: string;
  /** `planned`: plan or dry run, the target would change. */
  outcome: Outcome;
  /** The allocation's target before (0 without an allocation). */
  from: number;
  /** The target decided (for `unchanged`, equal to `from`). */
  to: number;
  action: Decision['action'];
  reasons: string[];
  deadline?: string;
  error?: { code: string; message: string };
}

export interface ReconcileResult {
  triggerId: string;
  trigger: TriggerKind;
  mode: ReconcileMode;
  /** ISO time of the decision. */
  at: string;
  outcomes: ReservationOutcome[];
  warnings: string[];
  /** On-call's short-notice market closures the policy honoured (today and later); absent when none. */
  closures?: ShortNoticeClosure[];
}

export interface ReconcileInput {
  trigger: ReconcileTrigger;
  now: Date;
  gateways: Gateways;
  config: PolicyConfig;
  logger?: Logger;
  mode?: ReconcileMode;
  /** Act only on these reservations (the others are still observed, since AZ groups decide together). */
  reservationIds?: readonly string[];
  /** Act only on the decisions this accepts (e.g. the members of a group, known by their config names). */
  select?: (decision: Decision) => boolean;
  /** Changes the observation before deciding: the on-demand dry run overlays an override not yet written. */
  adjustObservation?: (observation: Observation) => Observation;
  /** Measured reclaim durations (the tracker's), for the lead time. */
  reclaimDurationsSeconds?: number[];
  /** Reservations acted on at once; EC2 throttles bursts. */
  concurrency?: number;
  /** How long the run may send changes, and the writer's lease it renews meanwhile (send-budget.ts). */
  budget?: SendBudget;
}

const DEFAULT_CONCURRENCY = 16;
/** Decisions acted on before their records are written together. */
const RECORD_CHUNK = 500;

/** The names of every alarm the config reacts to: alarm needs and AZ impairment alarms. */
export function configuredAlarmNames(config: PolicyConfig): string[] {
  const impairment = config.azGroups.flatMap((group) => Object.values(group.impairmentAlarms));
  return [...new Set([...Object.keys(config.alarms), ...impairment])];
}

/**
 * Reads the world the policy decides on: managed reservations (EC2) and the configured alarms (CloudWatch).
 * Borrowers' counts are left out unless asked for: the policy does not use them, and they cost a Describe per
 * 100 allocations.
 */
export async function observe(
  gateways: Gateways,
  config: PolicyConfig,
  reclaimDurationsSeconds?: number[],
  learn?: { now: Date; log: Logger },
  describe: DescribeOptions = { borrowers: false },
): Promise<Observation> {
  const [reservations, alarms] = await Promise.all([
    gateways.capacity.describeManaged(describe),
    readAlarms(gateways, config, learn?.log),
  ]);
  const malformed = malformedRecordsLog(reservations);
  if (malformed !== undefined)
    (learn?.log ?? serviceLogger).warn('malformed records ignored: treated as absent', malformed);
  const durations =
    reclaimDurationsSeconds ??
    (learn ? await measuredReclaimDurations(gateways, reservations, learn) : undefined);
  return { reservations, ...alarms, ...(durations ? { reclaimDurationsSeconds: durations } : {}) };
}

/**
 * The configured alarms' states. Alarms only raise the need, so a CloudWatch outage must not stop a reclaim:
 * the observation says they are unreadable instead, and the policy holds every lend-back.
 */
async function readAlarms(
  gateways: Gateways,
  config: PolicyConfig,
  log: Logger | undefined,
): Promise<Pick<Observation, 'alarms' | 'alarmsUnreadable'>> {
  try {
    return { alarms: await gateways.alarms.alarmStates(configuredAlarmNames(config)) };
  } catch (error: unknown) {
    (log ?? serviceLogger).warn('alarms could not be read: reclaims go ahead, lend-back is held', {
      error: errorMessage(error),
    });
    return { alarms: {}, alarmsUnreadable: errorMessage(error) };
  }
}

/** One-minute CloudWatch data is kept 15 days: the learned lead looks back two weeks of reclaims. */
const LEARNED_LEAD_LOOKBACK_MS = 14 * 24 * 3_600_000;

/**
 * The reclaim durations the tracker measured, so slow reclaims make the next schedule earlier: one
 * read of the fleet series per run, whatever the number of reservations (each heartbeat pays it). A failed
 * read must not stop a reclaim: the policy then falls back to its configured minimum lead.
 */
async function measuredReclaimDurations(
  gateways: Gateways,
  reservations: readonly ReservationSnapshot[],
  { now, log }: { now: Date; log: Logger },
): Promise<number[] | undefined> {
  if (gateways.metrics === undefined || reservations.length === 0) return undefined;
  try {
    const since = new Date(now.getTime() - LEARNED_LEAD_LOOKBACK_MS);
    return await gateways.metrics.reclaimDurations(since, now);
  } catch (error: unknown) {
    log.warn('measured reclaim durations unavailable, lead uses its minimum', { error: errorMessage(error) });
    return undefined;
  }
}

/**
 * The one reconcile every trigger wakes: observe, decide with the pure policy, act where the
 * target changes. Nothing is remembered between runs but what EC2, CloudWatch and the tags hold, so a
 * duplicate, late or out-of-order trigger is harmless. One reservation's failure never stops the others.
 */
export async function reconcile(input: ReconcileInput): Promise<ReconcileResult> {
  const { trigger, now, gateways, config } = input;
  const mode = input.mode ?? 'apply';
  const log = (input.logger ?? serviceLogger).createChild({
    persistentKeys: { correlation_id: trigger.id, trigger: trigger.kind },
  });

  const observed = await observe(gateways, config, input.reclaimDurationsSeconds, { now, log }).catch(
    async (error: unknown) => {
      // A run that cannot even look still says whether IAM refused it: that is a page, not just an error.
      await putDeniedCalls(gateways, now, log);
      throw error;
    },
  );
  const observation = input.adjustObservation ? input.adjustObservation(observed) : observed;
  const unreachable = gateways.capacity.unreachable?.() ?? [];
  const missingAlarms = configuredAlarmNames(config).filter((name) => observation.alarms[name] === undefined);
  const { decisions, warnings: policyWarnings, closures } = decide(observation, config, now);
  const warnings = [...policyWarnings];
  if (observation.alarmsUnreadable !== undefined)
    warnings.push(
      `alarms could not be read (${observation.alarmsUnreadable}): reclaims go ahead, lend-back is held`,
    );
  else if (missingAlarms.length > 0)
    warnings.push(`configured alarms not found in CloudWatch: ${missingAlarms.join(', ')}`);

  const snapshots = new Map(observation.reservations.map((snapshot) => [snapshot.reservationId, snapshot]));
  const inScope = input.reservationIds ? new Set(input.reservationIds) : undefined;
  const chosen = decisions.filter(
    (decision) =>
      (inScope === undefined || inScope.has(decision.reservationId)) && (input.select?.(decision) ?? true),
  );

  const events: ServiceEvent[] = [];
  const context: ActContext = {
    trigger,
    now,
    gateways,
    mode,
    log,
    warnings,
    events,
    records: [],
    failures: {},
    ...(input.budget === undefined ? {} : { budget: input.budget }),
    handedOver: 0,
    accountOf: new Map(
      observation.reservations.flatMap((snapshot) =>
        snapshot.accountId === undefined ? [] : [[snapshot.reservationId, snapshot.accountId] as const],
      ),
    ),
    ...expectedReclaim(observation, config),
  };
  // An account (or one region) that cannot be read costs only its own reservations; it pages, the others go on.
  countFailure(context.failures, FAILURE_METRIC.accountsUnreachable, unreachable.length);
  for (const { accountId, region, error } of unreachable) {
    const where =
      accountId === undefined
        ? `region ${region}`
        : `account ${accountId}${region === undefined ? '' : ` in ${region}`}`;
    warnings.push(`${where} could not be read, its reservations are left as they are: ${error}`);
    log.error('account unreachable', { accountId, region, error });
  }
  const outcomes: ReservationOutcome[] = [];
  // Records are written per chunk, batched (reservations with the same record share a CreateTags call): a
  // fleet-wide reclaim costs a few tag calls instead of one per reservation, and a run that dies loses at
  // most one chunk's records.
  for (let start = 0; start < chosen.length; start += RECORD_CHUNK) {
    const chunk = chosen.slice(start, start + RECORD_CHUNK);
    outcomes.push(
      ...(await mapWithConcurrency(chunk, input.concurrency ?? DEFAULT_CONCURRENCY, async (decision) => {
        const snapshot = snapshots.get(decision.reservationId);
        const outcome = await act(decision, snapshot, context);
        if (outcome.outcome !== 'updated' && context.budget?.stopped?.kind !== 'lease-lost')
          repairMissingRecord(snapshot, context);
        return outcome;
      })),
    );
    await writeRecords(context);
  }

  const stop = context.budget?.stopped;
  if (stop !== undefined && context.handedOver > 0) {
    warnings.push(`${context.handedOver} change(s) not sent by this run: ${stop.reason}`);
    log.warn('send budget stopped the run', { handedOver: context.handedOver, reason: stop.reason });
  }
  await finish(outcomes, observation.reservations, context);
  if (mode === 'apply') {
    const shared = await shareWithBorrowers(observation, chosen, outcomes, config, context);
    await tellBorrowers(
      observation,
      shared,
      config,
      { decisions, warnings: policyWarnings, closures },
      outcomes,
      context,
    );
  }
  await putRunMetrics(context);
  const result: ReconcileResult = {
    triggerId: trigger.id,
    trigger: trigger.kind,
    mode,
    at: now.toISOString(),
    outcomes,
    warnings,
  };
  if (closures !== undefined) result.closures = closures;
  if (mode === 'apply' && trigger.kind === 'schedule')
    await publishCalendarDataDaysLeft(gateways, config, now, log);
  log.info('reconciled', {
    mode,
    updated: count(outcomes, 'updated'),
    deferred: count(outcomes, 'deferred'),
    failed: count(outcomes, 'failed'),
    planned: count(outcomes, 'planned'),
    warnings,
  });
  return result;
}

/**
 * The RAM shares of the decided reservations, put in step with the config (shared/reconcile/sharing.ts) after
 * the run's own changes: a source whose allocation this run created is described again, since only then does
 * it show the new interruptible reservation to share. Answers the observation with those fresh snapshots.
 * Whatever goes wrong is a warning and a failure metric: sharing never holds up a reclaim.
 */
async function shareWithBorrowers(
  observation: Observation,
  chosen: readonly Decision[],
  outcomes: readonly ReservationOutcome[],
  config: PolicyConfig,
  context: ActContext,
): Promise<Observation> {
  const sharing = context.gateways.sharing;
  if (sharing === undefined) return observation;
  try {
    const byId = new Map(observation.reservations.map((snapshot) => [snapshot.reservationId, snapshot]));
    const created = outcomes
      .filter(
        (outcome) =>
          outcome.outcome === 'updated' && byId.get(outcome.reservationId)?.allocation === undefined,
      )
      .map((outcome) => outcome.reservationId);
    if (created.length > 0) {
      const fresh = await context.gateways.capacity.describeManaged({
        borrowers: false,
        reservationIds: created,
      });
      for (const snapshot of fresh) {
        const accountId = context.accountOf.get(snapshot.reservationId);
        byId.set(snapshot.reservationId, accountId === undefined ? snapshot : { ...snapshot, accountId });
      }
    }
    const result = await keepSharesInStep({
      snapshots: chosen.flatMap((decision) => byId.get(decision.reservationId) ?? []),
      names: new Map(chosen.map((decision) => [decision.reservationId, decision.name])),
      config,
      sharing,
      capacity: context.gateways.capacity,
      triggerId: context.trigger.id,
      now: context.now,
      log: context.log,
    });
    context.warnings.push(...result.warnings);
    countFailure(context.failures, FAILURE_METRIC.sharingDrift, result.drifts);
    countFailure(context.failures, FAILURE_METRIC.sharesNotInStep, result.notInStep);
    countFailure(context.failures, FAILURE_METRIC.recordsNotWritten, result.recordsNotWritten);
    if (result.events.length > 0) {
      try {
        const published = await context.gateways.events.publish(result.events);
        countFailure(context.failures, FAILURE_METRIC.eventsNotPublished, published.failed.length);
      } catch (error: unknown) {
        countFailure(context.failures, FAILURE_METRIC.eventsNotPublished, result.events.length);
        context.warnings.push(`sharing drift events not published: ${errorMessage(error)}`);
      }
    }
    return { ...observation, reservations: [...byId.values()] };
  } catch (error: unknown) {
    countFailure(context.failures, FAILURE_METRIC.sharesNotInStep);
    context.warnings.push(`sharing not put in step: ${errorMessage(error)}`);
    context.log.error('sharing not put in step', { error });
    return observation;
  }
}

/**
 * The heads-up to borrowers (shared/reconcile/heads-up.ts), after the run's own changes and events. Whatever
 * goes wrong there is a warning and a failure metric: the reclaim itself is never held up by its notice.
 */
async function tellBorrowers(
  observation: Observation,
  afterChanges: Observation,
  config: PolicyConfig,
  result: PolicyResult,
  outcomes: readonly ReservationOutcome[],
  context: ActContext,
): Promise<void> {
  try {
    const announced = await announceReclaims({
      observation,
      config,
      now: context.now,
      result,
      outcomes,
      gateways: context.gateways,
      triggerId: context.trigger.id,
      log: context.log,
    });
    const changes = interruptibleIdChanges(
      afterChanges,
      result.decisions,
      config,
      context.trigger.id,
      context.now,
    );
    const ids = await announceInterruptibleIds(context.gateways, changes);
    context.warnings.push(...announced.warnings, ...ids.warnings);
    countFailure(
      context.failures,
      FAILURE_METRIC.eventsNotPublished,
      announced.notPublished + ids.notPublished,
    );
    countFailure(context.failures, FAILURE_METRIC.recordsNotWritten, announced.notRecorded + ids.notRecorded);
  } catch (error: unknown) {
    countFailure(context.failures, FAILURE_METRIC.eventsNotPublished);
    context.warnings.push(`reclaim notices not sent: ${errorMessage(error)}`);
    context.log.error('reclaim notices not sent', { error });
  }
}

/** The p95 of the measured durations, as the lead trusts it: only with `lead.minSamples` of them. */
function expectedReclaim(
  observation: Observation,
  config: PolicyConfig,
): { expectedReclaimSeconds?: number } {
  const samples = observation.reclaimDurationsSeconds ?? [];
  const expected = samples.length >= config.lead.minSamples ? p95(samples) : undefined;
  return expected === undefined ? {} : { expectedReclaimSeconds: expected };
}

interface ActContext {
  trigger: ReconcileTrigger;
  now: Date;
  gateways: Gateways;
  mode: ReconcileMode;
  log: Logger;
  warnings: string[];
  events: ServiceEvent[];
  /** Request records of the changes made, written in a batch by `writeRecords`. */
  records: PendingRecord[];
  /** What went wrong in this run. */
  failures: FailureCounts;
  /** The owner account of each spoke reservation observed (the hub's own are absent). */
  accountOf: ReadonlyMap<string, string>;
  /** Reservations this run saw in flight, when it made sure the tracker runs. */
  inFlightSeen?: number;
  /** The learned reclaim duration (p95) this run's lead was built on, recorded with each reclaim it asks. */
  expectedReclaimSeconds?: number;
  budget?: SendBudget;
  /** Changes decided but left to the tracker: the run's send budget was spent. */
  handedOver: number;
}

interface PendingRecord {
  reservationId: string;
  tags: Record<string, string>;
  /** A desired target recorded earlier is now void. */
  clearDesired: boolean;
  /** The failures on record are over: the allocation settled, or no change is wanted any more. */
  clearFailure?: boolean;
}

/** The error code of a change EC2 accepted but answered (or later showed) with the allocation `failed`. */
export const ALLOCATION_FAILED = 'AllocationFailed';
/** Automatic retries are over for this reservation: on-call is paged and must act. */
export const RETRIES_EXHAUSTED = 'RetriesExhausted';

async function act(
  decision: Decision,
  snapshot: ReservationSnapshot | undefined,
  context: ActContext,
): Promise<ReservationOutcome> {
  const from = decision.currentTarget;
  const to = decision.target;
  const reason = decision.reasons.join('; ');
  const deadline = isoOrUndefined(decision.deadline);
  const base = {
    reservationId: decision.reservationId,
    ...(decision.name === undefined ? {} : { name: decision.name }),
    from,
    to,
    action: decision.action,
    reasons: decision.reasons,
    ...(deadline === undefined ? {} : { deadline }),
  };
  const allocation = snapshot?.allocation;
  const hasAllocation = allocation !== undefined;
  const failures = snapshot === undefined ? undefined : snapshot.records.failure;

  if (to === from && (hasAllocation || to === 0)) {
    // The allocation already heads where the policy wants it: a desired target recorded earlier, in flight or
    // not, is void now, and the tracker must not apply it later (the latest decision is the only one that counts).
    if (context.mode === 'apply' && snapshot) {
      await clearStaleDesired(snapshot, context);
      if (failures !== undefined && (allocation?.status === 'failed' || isSettled(snapshot)))
        context.records.push({
          reservationId: snapshot.reservationId,
          tags: {},
          clearDesired: false,
          clearFailure: true,
        });
    }
    return { ...base, outcome: 'unchanged' };
  }
  if (context.mode === 'plan') return { ...base, outcome: 'planned' };
  if (context.mode === 'dry-run') return dryRun(decision, hasAllocation, base, context);
  if (snapshot && isUpdating(snapshot)) return defer(decision, base, reason, context);

  // A change EC2 accepted and then failed is counted when it is first seen; the retries back off across runs.
  // On-call's own request is tried at once: someone is watching it.
  let record = failures;
  if (snapshot !== undefined && allocation?.status === 'failed' && isUnseenFailure(snapshot, failures)) {
    record = noteFailure(
      decision,
      snapshot,
      reason,
      context,
      failures,
      {
        code: ALLOCATION_FAILED,
        message: `the allocation is failed (now ${allocation.current}, target ${allocation.target})`,
      },
      snapshot.records.lastRequest?.at,
    );
  }
  if (context.trigger.kind !== 'on-demand') {
    const plan = retryPlan(record, context.now);
    const attempts = record?.attempts ?? 0;
    const last = `${attempts} failed attempt${attempts === 1 ? '' : 's'}`;
    if (plan.kind === 'wait') {
      const held = `retry after ${last} held until ${plan.until.toISOString()} (${record?.failure})`;
      context.log.info('retry held by its backoff', {
        reservationId: decision.reservationId,
        until: plan.until,
      });
      return { ...base, reasons: [...base.reasons, held], outcome: 'deferred' };
    }
    if (plan.kind === 'exhausted') {
      const message = `no automatic retry after ${last} (${record?.failure}): an on-call reclaim or lend tries again`;
      return { ...base, outcome: 'failed', error: { code: RETRIES_EXHAUSTED, message } };
    }
  }

  const stop = await context.budget?.beforeSend();
  if (stop !== undefined) return handOver(decision, snapshot, base, reason, stop, context);

  let status: string | undefined;
  try {
    const change = hasAllocation
      ? await context.gateways.capacity.updateAllocation({
          reservationId: decision.reservationId,
          target: to,
          zeroSizePreference: decision.zeroSizePreference,
        })
      : await context.gateways.capacity.createAllocation({
          reservationId: decision.reservationId,
          instanceCount: to,
          clientToken: createClientToken(decision.reservationId, to, context.now),
          zeroSizePreference: decision.zeroSizePreference,
        });
    status = change.status;
  } catch (error: unknown) {
    context.budget?.afterSend();
    if (error instanceof AllocationBusyError) return defer(decision, base, reason, context);
    const failure = { code: errorCode(error), message: errorMessage(error) };
    context.log.error('allocation change failed', {
      reservationId: decision.reservationId,
      from,
      to,
      reason,
      error,
    });
    if (snapshot !== undefined) noteFailure(decision, snapshot, reason, context, record, failure);
    else context.events.push(changeEvent(DETAIL_TYPE.changeFailed, decision, reason, context, failure));
    countFailure(context.failures, FAILURE_METRIC.changesFailed);
    return { ...base, outcome: 'failed', error: failure };
  }
  context.budget?.afterSend();
  if (status === 'failed') {
    const failure = {
      code: ALLOCATION_FAILED,
      message: `EC2 answered the change to ${to} with status failed`,
    };
    context.log.error('allocation change failed', {
      reservationId: decision.reservationId,
      from,
      to,
      reason,
    });
    if (snapshot !== undefined) noteFailure(decision, snapshot, reason, context, record, failure);
    countFailure(context.failures, FAILURE_METRIC.changesFailed);
    return { ...base, outcome: 'failed', error: failure };
  }

  context.log.info('allocation change requested', {
    reservationId: decision.reservationId,
    from,
    to,
    reason,
  });
  context.events.push(changeEvent(DETAIL_TYPE.changeRequested, decision, reason, context));
  recordRequest(decision, snapshot, reason, context);
  return { ...base, outcome: 'updated' };
}

async function dryRun(
  decision: Decision,
  hasAllocation: boolean,
  base: Omit<ReservationOutcome, 'outcome'>,
  context: ActContext,
): Promise<ReservationOutcome> {
  try {
    if (hasAllocation) {
      await context.gateways.capacity.updateAllocation({
        reservationId: decision.reservationId,
        target: decision.target,
        zeroSizePreference: decision.zeroSizePreference,
        dryRun: true,
      });
    } else {
      await context.gateways.capacity.createAllocation({
        reservationId: decision.reservationId,
        instanceCount: decision.target,
        clientToken: createClientToken(decision.reservationId, decision.target, context.now),
        zeroSizePreference: decision.zeroSizePreference,
        dryRun: true,
      });
    }
    return { ...base, outcome: 'planned' };
  } catch (error: unknown) {
    // A busy allocation proves nothing about permissions: the plan stands, the tracker would apply it.
    if (error instanceof AllocationBusyError) return { ...base, outcome: 'planned' };
    return { ...base, outcome: 'failed', error: { code: errorCode(error), message: errorMessage(error) } };
  }
}

/** The allocation is busy: record the desired target for the tracker instead of updating. */
async function defer(
  decision: Decision,
  base: Omit<ReservationOutcome, 'outcome'>,
  reason: string,
  context: ActContext,
): Promise<ReservationOutcome> {
  const { reservationId, target } = decision;
  try {
    await context.gateways.capacity.tag(reservationId, desiredTargetCodec.tags({ target, reason }));
  } catch (error: unknown) {
    const failure = { code: errorCode(error), message: errorMessage(error) };
    context.log.error('desired target not recorded', { reservationId, to: target, error });
    context.events.push(changeEvent(DETAIL_TYPE.changeFailed, decision, reason, context, failure));
    countFailure(context.failures, FAILURE_METRIC.changesFailed);
    countFailure(context.failures, FAILURE_METRIC.recordsNotWritten);
    return { ...base, outcome: 'failed', error: failure };
  }
  context.log.info('allocation busy, desired target recorded', {
    reservationId,
    from: base.from,
    to: target,
    reason,
  });
  return { ...base, outcome: 'deferred' };
}

/**
 * The run may not send this change (its send budget is spent): the desired target is recorded with the run's
 * records, batched, so the tracker decides the reservation again and sends it. A run that lost the writer's
 * lease records nothing: the run that holds it now observes and decides for itself.
 */
function handOver(
  decision: Decision,
  snapshot: ReservationSnapshot | undefined,
  base: Omit<ReservationOutcome, 'outcome'>,
  reason: string,
  stop: SendStop,
  context: ActContext,
): ReservationOutcome {
  context.handedOver++;
  const outcome: ReservationOutcome = {
    ...base,
    reasons: [...base.reasons, stop.reason],
    outcome: 'deferred',
  };
  if (stop.kind === 'lease-lost' || snapshot === undefined) return outcome;
  // Recorded once: the next runs that hand it over again find the same target already on record.
  if (snapshot.records.desiredTarget?.target === decision.target) return outcome;
  context.records.push({
    reservationId: decision.reservationId,
    tags: desiredTargetCodec.tags({ target: decision.target, reason }),
    clearDesired: false,
  });
  return outcome;
}

/**
 * One more failed change in a row: its event (every failure pages) and its record, from which the next
 * automatic retry waits. `at` is when the failed change was asked, for a failure seen only afterwards.
 */
function noteFailure(
  decision: Decision,
  snapshot: ReservationSnapshot,
  reason: string,
  context: ActContext,
  previous: FailureRecord | undefined,
  failure: { code: string; message: string },
  at: Date = context.now,
): FailureRecord {
  const record: FailureRecord = {
    attempts: (previous?.attempts ?? 0) + 1,
    at,
    failure: `${failure.code}: ${failure.message}`,
  };
  const plan = retryPlan(record, context.now);
  const event = changeEvent(DETAIL_TYPE.changeFailed, decision, reason, context, failure);
  event.detail.attempt = record.attempts;
  if (plan.kind === 'exhausted') event.detail.retriesExhausted = true;
  if (plan.kind === 'wait') event.detail.retryAt = plan.until.toISOString();
  context.events.push(event);
  context.records.push({
    reservationId: snapshot.reservationId,
    tags: failureCodec.tags(record),
    clearDesired: false,
  });
  if (record.attempts >= MAX_CHANGE_ATTEMPTS)
    context.warnings.push(
      `${snapshot.reservationId}: ${record.attempts} changes failed in a row; no automatic retry until on-call acts`,
    );
  return record;
}

/** The allocation is `failed`, and not from a failure already counted: the last request failed after it was accepted. */
function isUnseenFailure(snapshot: ReservationSnapshot, failures: FailureRecord | undefined): boolean {
  if (failures === undefined) return true;
  const request = snapshot.records.lastRequest;
  return request !== undefined && request.at.getTime() > failures.at.getTime();
}

/** EC2 reached the allocation's target: the failures on record are over. */
function isSettled(snapshot: ReservationSnapshot): boolean {
  const allocation = snapshot.allocation;
  return (
    allocation === undefined || (allocation.status === 'active' && allocation.current === allocation.target)
  );
}

/** After a change: the request record (and the last reclaim time when lowering), and no stale desired target. */
function recordRequest(
  decision: Decision,
  snapshot: ReservationSnapshot | undefined,
  reason: string,
  context: ActContext,
): void {
  const { reservationId, currentTarget: from, target: to } = decision;
  const deadline = decision.deadline;
  const tags = {
    ...lastRequestCodec.tags({
      target: to,
      from,
      at: context.now,
      trigger: context.trigger.kind,
      reason,
      ...(deadline === undefined ? {} : { deadline }),
      ...(context.expectedReclaimSeconds === undefined || to >= from
        ? {}
        : { expectedSeconds: context.expectedReclaimSeconds }),
    }),
    ...(to < from ? lastReclaimCodec.tags(context.now) : {}),
  };
  const clearDesired = snapshot !== undefined && snapshot.records.desiredTarget !== undefined;
  context.records.push({ reservationId, tags, clearDesired });
}

/**
 * A managed allocation whose target is not the last recorded requested target: a run died between EC2's
 * update and its record (the next runs see the target already set and would never write one), or the
 * allocation was lent by hand before the service recorded anything. It gets a record now, once: the record
 * then matches the target. A change from a recorded target also gets its `Allocation Change Requested`
 * (`repaired: true`, from the last recorded target). A target never recorded at all (the first run on a
 * fleet lent by hand) is only recorded, as the baseline: no change from a known target is known, and
 * consumers read every requested change as a reclaim or a lend-back.
 * Only a settled (`active`) allocation is repaired: a run that has just updated writes its records at the
 * end of its chunk, and a repair racing it would overwrite its trigger, reason and deadline; the tracker
 * follows an in-flight allocation without a record anyway.
 */
function repairMissingRecord(snapshot: ReservationSnapshot | undefined, context: ActContext): void {
  const allocation = snapshot?.allocation;
  if (context.mode !== 'apply' || snapshot === undefined || allocation?.status !== 'active') return;
  const recorded = snapshot.records.lastRequest;
  if (recorded?.target === allocation.target) return;
  const { reservationId } = snapshot;
  const to = allocation.target;
  const from = recorded?.target ?? to;
  const reason =
    recorded === undefined
      ? `record missing: allocation target ${to} was never recorded by the service (set by hand, or before it managed this reservation)`
      : `record missing: allocation target ${to} was set without a record (last recorded target ${recorded.target}, ${recorded.trigger} at ${recorded.at.toISOString()})`;
  context.records.push({
    reservationId,
    tags: {
      ...lastRequestCodec.tags({ target: to, from, at: context.now, trigger: REPAIR_TRIGGER, reason }),
      // A reclaim whose record was lost lost its last-reclaim time too: the lend-back cooldown counts from now.
      ...(to < from ? lastReclaimCodec.tags(context.now) : {}),
      // The allocation is already settled at this target: the tracker must not report this record as a change
      // completing now, nor learn a reclaim duration from a requested-at that is only the time of the repair.
      ...trackerMemoryCodec.tags({ completedRequestAt: context.now }),
    },
    clearDesired: false,
  });
  if (recorded === undefined) {
    context.log.info('allocation target never recorded: recorded now as the baseline', { reservationId, to });
    return;
  }
  const detail: AllocationChangeDetail = {
    reservationId,
    from,
    to,
    trigger: REPAIR_TRIGGER,
    triggerId: context.trigger.id,
    reason,
    requestedAt: context.now.toISOString(),
    repaired: true,
  };
  context.events.push({
    detailType: DETAIL_TYPE.changeRequested,
    time: context.now,
    resources: [reservationId],
    detail,
  });
  context.log.warn('allocation change found without its record: recorded now', { reservationId, from, to });
}

/** Writes the pending request records; a record that fails is a warning, the change itself went through. */
async function writeRecords(context: ActContext): Promise<void> {
  const records = context.records.splice(0);
  if (records.length === 0) return;
  // Only this run knows the facts of its changes: a record it cannot write now leaves the previous request's
  // record behind, which the tracker then reads as an unknown request. So a failed write is tried once more.
  const firstFailures = await writeTags(context.gateways.capacity, records);
  const retried = new Set(firstFailures.map((failure) => failure.reservationId));
  const failures =
    retried.size === 0
      ? []
      : await writeTags(
          context.gateways.capacity,
          records.filter((record) => retried.has(record.reservationId)),
        );
  const failed = new Set(failures.map((failure) => failure.reservationId));
  const untagFailures = await deleteTags(
    context.gateways.capacity,
    records
      .filter((record) => !failed.has(record.reservationId))
      .map((record) => ({
        reservationId: record.reservationId,
        keys: [
          ...(record.clearDesired ? desiredTargetCodec.keys : []),
          ...(record.clearFailure ? failureCodec.keys : []),
        ],
      })),
  );
  // A missing record weakens the cooldown and costs the tracker this change's facts and deadline.
  countFailure(context.failures, FAILURE_METRIC.recordsNotWritten, failures.length + untagFailures.length);
  for (const { reservationId, error } of [...failures, ...untagFailures]) {
    context.warnings.push(`${reservationId}: request not recorded in tags: ${errorMessage(error)}`);
    context.log.warn('request not recorded', { reservationId, error });
  }
}

/** A desired target is void once the policy wants the allocation's own target, in flight or not. */
async function clearStaleDesired(snapshot: ReservationSnapshot, context: ActContext): Promise<void> {
  if (snapshot.records.desiredTarget === undefined) return;
  try {
    await context.gateways.capacity.untag(snapshot.reservationId, desiredTargetCodec.keys);
  } catch (error: unknown) {
    countFailure(context.failures, FAILURE_METRIC.recordsNotWritten);
    context.warnings.push(
      `${snapshot.reservationId}: stale desired target not cleared: ${errorMessage(error)}`,
    );
  }
}

/**
 * Publishes the run's events and makes sure the tracker runs while anything is in flight: what this run
 * changed or deferred, and anything it saw moving or waiting (level-triggered). EnableRule is idempotent, so
 * a failed enable, or a run that died after its update, is repaired by whichever run comes next.
 */
async function finish(
  outcomes: readonly ReservationOutcome[],
  observed: readonly ReservationSnapshot[],
  context: ActContext,
): Promise<void> {
  let refused: readonly ServiceEvent[] = [];
  if (context.events.length > 0) {
    try {
      const published = await context.gateways.events.publish(context.events);
      refused = published.rejected;
      countFailure(context.failures, FAILURE_METRIC.eventsNotPublished, published.failed.length);
      for (const failure of published.failed) {
        context.warnings.push(`event '${failure.detailType}' not published: ${failure.errorCode}`);
        context.log.error('event not published', { ...failure });
      }
    } catch (error: unknown) {
      refused = context.events;
      countFailure(context.failures, FAILURE_METRIC.eventsNotPublished, context.events.length);
      context.warnings.push(`events not published: ${errorMessage(error)}`);
      context.log.error('events not published', { error });
    }
  }
  const owed = await keepRefusedFailures(refused, context);
  // A failed change is retried once its backoff is over: the tracker is who comes back for it.
  const seenInFlight = new Set(observed.filter(needsTracker).map((snapshot) => snapshot.reservationId));
  for (const reservationId of owed) seenInFlight.add(reservationId);
  for (const outcome of outcomes) {
    if (
      outcome.outcome === 'updated' ||
      outcome.outcome === 'deferred' ||
      (outcome.outcome === 'failed' && outcome.error?.code !== RETRIES_EXHAUSTED)
    )
      seenInFlight.add(outcome.reservationId);
  }
  if (context.mode !== 'apply' || seenInFlight.size === 0) return;
  try {
    await context.gateways.events.enableTracker();
  } catch (error: unknown) {
    countFailure(context.failures, FAILURE_METRIC.trackerNotEnabled);
    context.warnings.push(`tracker not enabled: ${errorMessage(error)}`);
    context.log.error('tracker not enabled', { error });
  }
  // Raises the tracker-not-running alarm's half that only a poll of the tracker lowers again.
  context.inFlightSeen = seenInFlight.size;
}

/**
 * The outbox of `Allocation Change Failed`: a failure whose event PutEvents refused is kept on its
 * reservation, and the tracker (which every run wakes while one is owed) sends it again. Returns the
 * reservations that now owe one.
 */
async function keepRefusedFailures(refused: readonly ServiceEvent[], context: ActContext): Promise<string[]> {
  const owed = refused.flatMap((event) => {
    if (event.detailType !== DETAIL_TYPE.changeFailed) return [];
    const detail = event.detail as AllocationChangeDetail;
    const tags = owedFailureCodec.tags({
      requestedAt: new Date(detail.requestedAt),
      from: detail.from,
      to: detail.to,
      trigger: detail.trigger,
      errorCode: detail.errorCode ?? 'Unknown',
    });
    return [{ reservationId: detail.reservationId, tags }];
  });
  if (owed.length === 0) return [];
  const failures = await writeTags(context.gateways.capacity, owed);
  countFailure(context.failures, FAILURE_METRIC.recordsNotWritten, failures.length);
  for (const { reservationId, error } of failures) {
    context.warnings.push(
      `${reservationId}: refused failure event not kept for resending: ${errorMessage(error)}`,
    );
  }
  const lost = new Set(failures.map((failure) => failure.reservationId));
  return owed.map((entry) => entry.reservationId).filter((reservationId) => !lost.has(reservationId));
}

async function putDeniedCalls(gateways: Gateways, now: Date, log: Logger): Promise<void> {
  const metrics = runFailureMetrics({}, now);
  if (metrics.length === 0 || gateways.metrics === undefined) return;
  await gateways.metrics.put(metrics).catch((error: unknown) => {
    log.error('denied calls not put', { error });
  });
}

/**
 * Puts the run's failure counts, the calls IAM denied and the in-flight gauge; nothing when all went well.
 * A metric that cannot be put is a warning: the run's work is done, and its failures are in its log.
 */
async function putRunMetrics(context: ActContext): Promise<void> {
  const metrics = runFailureMetrics(context.failures, context.now);
  if (context.inFlightSeen !== undefined) {
    metrics.push(inFlightGauge(context.inFlightSeen, context.now));
  }
  if (metrics.length === 0 || context.gateways.metrics === undefined) return;
  try {
    await context.gateways.metrics.put(metrics);
  } catch (error: unknown) {
    context.warnings.push(`failure metrics not put: ${errorMessage(error)}`);
    context.log.error('failure metrics not put', { error, failures: context.failures });
  }
}

function changeEvent(
  detailType: typeof DETAIL_TYPE.changeRequested | typeof DETAIL_TYPE.changeFailed,
  decision: Decision,
  reason: string,
  context: ActContext,
  failure?: { code: string; message: string },
): ServiceEvent<AllocationChangeDetail> {
  const deadline = isoOrUndefined(decision.deadline);
  const accountId = context.accountOf.get(decision.reservationId);
  return {
    detailType,
    time: context.now,
    resources: [decision.reservationId],
    detail: {
      reservationId: decision.reservationId,
      ...(accountId === undefined ? {} : { accountId }),
      from: decision.currentTarget,
      to: decision.target,
      trigger: context.trigger.kind,
      triggerId: context.trigger.id,
      reason,
      requestedAt: context.now.toISOString(),
      ...(deadline === undefined ? {} : { deadline }),
      ...(context.trigger.requestedBy === undefined ? {} : { requestedBy: context.trigger.requestedBy }),
      ...(failure === undefined ? {} : { errorCode: failure.code, errorMessage: failure.message }),
    },
  };
}

function isoOrUndefined(value: Date | undefined): string | undefined {
  return value?.toISOString();
}

function count(outcomes: readonly ReservationOutcome[], outcome: Outcome): number {
  return outcomes.filter((entry) => entry.outcome === outcome).length;
}

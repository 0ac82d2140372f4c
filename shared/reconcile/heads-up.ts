/**
 * Tells borrowers ahead of EC2's 2-minute warning: `Reclaim Scheduled` on the heartbeat `headsUp.minutesBefore`
 * ahead of each planned reclaim, `Reclaim Started` when the reclaim is issued, `Reclaim Cancelled` when one
 * announced no longer happens. Each is published once per planned reclaim: the heads-up record on the source
 * (`records.headsUp`) is written only after PutEvents took the event, and a run that finds it sends
 * nothing again. Runs after the reconcile's own acting, on what it decided and did.
 */
import type { PolicyConfig } from '../config/schema.ts';
import type { HeadsUpRecord, HeadsUpState } from '../domain/records.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import { errorMessage } from '../errors/index.ts';
import { DETAIL_TYPE, type ReclaimNoticeDetail, type ServiceEvent } from '../events/service-events.ts';
import { type Gateways, writeTags } from '../gateways/index.ts';
import type { Logger } from '../logging/logger.ts';
import { instancesToReclaim, type PlannedReclaim, plannedReclaims } from '../policy/heads-up.ts';
import type { Observation, PolicyResult } from '../policy/types.ts';
import { headsUpCodec } from '../records/heads-up.ts';

/** What one reservation's reconcile did, as far as the heads-up needs it. */
export interface ActedOutcome {
  reservationId: string;
  outcome: 'updated' | 'unchanged' | 'deferred' | 'failed' | 'planned';
  from: number;
  to: number;
}

export interface AnnounceInput {
  observation: Observation;
  config: PolicyConfig;
  now: Date;
  result: PolicyResult;
  outcomes: readonly ActedOutcome[];
  gateways: Gateways;
  triggerId: string;
  log: Logger;
}

export interface AnnounceResult {
  published: number;
  /** Notices PutEvents refused: no record was written, so the next heartbeat sends them again. */
  notPublished: number;
  /** Notices sent whose record could not be written: the next heartbeat may send them twice. */
  notRecorded: number;
  warnings: string[];
}

interface Notice {
  event: ServiceEvent<ReclaimNoticeDetail>;
  record: HeadsUpRecord;
}

export async function announceReclaims(input: AnnounceInput): Promise<AnnounceResult> {
  const { observation, now } = input;
  const acted = new Map(input.outcomes.map((outcome) => [outcome.reservationId, outcome]));
  const snapshots = new Map(observation.reservations.map((snapshot) => [snapshot.reservationId, snapshot]));
  const plans = plannedReclaims(observation, input.config, now, input.result).filter((plan) =>
    acted.has(plan.reservationId),
  );
  const chosen: { plan: PlannedReclaim; snapshot: ReservationSnapshot; state: HeadsUpState }[] = [];
  for (const plan of plans) {
    const snapshot = snapshots.get(plan.reservationId);
    const outcome = acted.get(plan.reservationId);
    if (snapshot === undefined || outcome === undefined) continue;
    const state = nextState(plan, outcome, snapshot, now);
    if (state !== undefined) chosen.push({ plan, snapshot, state });
  }
  const empty: AnnounceResult = { published: 0, notPublished: 0, notRecorded: 0, warnings: [] };
  if (chosen.length === 0) return empty;

  const borrowed = await borrowersNow(
    input.gateways,
    chosen.filter((entry) => entry.state === 'scheduled').map((entry) => entry.plan.reservationId),
    input.log,
  );
  const notices = chosen.map(({ plan, snapshot, state }) => {
    // A reclaim this run issued is announced as issued, whatever the planned start's target was.
    const outcome = acted.get(plan.reservationId);
    const issued =
      state === 'started' && outcome?.outcome === 'updated'
        ? { ...plan, from: outcome.from, to: outcome.to }
        : plan;
    return notice(issued, snapshot, state, input, borrowed.get(plan.reservationId));
  });
  const warnings: string[] = [];
  let refused: ReadonlySet<ServiceEvent> = new Set();
  try {
    const published = await input.gateways.events.publish(notices.map((entry) => entry.event));
    refused = new Set(published.rejected);
    for (const failure of published.failed)
      warnings.push(`event '${failure.detailType}' not published: ${failure.errorCode}`);
  } catch (error: unknown) {
    refused = new Set(notices.map((entry) => entry.event));
    warnings.push(`reclaim notices not published: ${errorMessage(error)}`);
    input.log.error('reclaim notices not published', { error });
  }
  const sent = notices.filter((entry) => !refused.has(entry.event));
  const failures = await writeTags(
    input.gateways.capacity,
    sent.map((entry) => ({
      reservationId: entry.event.detail.reservationId,
      tags: headsUpCodec.tags(entry.record),
    })),
  );
  for (const { reservationId, error } of failures) {
    warnings.push(`${reservationId}: heads-up record not written: ${errorMessage(error)}`);
  }
  for (const entry of sent) {
    input.log.info('reclaim notice published', {
      detailType: entry.event.detailType,
      reservationId: entry.event.detail.reservationId,
      plannedStart: entry.event.detail.plannedStart,
    });
  }
  return {
    published: sent.length,
    notPublished: notices.length - sent.length,
    notRecorded: failures.length,
    warnings,
  };
}

/**
 * The notice this run owes for one reservation's planned reclaim, if any:
 * - `started`: this run lowered the target for the session (its reclaim, or any reclaim while a heads-up is
 *   out), or, once the planned start has passed, found that a run in between did (the tracker's deferred apply);
 * - `cancelled`: a heads-up is out and the policy no longer takes anything back for that session;
 * - `scheduled`: the heads-up is due, something will be taken back, and borrowers have not been told.
 */
export function nextState(
  plan: PlannedReclaim,
  outcome: ActedOutcome,
  snapshot: Pick<ReservationSnapshot, 'records'>,
  now: Date,
): HeadsUpState | undefined {
  const record = snapshot.records.headsUp;
  // The record names the planned reclaim by the open of the session it serves.
  const ours = record?.sessionOpen.getTime() === plan.session.open.getTime() ? record : undefined;
  const issuedReclaim = outcome.outcome === 'updated' && outcome.to < outcome.from;
  if (issuedReclaim && (plan.phase === 'due' || ours?.state === 'scheduled'))
    return ours?.state === 'started' ? undefined : 'started';
  if (ours?.state === 'scheduled') {
    if (plan.phase === 'ahead') return instancesToReclaim(plan) > 0 ? undefined : 'cancelled';
    // Still on its way (in flight, held by a backoff, or failed and retried): not cancelled.
    if (outcome.outcome !== 'unchanged') return undefined;
    const request = snapshot.records.lastRequest;
    const reclaimedSince =
      request !== undefined &&
      request.target < request.from &&
      request.at.getTime() >= plan.headsUpAt.getTime() &&
      request.at.getTime() <= now.getTime();
    return reclaimedSince ? 'started' : 'cancelled';
  }
  if (ours?.state === 'started') return undefined;
  if (plan.phase === 'ahead' && now.getTime() >= plan.headsUpAt.getTime() && instancesToReclaim(plan) > 0)
    return 'scheduled';
  return undefined;
}

/** The allocation's instances and how many of them borrowers run. */
interface Lent {
  current: number;
  borrowed: number;
}

/** Borrowers' running instances now, for the reservations about to be told: a failed read only drops `idleNow`. */
async function borrowersNow(
  gateways: Gateways,
  reservationIds: readonly string[],
  log: Logger,
): Promise<Map<string, Lent>> {
  const counts = new Map<string, Lent>();
  if (reservationIds.length === 0) return counts;
  try {
    const snapshots = await gateways.capacity.describeManaged({ reservationIds, borrowers: true });
    for (const snapshot of snapshots) {
      const allocation = snapshot.allocation;
      if (allocation?.borrowed !== undefined)
        counts.set(snapshot.reservationId, { current: allocation.current, borrowed: allocation.borrowed });
    }
  } catch (error: unknown) {
    log.warn('borrowers not read for the heads-up: idleNow left out', { error: errorMessage(error) });
  }
  return counts;
}

const DETAIL_TYPE_OF: Record<HeadsUpState, ServiceEvent['detailType']> = {
  scheduled: DETAIL_TYPE.reclaimScheduled,
  started: DETAIL_TYPE.reclaimStarted,
  cancelled: DETAIL_TYPE.reclaimCancelled,
};

function notice(
  plan: PlannedReclaim,
  snapshot: ReservationSnapshot,
  state: HeadsUpState,
  input: AnnounceInput,
  lent: Lent | undefined,
): Notice {
  const reclaiming = instancesToReclaim(plan);
  const allocation = snapshot.allocation;
  // Unused lent slots come back first (EC2's order), so only the rest interrupt anyone.
  const idleNow =
    lent === undefined ? undefined : Math.min(reclaiming, Math.max(0, lent.current - lent.borrowed));
  const name = input.result.decisions.find((decision) => decision.reservationId === plan.reservationId)?.name;
  const session = plan.session;
  const detail: ReclaimNoticeDetail = {
    reservationId: plan.reservationId,
    ...(snapshot.accountId === undefined ? {} : { accountId: snapshot.accountId }),
    ...(name === undefined ? {} : { name }),
    ...(allocation?.interruptibleReservationId === undefined
      ? {}
      : { interruptibleReservationId: allocation.interruptibleReservationId }),
    region: snapshot.region,
    availabilityZone: snapshot.availabilityZone,
    instanceType: snapshot.instanceType,
    from: plan.from,
    to: plan.to,
    instancesToReclaim: reclaiming,
    ...(idleNow === undefined ? {} : { idleNow, toInterrupt: reclaiming - idleNow }),
    plannedStart: plan.plannedStart.toISOString(),
    session: {
      market: plan.market,
      date: session.date,
      open: session.open.toISOString(),
      close: session.close.toISOString(),
    },
    headsUpMinutes: input.config.headsUp.minutesBefore,
    reason: plan.reasons.join('; '),
    triggerId: input.triggerId,
  };
  return {
    event: {
      detailType: DETAIL_TYPE_OF[state],
      time: input.now,
      resources: [
        plan.reservationId,
        ...(detail.interruptibleReservationId ? [detail.interruptibleReservationId] : []),
      ],
      detail,
    },
    record: { state, sessionOpen: session.open, plannedStart: plan.plannedStart },
  };
}

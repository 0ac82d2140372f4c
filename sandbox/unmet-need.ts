/**
 * The simulator's verdict: did each source reservation hold the instances the policy needed, in every minute
 * of every session? Measured from the endpoint's ground truth (the source's instance count as the endpoint
 * holds it, not what the service recorded), against the need of the pure policy (`decide`) on the same
 * observation, config and time, so the rules exist once.
 *
 * A shortfall is *reaction* while the need was raised inside the session (an alarm, an AZ impairment, an
 * on-call override) less than one physical reclaim ago: EC2's interruption warning plus the borrowers'
 * slowest shutdown, as the endpoint is set. Everything else is *late*: the service did not have the
 * capacity back when it knew it would be needed.
 */
import type { ReservationView } from '@odcr-reclaimer/local-aws/types.ts';
import type { Session } from '#shared/calendar/calendar.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { AlarmState, ReservationSnapshot } from '#shared/domain/reservation.ts';
import { decide } from '#shared/policy/index.ts';
import { readRecords } from '#shared/records/read-records.ts';
import type { ShortfallRecord, UnmetNeed, UnmetNeedSummary } from './result.ts';

const MINUTE_MS = 60_000;

/** What one look at the endpoint gives the meter. */
export interface GroundTruth {
  reservations: readonly ReservationView[];
  alarms: Record<string, AlarmState>;
  /** The learned lead's samples as the service would read them (they move the need before an open). */
  reclaimDurationsSeconds: readonly number[];
}

/** A raise of the need inside a session: up to `amount` short is reaction until `until`. */
interface Raise {
  amount: number;
  until: number;
}

interface ReservationState {
  totals: UnmetNeed;
  previousNeed?: number;
  /** Open of the session the previous minute lay in (undefined: outside every session). */
  previousSession?: number;
  raises: Raise[];
  open?: ShortfallRecord;
}

/** The source's instances as EC2 holds them: what the owner can run in it. */
export function heldInSource(view: ReservationView): number {
  return view.totalInstanceCount;
}

/** The endpoint's view as the policy's snapshot (the shape the EC2 gateway reads from Describe). */
export function snapshotOf(view: ReservationView): ReservationSnapshot {
  const snapshot: ReservationSnapshot = {
    reservationId: view.id,
    region: view.region,
    instanceType: view.instanceType,
    availabilityZone: view.availabilityZone,
    state: view.state,
    sourceTotal: view.totalInstanceCount,
    sourceAvailable: view.availableInstanceCount,
    owned: view.ownedInstanceCount,
    tags: view.tags,
    records: readRecords(view.tags),
  };
  if (view.allocation !== undefined) {
    snapshot.allocation = {
      interruptibleReservationId: view.allocation.interruptibleId,
      current: view.allocation.current,
      target: view.allocation.target,
      status: view.allocation.status,
      zeroSizePreference: view.allocation.zeroSizePreference,
      borrowed: view.allocation.borrowers.length,
    };
  }
  return snapshot;
}

const zero = (): UnmetNeed => ({ total: 0, late: 0, reaction: 0 });

export class UnmetNeedMeter {
  private readonly states = new Map<string, ReservationState>();
  private readonly shortfalls: ShortfallRecord[] = [];
  /** The last answer of the policy, for the same observation, until its decisions say it changes. */
  private last: { observation: string; until: number; needs: Map<string, number> } | undefined;

  /**
   * `sessionsOf`: each reservation's market sessions over the window (breaks inside them are not counted);
   * `reclaimMs`: how long a reclaim physically takes (warning + slowest shutdown).
   */
  constructor(
    private readonly config: PolicyConfig,
    private readonly sessionsOf: ReadonlyMap<string, readonly Session[]>,
    private readonly reclaimMs: number,
  ) {}

  /**
   * The policy's need per reservation at `at`. The same observation gets the same answer until the earliest
   * `nextChangeAt` of its decisions (the policy's own word for when time alone changes it), so most minutes
   * reuse the last answer instead of deciding again.
   */
  needs(truth: GroundTruth, at: number): Map<string, number> {
    const observation = {
      reservations: truth.reservations.map(snapshotOf),
      alarms: truth.alarms,
      reclaimDurationsSeconds: [...truth.reclaimDurationsSeconds],
    };
    const key = JSON.stringify(observation);
    const last = this.last;
    if (last !== undefined && last.observation === key && at < last.until) return last.needs;
    const { decisions } = decide(observation, this.config, new Date(at));
    let until = Number.POSITIVE_INFINITY;
    for (const decision of decisions) {
      const next = decision.nextChangeAt?.getTime();
      if (next !== undefined && next < until) until = next;
    }
    const needs = new Map(decisions.map((decision) => [decision.reservationId, decision.need]));
    this.last = { observation: key, until, needs };
    return needs;
  }

  /**
   * Counts the minute starting at `at` (a minute boundary) for every reservation; returns the needs it used.
   * The state at `at` stands for the whole minute.
   */
  measure(truth: GroundTruth, at: number): Map<string, number> {
    const needs = this.needs(truth, at);
    for (const view of truth.reservations) {
      const need = needs.get(view.id);
      if (need === undefined) continue;
      const state = this.stateOf(view.id);
      const session = this.sessionAt(view.id, at);
      const open = session?.open.getTime();
      if (
        open !== undefined &&
        state.previousSession === open &&
        state.previousNeed !== undefined &&
        need > state.previousNeed
      ) {
        state.raises.push({ amount: need - state.previousNeed, until: at + this.reclaimMs });
      }
      state.raises = state.raises.filter((raise) => raise.until > at);
      state.previousNeed = need;
      state.previousSession = open;
      const counted = session !== undefined && !inBreak(session, at);
      const held = heldInSource(view);
      const short = counted ? Math.max(0, need - held) : 0;
      const allowance = state.raises.reduce((sum, raise) => sum + raise.amount, 0);
      const reaction = Math.min(short, allowance);
      const late = short - reaction;
      state.totals.total += short;
      state.totals.reaction += reaction;
      state.totals.late += late;
      this.record(view.id, state, at, { short, late, reaction, need, held });
    }
    return needs;
  }

  summary(): UnmetNeedSummary {
    const byReservation: Record<string, UnmetNeed> = {};
    const totals = zero();
    for (const [id, state] of this.states) {
      byReservation[id] = { ...state.totals };
      totals.total += state.totals.total;
      totals.late += state.totals.late;
      totals.reaction += state.totals.reaction;
    }
    return { ...totals, byReservation };
  }

  /** Each run of consecutive short minutes per reservation, in time order. */
  shortfallRecords(): ShortfallRecord[] {
    return [...this.shortfalls].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  }

  private record(
    reservationId: string,
    state: ReservationState,
    at: number,
    minute: { short: number; late: number; reaction: number; need: number; held: number },
  ): void {
    if (minute.short === 0) {
      state.open = undefined;
      return;
    }
    let record = state.open;
    if (record === undefined || Date.parse(record.until) !== at) {
      record = {
        reservationId,
        from: new Date(at).toISOString(),
        until: new Date(at).toISOString(),
        lateInstanceMinutes: 0,
        reactionInstanceMinutes: 0,
        largestShort: 0,
        need: minute.need,
        held: minute.held,
      };
      state.open = record;
      this.shortfalls.push(record);
    }
    record.until = new Date(at + MINUTE_MS).toISOString();
    record.lateInstanceMinutes += minute.late;
    record.reactionInstanceMinutes += minute.reaction;
    if (minute.short > record.largestShort) {
      record.largestShort = minute.short;
      record.need = minute.need;
      record.held = minute.held;
    }
  }

  private stateOf(reservationId: string): ReservationState {
    let state = this.states.get(reservationId);
    if (state === undefined) {
      state = { totals: zero(), raises: [] };
      this.states.set(reservationId, state);
    }
    return state;
  }

  private sessionAt(reservationId: string, at: number): Session | undefined {
    for (const session of this.sessionsOf.get(reservationId) ?? []) {
      if (session.open.getTime() <= at && at < session.close.getTime()) return session;
    }
    return undefined;
  }
}

function inBreak(session: Session, at: number): boolean {
  return session.breaks.some((pause) => pause.start.getTime() <= at && at < pause.end.getTime());
}

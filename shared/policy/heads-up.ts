/**
 * The policy's view ahead: for each decided reservation, the reclaim it plans for the coming (or current)
 * session, when borrowers hear of it, and how many instances it takes. Pure, like `decide`: the target at
 * the planned start is `decide` itself run at that time on today's observation, so what the heads-up
 * announces is what the heartbeat at the planned start will do unless the world changes meanwhile.
 */
import type { Session } from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { plannedHeadsUp } from '../schedule/grid.ts';
import { closuresByMarket, decide } from './decide.ts';
import { calendarOptions, learnedLead, scheduleWindow } from './lead.ts';
import type { Decision, Observation, PolicyResult } from './types.ts';

export interface PlannedReclaim {
  reservationId: string;
  market: string;
  /** The session the reclaim serves: in progress, or the next one. */
  session: Session;
  /** The heartbeat the reclaim starts on (open − lead on the grid). */
  plannedStart: Date;
  /** The heartbeat borrowers hear of it on (`headsUp.minutesBefore` earlier, on the grid). */
  headsUpAt: Date;
  /** `ahead`: before the planned start; `due`: from the planned start to the close. */
  phase: 'ahead' | 'due';
  /** The allocation's target now. */
  from: number;
  /** The policy's target at the planned start (`ahead`) or now (`due`). */
  to: number;
  reasons: string[];
}

/**
 * The planned reclaim of every decision whose reservation the config names. `to` at the planned start is
 * only worked out once the heads-up is due (`now` ≥ headsUpAt); before that `to` is the target now.
 */
export function plannedReclaims(
  observation: Observation,
  config: PolicyConfig,
  now: Date,
  result: PolicyResult,
): PlannedReclaim[] {
  const lead = learnedLead(config, observation.reclaimDurationsSeconds ?? []).minutes;
  const calendar = calendarOptions(config, closuresByMarket(result.closures ?? []));
  const granularity = config.lead.scheduleGranularityMinutes;
  const markets = new Map(config.reservations.map((entry) => [entry.name, entry.market]));
  const planned: PlannedReclaim[] = [];
  for (const decision of result.decisions) {
    const market = decision.name === undefined ? undefined : markets.get(decision.name);
    if (market === undefined) continue;
    const window = scheduleWindow(market, now, lead, config, calendar);
    const { session, reclaimFrom } = window;
    const headsUpAt = plannedHeadsUp(
      reclaimFrom,
      config.headsUp.minutesBefore,
      session.timeZone,
      granularity,
    );
    planned.push({
      reservationId: decision.reservationId,
      market,
      session,
      plannedStart: reclaimFrom,
      headsUpAt,
      phase: window.inSession ? 'due' : 'ahead',
      from: decision.currentTarget,
      to: decision.target,
      reasons: decision.reasons,
    });
  }
  return withTargetsAtPlannedStart(planned, observation, config, now);
}

/** Instances a planned reclaim takes back (none when the policy keeps or raises the target). */
export function instancesToReclaim(plan: Pick<PlannedReclaim, 'from' | 'to'>): number {
  return Math.max(0, plan.from - plan.to);
}

/** For each heads-up already due, the target `decide` gives at the planned start: one decide per start time. */
function withTargetsAtPlannedStart(
  planned: PlannedReclaim[],
  observation: Observation,
  config: PolicyConfig,
  now: Date,
): PlannedReclaim[] {
  const starts = new Set(
    planned
      .filter((plan) => plan.phase === 'ahead' && plan.headsUpAt.getTime() <= now.getTime())
      .map((plan) => plan.plannedStart.getTime()),
  );
  const atStart = new Map<number, Map<string, Decision>>();
  for (const start of starts) {
    const { decisions } = decide(observation, config, new Date(start));
    atStart.set(start, new Map(decisions.map((decision) => [decision.reservationId, decision])));
  }
  return planned.map((plan) => {
    const later = atStart.get(plan.plannedStart.getTime())?.get(plan.reservationId);
    return later === undefined ? plan : { ...plan, to: later.target, reasons: later.reasons };
  });
}

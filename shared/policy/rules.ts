/**
 * The policy's rules, one function each: intents say how many instances the owner needs and why, guards say
 * why a lend-back must wait. `decide` runs them in order over one reservation; a new rule is a new function
 * added to one of the lists at the end of this file.
 */
import type { CalendarOptions, MarketId } from '../calendar/calendar.ts';
import type { AlarmAdjustment, NeedSpec, PolicyConfig } from '../config/schema.ts';
import type { Override } from '../domain/records.ts';
import type { AlarmState, AllocationState, ReservationSnapshot } from '../domain/reservation.ts';
import type { ScheduleWindow } from './lead.ts';

export type ReservationConfig = PolicyConfig['reservations'][number];

export type IntentSource = 'schedule' | 'az' | 'alarm' | 'override' | 'fail-safe';

/** One reason the owner needs instances in the source: the largest need wins. */
export interface Intent {
  source: IntentSource;
  need: number;
  reason: string;
}

/** Why a lend-back waits, and when that reason ends if it is known. */
export interface Blocker {
  reason: string;
  until?: Date;
}

export interface AzIntent {
  group: string;
  need: number;
  reason: string;
  /** Some AZ of the group is impaired: lending back is off for the whole group. */
  impaired: boolean;
  /** Impairment alarms of the group in INSUFFICIENT_DATA or not found: they might be in ALARM. */
  unknownAlarms: string[];
}

/** One market's calendar answers for one decision: the same for every reservation of the market. */
export interface MarketFacts {
  zone: string;
  window(): ScheduleWindow;
  localTime(date: Date): string;
  scheduleReason(window: ScheduleWindow, needText: string): string;
}

/** What every reservation's rules share in one decision. */
export interface Context {
  config: PolicyConfig;
  alarms: Record<string, AlarmState>;
  /** Why the alarms could not be read, when they could not: every lend-back waits. */
  alarmsUnreadable: string | undefined;
  now: Date;
  lead: number;
  azIntents: Map<string, AzIntent>;
  warnings: string[];
  /** The config's markets and on-call's short-notice closures, as the calendar reads them. */
  calendar: CalendarOptions;
  markets: Map<MarketId, MarketFacts>;
}

/** The facts about one reservation that its rules read, gathered once before they run. */
export interface Subject {
  snapshot: ReservationSnapshot;
  entry: ReservationConfig;
  owned: number;
  /** Absent when there is none or it was cancelled. */
  allocation: AllocationState | undefined;
  /** The target the decision starts from: what a failed change left lent, else the allocation's target. */
  currentTarget: number;
  market: MarketFacts;
  /** The session window, for an entry with a trading and an off-hours need. */
  window: ScheduleWindow | undefined;
  /** An active lend override that has not ended at a session's reclaim. */
  lendOverride: Override | undefined;
  reclaimOverride: Override | undefined;
  az: AzIntent | undefined;
  /** When the service last lowered the target: the cooldown counts from it. */
  lastReclaimAt: Date | undefined;
  /** Configured alarms that apply here and are in ALARM, by name. */
  alarmsInAlarm: string[];
  /** Alarms that apply here and are not known to be OK: they raise no need, but might be in ALARM. */
  alarmsUnknown: string[];
}

const MINUTE = 60_000;

// Intents that set the base need.

/** An on-call lend override replaces the schedule's need with what its target leaves. */
function lendOverrideIntent({ lendOverride, owned }: Subject): Intent | undefined {
  if (lendOverride === undefined) return undefined;
  return {
    source: 'override',
    need: Math.max(0, owned - lendOverride.target),
    reason: `on-call lend override: target ${lendOverride.target} until ${lendOverride.expiresAt.toISOString()}${lendOverride.spansSession ? ', spanning sessions' : ''}${setBy(lendOverride)} (${lendOverride.reason})`,
  };
}

/** In a session (from open − lead to the close) the trading need, else the off-hours need. */
function scheduleIntent({ lendOverride, window, entry, owned, market }: Subject): Intent | undefined {
  if (lendOverride !== undefined || window === undefined) return undefined;
  const spec = window.inSession ? entry.tradingNeed : entry.offHoursNeed;
  if (spec === undefined) return undefined;
  const need = resolveNeed(spec, owned);
  const needText = `${window.inSession ? 'trading' : 'off-hours'} need ${Math.min(need, owned)} of ${owned}`;
  return { source: 'schedule', need, reason: market.scheduleReason(window, needText) };
}

/** An AZ group member's share of the group's requirement (decide's azGroupIntents). */
function azIntent({ az }: Subject): Intent | undefined {
  return az === undefined ? undefined : { source: 'az', need: az.need, reason: az.reason };
}

// Intents that raise the need over the base.

/** Alarms add to or set the need over the base; they never lower it (the largest need wins). */
function alarmIntents(subject: Subject, context: Context, baseNeed: number): Intent[] {
  return subject.alarmsInAlarm.flatMap((alarmName) => {
    const alarm = context.config.alarms[alarmName];
    if (alarm === undefined) return [];
    const need = adjustNeed(alarm.adjustment, baseNeed, subject.owned);
    return [
      {
        source: 'alarm',
        need,
        reason: `alarm ${alarmName} in ALARM: ${describeAdjustment(alarm.adjustment)} → need ${Math.min(need, subject.owned)}`,
      },
    ];
  });
}

/** An on-call reclaim override caps the target for as long as it holds. */
function reclaimOverrideIntent({ reclaimOverride, owned }: Subject): Intent[] {
  if (reclaimOverride === undefined) return [];
  return [
    {
      source: 'override',
      need: Math.max(0, owned - reclaimOverride.target),
      reason: `on-call reclaim override: target at most ${reclaimOverride.target} until ${reclaimOverride.expiresAt.toISOString()}${setBy(reclaimOverride)} (${reclaimOverride.reason})`,
    },
  ];
}

// Guards that hold a lend-back.

function alarmInAlarmGuard({ alarmsInAlarm }: Subject): Blocker | undefined {
  return alarmsInAlarm.length === 0 ? undefined : { reason: `alarm ${alarmsInAlarm.join(', ')} in ALARM` };
}

/** Alarms only ever raise the need: while they cannot be read, nothing is lent back. */
function alarmsUnreadableGuard(_subject: Subject, context: Context): Blocker | undefined {
  return context.alarmsUnreadable === undefined
    ? undefined
    : { reason: `alarms could not be read (${context.alarmsUnreadable})` };
}

function alarmUnknownGuard({ alarmsUnknown }: Subject): Blocker | undefined {
  return alarmsUnknown.length === 0 ? undefined : { reason: `alarm ${alarmsUnknown.join(', ')}` };
}

function azImpairmentGuard({ az }: Subject): Blocker | undefined {
  return az?.impaired ? { reason: `AZ impairment in group ${az.group}` } : undefined;
}

function reclaimOverrideGuard({ reclaimOverride }: Subject): Blocker | undefined {
  return reclaimOverride === undefined ? undefined : { reason: 'an on-call reclaim override is active' };
}

function sessionGuard({ window, entry, market }: Subject): Blocker | undefined {
  if (!window?.inSession) return undefined;
  return { reason: `${entry.market} session until ${market.localTime(window.session.close)} ${market.zone}` };
}

/** Nothing is lent for the last minutes before a session's reclaim: it would only be taken back. */
function quietGuard({ window, market }: Subject, { config, now }: Context): Blocker | undefined {
  if (window === undefined || window.inSession) return undefined;
  const quietFrom = new Date(window.reclaimFrom.getTime() - config.guards.quietMinutes * MINUTE);
  if (now < quietFrom) return undefined;
  return {
    reason: `quiet: ${config.guards.quietMinutes} min before the reclaim at ${market.localTime(window.reclaimFrom)}`,
  };
}

/** Hysteresis against flapping, for every reservation (AZ group members have no schedule, yet flap the same). */
function cooldownGuard(
  { lastReclaimAt: lastReclaim, market }: Subject,
  { config, now }: Context,
): Blocker | undefined {
  if (lastReclaim === undefined) return undefined;
  const cooldownEnds = new Date(lastReclaim.getTime() + config.guards.cooldownMinutes * MINUTE);
  if (now >= cooldownEnds) return undefined;
  return {
    reason: `cooldown until ${market.localTime(cooldownEnds)} (last reclaim ${market.localTime(lastReclaim)})`,
    until: cooldownEnds,
  };
}

/** Intents that set the base need, in the order their reasons are told when needs are equal. */
export const BASE_INTENTS: readonly ((subject: Subject, context: Context) => Intent | undefined)[] = [
  lendOverrideIntent,
  scheduleIntent,
  azIntent,
];

/** Intents that raise the need over the base one. */
export const RAISING_INTENTS: readonly ((
  subject: Subject,
  context: Context,
  baseNeed: number,
) => Intent[])[] = [alarmIntents, reclaimOverrideIntent];

type Guard = (subject: Subject, context: Context) => Blocker | undefined;

/** Guards that hold every lend-back. */
export const LEND_BACK_GUARDS: readonly Guard[] = [
  alarmInAlarmGuard,
  alarmsUnreadableGuard,
  alarmUnknownGuard,
  azImpairmentGuard,
  reclaimOverrideGuard,
];

/**
 * Guards an on-call lend override passes: it is an explicit instruction. The session and quiet guards apply
 * only where there is a schedule; the cooldown everywhere.
 */
export const AUTOMATIC_LEND_BACK_GUARDS: readonly Guard[] = [sessionGuard, quietGuard, cooldownGuard];

export function setBy(override: Override): string {
  return override.requestedBy === undefined ? '' : ` set by ${override.requestedBy}`;
}

/** A need spec as a count: `all` is everything owned, a percentage rounds up (fail safe). */
export function resolveNeed(spec: NeedSpec, owned: number): number {
  if (spec === 'all') return owned;
  if (typeof spec === 'number') return spec;
  return Math.ceil((owned * spec.percent) / 100);
}

/** Auto Scaling step-policy semantics applied to the need (minStep = MinAdjustmentMagnitude). */
export function adjustNeed(adjustment: AlarmAdjustment, baseNeed: number, owned: number): number {
  switch (adjustment.type) {
    case 'all':
      return owned;
    case 'exact':
      return adjustment.value;
    case 'delta':
      return baseNeed + Math.max(adjustment.value, adjustment.minStep ?? 0);
    case 'percent':
      return baseNeed + Math.max(Math.ceil((baseNeed * adjustment.value) / 100), adjustment.minStep ?? 0);
  }
}

function describeAdjustment(adjustment: AlarmAdjustment): string {
  switch (adjustment.type) {
    case 'all':
      return 'all capacity';
    case 'exact':
      return `need exactly ${adjustment.value}`;
    case 'delta':
      return `need +${adjustment.value}`;
    case 'percent':
      return `need +${adjustment.value}%`;
  }
}

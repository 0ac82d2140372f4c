/**
 * The policy: for each managed source reservation, one absolute allocation target and the
 * reason in words. A pure function of (observation, config, now): no I/O, no clock, no environment, so
 * the reconcile, the CLI's plan and the simulator all get the same answer for the same inputs.
 */
import { DateTime } from 'luxon';
import {
  type CalendarOptions,
  calendarWarnings,
  dayStatus,
  isKnownMarket,
  localDate,
  type MarketId,
  marketTimeZone,
} from '../calendar/calendar.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { ec2RequestLimits } from '../domain/ec2-request-limits.ts';
import { type Override, overrideStanding, type ShortNoticeClosure } from '../domain/records.ts';
import {
  type AlarmState,
  type AllocationState,
  EC2_MAX_ALLOCATION,
  IN_FLIGHT_STATUSES,
  type ReservationSnapshot,
} from '../domain/reservation.ts';
import { closureList, observedClosures } from './closures.ts';
import {
  calendarOptions,
  floorToScheduleGrid,
  learnedLead,
  reclaimSendingMinutes,
  scheduleWindow,
} from './lead.ts';
import {
  AUTOMATIC_LEND_BACK_GUARDS,
  type AzIntent,
  BASE_INTENTS,
  type Blocker,
  type Context,
  type Intent,
  LEND_BACK_GUARDS,
  type MarketFacts,
  RAISING_INTENTS,
  type ReservationConfig,
  type Subject,
  setBy,
} from './rules.ts';
import type { Decision, DecisionAction, Observation, PolicyResult } from './types.ts';

export { adjustNeed, resolveNeed } from './rules.ts';

interface Matched {
  snapshot: ReservationSnapshot;
  entry: ReservationConfig;
}

function marketFacts(context: Context, market: MarketId): MarketFacts {
  const known = context.markets.get(market);
  if (known !== undefined) return known;
  const { config, now, lead, calendar } = context;
  const zone = marketTimeZone(market, calendar);
  let window: ReturnType<typeof scheduleWindow> | undefined;
  const localTimes = new Map<number, string>();
  const reasons = new Map<string, string>();
  const facts: MarketFacts = {
    zone,
    window: () => {
      window ??= scheduleWindow(market, now, lead, config, calendar);
      return window;
    },
    localTime: (date) => {
      let text = localTimes.get(date.getTime());
      if (text === undefined) {
        text = DateTime.fromJSDate(date, { zone }).toFormat('HH:mm');
        localTimes.set(date.getTime(), text);
      }
      return text;
    },
    scheduleReason: (scheduleWindowNow, needText) => {
      let reason = reasons.get(needText);
      if (reason === undefined) {
        reason = describeSchedule(market, scheduleWindowNow, lead, now, config, needText, calendar);
        reasons.set(needText, reason);
      }
      return reason;
    },
  };
  context.markets.set(market, facts);
  return facts;
}

function largestNeed(intents: readonly Intent[]): number {
  let largest = Number.NEGATIVE_INFINITY;
  for (const intent of intents) if (intent.need > largest) largest = intent.need;
  return largest;
}

/** The allocation is gone for the policy: lending again needs a Create. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['canceled']);

/** One decision per configured, observed reservation, plus warnings an operator should read. */
export function decide(observation: Observation, config: PolicyConfig, now: Date): PolicyResult {
  const warnings: string[] = [];
  const learned = learnedLead(
    config,
    observation.reclaimDurationsSeconds ?? [],
    reclaimSendingMinutes(observation.reservations, ec2RequestLimits(config.ec2RequestLimits)),
  );
  const lead = learned.minutes;
  if (learned.wanted !== undefined) {
    warnings.push(
      `measured reclaims ask for a ${learned.wanted}-min lead, above lead.maximumMinutes (${lead}): reclaims start ${lead} min before the open; raise lead.maximumMinutes and redeploy (the heartbeats start that long before each open)`,
    );
  }
  const matched = matchReservations(observation.reservations, config, warnings);
  if (observation.alarmsUnreadable === undefined) warnUnobservedAlarms(config, observation.alarms, warnings);
  const markets = new Set(matched.map(({ entry }) => entry.market));
  for (const market of markets) {
    warnings.push(...calendarWarningsFor(market, now, config));
  }
  const azIntents = azGroupIntents(
    config,
    matched,
    observation.alarms,
    observation.alarmsUnreadable !== undefined,
    warnings,
  );
  const closures = upcomingClosures(observation, config, now);
  const context: Context = {
    config,
    alarms: observation.alarms,
    alarmsUnreadable: observation.alarmsUnreadable,
    now,
    lead,
    azIntents,
    warnings,
    calendar: calendarOptions(config, closuresByMarket(closures)),
    markets: new Map(),
  };
  const decisions = matched.map((match) => decideOne(match, context));
  return closures.length === 0 ? { decisions, warnings } : { decisions, warnings, closures };
}

/**
 * On-call's short-notice closures of configured markets (tags on any observed reservation), from the
 * market's local today on: past ones change nothing and are not worth showing.
 */
function upcomingClosures(observation: Observation, config: PolicyConfig, now: Date): ShortNoticeClosure[] {
  const options = calendarOptions(config);
  return closureList(observedClosures(observation.reservations)).filter(
    (closure) =>
      isKnownMarket(closure.market, options) &&
      closure.date >= localDate(now, marketTimeZone(closure.market, options)),
  );
}

/** On-call's closures as the calendar takes them (they move sessions). */
export function closuresByMarket(closures: readonly ShortNoticeClosure[]): CalendarOptions['closures'] {
  const byMarket: Record<string, Record<string, string>> = {};
  for (const { market, date, reason } of closures) {
    const dates = byMarket[market] ?? {};
    dates[date] = `short-notice closure by on-call: ${reason}`;
    byMarket[market] = dates;
  }
  return byMarket;
}

function calendarWarningsFor(market: MarketId, now: Date, config: PolicyConfig): string[] {
  return calendarWarnings(market, now, calendarOptions(config));
}

/**
 * One reservation's decision: gather its facts, take the largest of the intents' needs, bound the target by
 * the config and EC2, then hold a lend-back if any guard argues against it. Each step says its reason.
 */
function decideOne(match: Matched, context: Context): Decision {
  const { now } = context;
  const { snapshot, entry } = match;
  if (snapshot.state !== 'active') {
    const currentTarget = startingTarget(activeAllocation(snapshot));
    return {
      reservationId: snapshot.reservationId,
      name: entry.name,
      owned: snapshot.owned,
      currentTarget,
      zeroSizePreference: entry.zeroSizePreference,
      need: snapshot.owned,
      target: currentTarget,
      action: 'hold',
      reasons: [`source reservation is ${snapshot.state}, not active: left alone`],
    };
  }
  const notes: string[] = [];
  const nextChanges: Date[] = [];
  const subject = gatherSubject(match, context, notes, nextChanges);
  const { owned, allocation, currentTarget } = subject;

  const intents = baseIntents(subject, context);
  const baseNeed = largestNeed(intents);
  for (const raise of RAISING_INTENTS) intents.push(...raise(subject, context, baseNeed));
  const rawNeed = largestNeed(intents);
  const need = Math.min(rawNeed, owned);
  const winner = intents.find((intent) => intent.need === rawNeed);
  const reasons = [...notes, ...[...intents].sort((a, b) => b.need - a.need).map((intent) => intent.reason)];
  if (rawNeed > owned)
    reasons.push(`need ${rawNeed} exceeds the ${owned} owned: everything stays in the source`);

  let target = boundedTarget(subject, need, reasons);
  if (target > currentTarget) {
    const blockers = lendBackBlockers(subject, context);
    for (const blocker of blockers) if (blocker.until !== undefined) nextChanges.push(blocker.until);
    if (blockers.length > 0) {
      reasons.push(
        `lend-back of ${target - currentTarget} held: ${blockers.map((blocker) => blocker.reason).join('; ')}`,
      );
      target = currentTarget;
    }
  }

  let action: DecisionAction = target < currentTarget ? 'reclaim' : target > currentTarget ? 'lend' : 'hold';
  if (allocation !== undefined && IN_FLIGHT_STATUSES.includes(allocation.status)) {
    reasons.unshift(
      `allocation is ${allocation.status} (now ${allocation.current}, target ${allocation.target}): no update until it is active; then target ${target}`,
    );
    action = 'wait';
  }

  const decision: Decision = {
    reservationId: snapshot.reservationId,
    name: entry.name,
    owned,
    currentTarget,
    zeroSizePreference: entry.zeroSizePreference,
    need,
    target,
    action,
    reasons,
  };
  const nextChangeAt = earliestAfter(nextChanges, now);
  if (nextChangeAt !== undefined) decision.nextChangeAt = nextChangeAt;
  // The open the capacity must be back by: only while it is still ahead. A reclaim once the session is open
  // is not "for" that open (it has passed), so it carries no deadline to miss.
  const { window } = subject;
  if (action === 'reclaim' && winner?.source === 'schedule' && window?.inSession && window.session.open > now)
    decision.deadline = window.session.open;
  return decision;
}

/**
 * The facts every rule reads. Notes (a failed change, an ignored or ended override) go to `notes`, the times
 * at which the answer changes (override expiry, session boundaries) to `nextChanges`.
 */
function gatherSubject(
  { snapshot, entry }: Matched,
  context: Context,
  notes: string[],
  nextChanges: Date[],
): Subject {
  const allocation = activeAllocation(snapshot);
  const currentTarget = startingTarget(allocation);
  const market = marketFacts(context, entry.market);
  const hasSchedule = entry.tradingNeed !== undefined && entry.offHoursNeed !== undefined;
  const window = hasSchedule ? market.window() : undefined;
  const subject: Subject = {
    snapshot,
    entry,
    owned: snapshot.owned,
    allocation,
    currentTarget,
    market,
    window,
    lendOverride: undefined,
    reclaimOverride: undefined,
    az: context.azIntents.get(snapshot.reservationId),
    lastReclaimAt: snapshot.records.lastReclaimAt,
    alarmsInAlarm: [],
    alarmsUnknown: [],
  };
  if (allocation?.status === 'failed') {
    notes.push(
      `allocation failed to reach ${allocation.target}: ${allocation.current} still lent, the change is made again`,
    );
  }
  const override = activeOverride(snapshot, context, notes);
  if (override !== undefined) nextChanges.push(override.expiresAt);
  if (override?.action === 'reclaim') subject.reclaimOverride = override;
  // When the deployed heartbeats act: the lend-back runs on the first heartbeat at or after the close.
  if (window !== undefined) nextChanges.push(window.inSession ? window.lendFrom : window.reclaimFrom);
  if (override?.action === 'lend')
    subject.lendOverride = hasSchedule
      ? lendOverrideStanding(subject, override, context, notes, nextChanges)
      : override;
  const alarms = applicableAlarms(subject, context);
  subject.alarmsInAlarm = alarms.inAlarm;
  subject.alarmsUnknown = alarms.unknown;
  return subject;
}

/** The allocation the policy works with: a cancelled one is gone (lending again needs a Create). */
function activeAllocation(snapshot: ReservationSnapshot): AllocationState | undefined {
  return snapshot.allocation !== undefined && !ENDED_STATUSES.has(snapshot.allocation.status)
    ? snapshot.allocation
    : undefined;
}

/**
 * The target a decision starts from. A failed change left the allocation where it was: its instances are
 * still lent, whatever target it failed to reach, so the decision starts from what is lent now and the change
 * is made again.
 */
function startingTarget(allocation: AllocationState | undefined): number {
  return allocation?.status === 'failed' ? allocation.current : (allocation?.target ?? 0);
}

/** A lend override ends at the first session's reclaim after it was set, unless it says it spans it. */
function lendOverrideStanding(
  { snapshot, entry, market }: Subject,
  lendOverride: Override,
  context: Context,
  notes: string[],
  nextChanges: Date[],
): Override | undefined {
  const sessionReclaim = nextReclaimStart(entry.market, lendOverride.setAt, context);
  if (!lendOverride.spansSession && context.now >= sessionReclaim) {
    notes.push(
      `on-call lend override (target ${lendOverride.target}${setBy(lendOverride)}) ended at the ${entry.market} reclaim at ${market.localTime(sessionReclaim)} ${market.zone}: it was not set to span a session`,
    );
    return undefined;
  }
  if (!lendOverride.spansSession) {
    nextChanges.push(sessionReclaim);
  } else if (sessionReclaim < lendOverride.expiresAt) {
    // Said on every decision while it holds (status and plan show the policy's warnings).
    context.warnings.push(
      `${snapshot.reservationId}: lend override (target ${lendOverride.target}${setBy(lendOverride)}) spans the ${entry.market} reclaim at ${sessionReclaim.toISOString()}: that session's capacity stays lent until ${lendOverride.expiresAt.toISOString()}`,
    );
  }
  return lendOverride;
}

/** The configured alarms that apply to the reservation: those in ALARM, and those not known to be OK. */
function applicableAlarms(
  { snapshot, entry, az }: Subject,
  context: Context,
): { inAlarm: string[]; unknown: string[] } {
  const inAlarm: string[] = [];
  const unknown: string[] = [...(az?.unknownAlarms ?? [])];
  for (const [alarmName, alarm] of Object.entries(context.config.alarms)) {
    if (!alarmApplies(alarm.scope, entry, snapshot, context.config)) continue;
    const state = context.alarms[alarmName];
    if (state === 'ALARM') inAlarm.push(alarmName);
    else if (state !== 'OK' && alarm.treatMissingAs !== 'ok' && context.alarmsUnreadable === undefined)
      unknown.push(state === undefined ? `${alarmName} not found` : `${alarmName} in ${state}`);
  }
  return { inAlarm, unknown };
}

/** The intents that set the base need; with none, everything is kept (fail safe). */
function baseIntents(subject: Subject, context: Context): Intent[] {
  const intents = BASE_INTENTS.flatMap((intent) => intent(subject, context) ?? []);
  if (intents.length > 0) return intents;
  return [
    {
      source: 'fail-safe',
      need: subject.owned,
      reason: 'no schedule or AZ group applies: all capacity kept (fail safe)',
    },
  ];
}

/** What is not needed, within the configured floor and ceiling, then EC2's bounds. */
function boundedTarget(
  { entry, owned, allocation, snapshot }: Subject,
  need: number,
  reasons: string[],
): number {
  const allocatedNow = allocation?.current ?? 0;
  let target = Math.min(entry.ceiling, Math.max(entry.floor, owned - need));
  if (target !== owned - need)
    reasons.push(`allocation kept within floor ${entry.floor} and ceiling ${entry.ceiling}`);
  // Only unused capacity can be lent.
  const lendable = allocatedNow + snapshot.sourceAvailable;
  if (target > lendable) {
    reasons.push(
      `only ${snapshot.sourceAvailable} unused in the source: at most ${lendable} can be allocated`,
    );
    target = lendable;
  }
  // An allocation holds at most EC2_MAX_ALLOCATION, and one change moves at most as many.
  if (target > EC2_MAX_ALLOCATION) target = EC2_MAX_ALLOCATION;
  if (Math.abs(target - allocatedNow) > EC2_MAX_ALLOCATION) {
    target = allocatedNow + Math.sign(target - allocatedNow) * EC2_MAX_ALLOCATION;
  }
  return Math.max(0, target);
}

/** Every guard's objection to lending back now; an on-call lend override passes the automatic ones. */
function lendBackBlockers(subject: Subject, context: Context): Blocker[] {
  const guards =
    subject.lendOverride === undefined
      ? [...LEND_BACK_GUARDS, ...AUTOMATIC_LEND_BACK_GUARDS]
      : LEND_BACK_GUARDS;
  return guards.flatMap((guard) => guard(subject, context) ?? []);
}

/** The earliest of `dates` strictly after `now`. */
function earliestAfter(dates: readonly Date[], now: Date): Date | undefined {
  let earliest: Date | undefined;
  for (const date of dates) {
    if (date.getTime() > now.getTime() && (earliest === undefined || date.getTime() < earliest.getTime()))
      earliest = date;
  }
  return earliest;
}

/** The first session reclaim (open − lead, on the heartbeat grid) strictly after `after`. */
function nextReclaimStart(market: MarketId, after: Date, context: Context): Date {
  let window = scheduleWindow(market, after, context.lead, context.config);
  // Sessions are at least minutes apart: a handful of steps always reaches the next one.
  for (let step = 0; step < 8 && window.reclaimFrom.getTime() <= after.getTime(); step++) {
    window = scheduleWindow(
      market,
      new Date(window.session.close.getTime() + 1),
      context.lead,
      context.config,
    );
  }
  return window.reclaimFrom;
}

function activeOverride(
  snapshot: ReservationSnapshot,
  context: Context,
  reasons: string[],
): Override | undefined {
  const unreadable = snapshot.records.malformed.find((record) => record.record === 'override');
  const override = snapshot.records.override;
  const standing = override === undefined ? undefined : overrideStanding(override, context.now);
  const problem = standing?.kind === 'rejected' ? standing.problem : unreadable?.problem;
  if (problem !== undefined) {
    context.warnings.push(`${snapshot.reservationId}: override ignored: ${problem}`);
    reasons.push(`override ignored: ${problem}`);
    return undefined;
  }
  if (override === undefined) return undefined;
  if (standing?.kind === 'expired') {
    reasons.push(
      `override (${override.action} to ${override.target}) expired at ${override.expiresAt.toISOString()}`,
    );
    return undefined;
  }
  return override;
}

function describeSchedule(
  market: MarketId,
  window: ReturnType<typeof scheduleWindow>,
  lead: number,
  now: Date,
  config: PolicyConfig,
  needText: string,
  calendar: CalendarOptions,
): string {
  const { session } = window;
  const breaks = session.breaks.map((pause) => `, break ${pause.startLocal}–${pause.endLocal}`).join('');
  const hours = `${session.openLocal}–${session.closeLocal} ${session.timeZone}${breaks}`;
  // Said only when the heartbeat grid moved the start earlier than open − lead.
  const onGrid = window.reclaimFrom.getTime() === session.open.getTime() - lead * 60_000;
  const rounded = floorToScheduleGrid(
    new Date(session.open.getTime() - lead * 60_000),
    session.timeZone,
    config.lead.scheduleGranularityMinutes,
  );
  const gridText = onGrid
    ? ''
    : rounded.getTime() === window.reclaimFrom.getTime()
      ? `, rounded down to the ${config.lead.scheduleGranularityMinutes}-min heartbeat grid`
      : ', moved before 01:00 local: no heartbeat fires from 01:00 to 03:00, where DST skips or repeats times';
  const reclaimFrom = DateTime.fromJSDate(window.reclaimFrom, { zone: session.timeZone }).toFormat('HH:mm');
  const early = session.earlyClose
    ? `, early close ${session.closeLocal}${session.note ? `: ${session.note}` : ''}`
    : '';
  const assumed = session.assumed ? ', assumed: outside calendar data' : '';
  const day = `${session.date}${early}${assumed}`;
  if (window.inSession && session.open > now) {
    const start = onGrid ? '' : `; reclaim from ${reclaimFrom}${gridText}`;
    return `${market} opens ${session.openLocal} ${session.timeZone} (${day}); lead ${lead} min${start}; ${needText}`;
  }
  if (window.inSession) {
    const lendFrom =
      window.lendFrom.getTime() === session.close.getTime()
        ? ''
        : `, lend-back on the ${DateTime.fromJSDate(window.lendFrom, { zone: session.timeZone }).toFormat('HH:mm')} heartbeat`;
    return `${market} session ${hours} (${day}); closes ${session.closeLocal}${lendFrom}; ${needText}`;
  }
  const today = DateTime.fromJSDate(now, { zone: session.timeZone }).toISODate() ?? '';
  const status = dayStatus(market, today, calendar);
  // With a lent lunch break the day has several sessions: the latest one closed is the one to name.
  const closedToday = status.sessions.filter((part) => part.close <= now).pop();
  const closed =
    status.closure !== undefined
      ? `closed today (${status.closure})`
      : status.session === undefined
        ? 'closed today (weekend)'
        : closedToday !== undefined
          ? `closed since ${closedToday.closeLocal}`
          : 'not open yet';
  return `${market} ${closed}; next session ${session.date} ${hours}${early}${assumed}; reclaim from ${reclaimFrom} (lead ${lead} min${gridText}); ${needText}`;
}

function refersTo(ref: string, entry: ReservationConfig, snapshot?: ReservationSnapshot): boolean {
  return ref === entry.name || ref === entry.id || (snapshot !== undefined && ref === snapshot.reservationId);
}

function alarmApplies(
  scope: PolicyConfig['alarms'][string]['scope'],
  entry: ReservationConfig,
  snapshot: ReservationSnapshot,
  config: PolicyConfig,
): boolean {
  if (scope.reservations.some((ref) => refersTo(ref, entry, snapshot))) return true;
  return config.azGroups.some(
    (group) =>
      scope.groups.includes(group.name) &&
      group.reservations.some(
        (member) => refersTo(member.reservation, entry) && member.az === snapshot.availabilityZone,
      ),
  );
}

function matchReservations(
  snapshots: ReservationSnapshot[],
  config: PolicyConfig,
  warnings: string[],
): Matched[] {
  const matched: Matched[] = [];
  for (const snapshot of snapshots) {
    const byId = config.reservations.find((entry) => entry.id === snapshot.reservationId);
    const bySelector = config.reservations.filter(
      (entry) =>
        entry.selector !== undefined &&
        Object.entries(entry.selector.tags).every(([key, value]) => snapshot.tags[key] === value),
    );
    const entry = byId ?? bySelector[0];
    if (entry === undefined) {
      warnings.push(
        `${snapshot.reservationId} is observed but matches no configured reservation: left alone`,
      );
      continue;
    }
    if (byId === undefined && bySelector.length > 1) {
      warnings.push(
        `${snapshot.reservationId} matches several selectors (${bySelector.map((e) => e.name).join(', ')}): using ${entry.name}`,
      );
    }
    matched.push({ snapshot, entry });
  }
  for (const entry of config.reservations) {
    if (!matched.some((match) => match.entry === entry)) {
      warnings.push(
        entry.id !== undefined
          ? `${entry.name} (${entry.id}) is configured but was not observed`
          : `${entry.name}: its selector matches no observed reservation`,
      );
    }
  }
  return matched;
}

function warnUnobservedAlarms(
  config: PolicyConfig,
  alarms: Record<string, AlarmState>,
  warnings: string[],
): void {
  const names = new Set([
    ...Object.keys(config.alarms),
    ...config.azGroups.flatMap((group) => Object.values(group.impairmentAlarms)),
  ]);
  for (const name of names) {
    if (alarms[name] === undefined)
      warnings.push(
        config.alarms[name]?.treatMissingAs === 'ok'
          ? `alarm ${name} was not observed: treated as OK (its treatMissingAs)`
          : `alarm ${name} was not observed: it raises no need, and holds the lend-back where it applies`,
      );
  }
}

/**
 * AZ groups: each AZ reserves ceil(required / (k − 1)) so losing one still leaves `required`; in normal
 * times each needs ceil(required / k). When AZs are impaired the survivors need ceil(required / survivors),
 * and when that is more than they hold the workload cannot be covered: they keep everything, and we warn.
 */
function azGroupIntents(
  config: PolicyConfig,
  matched: Matched[],
  alarms: Record<string, AlarmState>,
  alarmsUnreadable: boolean,
  warnings: string[],
): Map<string, AzIntent> {
  const intents = new Map<string, AzIntent>();
  for (const group of config.azGroups) {
    // Unreadable alarms hold every lend-back already; otherwise each unknown impairment alarm holds the group's.
    const unknownAlarms = alarmsUnreadable
      ? []
      : Object.values(group.impairmentAlarms).flatMap((alarm) => {
          const state = alarms[alarm];
          if (state === 'OK' || state === 'ALARM') return [];
          return [state === undefined ? `${alarm} not found` : `${alarm} in ${state}`];
        });
    const k = group.reservations.length;
    const normal = Math.ceil(group.required / k);
    const reserve = Math.ceil(group.required / (k - 1));
    const impaired = group.reservations
      .filter((member) => {
        const alarm = group.impairmentAlarms[member.az];
        return alarm !== undefined && alarms[alarm] === 'ALARM';
      })
      .map((member) => member.az);
    const survivors = k - impaired.length;
    const perSurvivor = survivors > 0 ? Math.ceil(group.required / survivors) : Number.POSITIVE_INFINITY;
    let uncovered = survivors === 0;

    for (const member of group.reservations) {
      const members = matched.filter(
        ({ entry, snapshot }) =>
          refersTo(member.reservation, entry, snapshot) && snapshot.availabilityZone === member.az,
      );
      if (members.length === 0) {
        warnings.push(`${group.name}: no observed reservation for ${member.az} (${member.reservation})`);
      }
      for (const { snapshot } of members) {
        const isImpaired = impaired.includes(member.az);
        let need = normal;
        let reason = `${group.name}: ${group.required} over ${k} AZs, ${normal} needed per AZ in normal times (${reserve} reserved)`;
        if (impaired.length > 0 && !isImpaired) {
          need = perSurvivor;
          reason = `${group.name}: ${impaired.join(', ')} impaired; ${group.required} over ${survivors} AZ(s) → need ${perSurvivor} in ${member.az}`;
          if (perSurvivor > snapshot.owned) {
            uncovered = true;
            need = snapshot.owned;
            reason = `${group.name}: ${impaired.join(', ')} impaired; the workload cannot be covered (${perSurvivor} needed in ${member.az}, ${snapshot.owned} held): everything reclaimed`;
          }
        } else if (isImpaired) {
          reason = `${group.name}: ${member.az} impaired; its capacity is not counted on (need ${normal})`;
          if (survivors === 0) need = snapshot.owned;
        }
        intents.set(snapshot.reservationId, {
          group: group.name,
          need,
          reason,
          impaired: impaired.length > 0,
          unknownAlarms,
        });
      }
    }
    // A reservation named by the group but seen in an AZ the group does not list: keep everything.
    for (const { entry, snapshot } of matched) {
      const named = group.reservations.some((member) => refersTo(member.reservation, entry, snapshot));
      if (named && !intents.has(snapshot.reservationId)) {
        warnings.push(
          `${group.name}: ${snapshot.reservationId} is in ${snapshot.availabilityZone}, not an AZ of the group: all capacity kept`,
        );
        intents.set(snapshot.reservationId, {
          group: group.name,
          need: snapshot.owned,
          reason: `${group.name}: ${snapshot.availabilityZone} is not an AZ of the group: all capacity kept (fail safe)`,
          impaired: impaired.length > 0,
          unknownAlarms,
        });
      }
    }
    if (uncovered) {
      warnings.push(
        `${group.name} cannot be covered: ${impaired.join(', ')} impaired and ${group.required} instances do not fit in the remaining AZ(s); all their capacity reclaimed`,
      );
    }
  }
  return intents;
}

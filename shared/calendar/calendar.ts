/**
 * Trading sessions per market, from the shipped exchange data and the IANA time-zone database (luxon), so
 * DST is never a fixed offset. Days outside an exchange's data range are assumed trading days (fail safe:
 * capacity comes back on a holiday rather than going missing on a trading day), and say so in warnings.
 */
import { DateTime } from 'luxon';
import type { ExchangeCalendarData } from './data.ts';
import { XLON } from './exchanges/xlon.ts';
import { XNYS } from './exchanges/xnys.ts';

export const MARKETS = ['XNYS', 'XLON', 'WEEKDAYS'] as const;
export type MarketId = (typeof MARKETS)[number];

/** Hours of the plain Monday–Friday `WEEKDAYS` calendar. */
export interface WeekdayHours {
  timeZone: string;
  open: string;
  close: string;
}

export interface CalendarOptions {
  weekdayHours?: WeekdayHours;
}

export const DEFAULT_WEEKDAY_HOURS: WeekdayHours = { timeZone: 'UTC', open: '09:00', close: '17:00' };

/** Warn this many days before a calendar's data runs out. */
export const DATA_EXPIRY_WARNING_DAYS = 90;

export interface Session {
  mic: MarketId;
  /** Local trading date, YYYY-MM-DD. */
  date: string;
  timeZone: string;
  open: Date;
  close: Date;
  /** Local wall-clock times, HH:MM (a time that falls in a DST gap is moved forward, as luxon does). */
  openLocal: string;
  closeLocal: string;
  earlyClose: boolean;
  /** Why the close is early (e.g. `day after Thanksgiving`). */
  note?: string;
  /** True when the day lies outside the calendar's data and is only assumed to trade. */
  assumed: boolean;
}

export interface DayStatus {
  date: string;
  trading: boolean;
  session?: Session;
  /** Why a weekday is closed (holiday or ad-hoc closure). */
  closure?: string;
  assumed: boolean;
}

const MAX_DAYS_TO_NEXT_SESSION = 30;

function exchangeData(mic: MarketId, options: CalendarOptions | undefined): ExchangeCalendarData {
  switch (mic) {
    case 'XNYS':
      return XNYS;
    case 'XLON':
      return XLON;
    case 'WEEKDAYS': {
      const hours = options?.weekdayHours ?? DEFAULT_WEEKDAY_HOURS;
      return {
        mic: 'WEEKDAYS',
        name: 'Monday to Friday',
        timeZone: hours.timeZone,
        sessions: [{ open: hours.open, close: hours.close }],
        tradingWeekdays: [1, 2, 3, 4, 5],
        dataFrom: '0001-01-01',
        dataTo: '9999-12-31',
        years: {},
      };
    }
  }
}

/** The time zone a market's hours are written in. */
export function marketTimeZone(mic: MarketId, options?: CalendarOptions): string {
  return exchangeData(mic, options).timeZone;
}

/** The published source of a market's data for a year, or undefined when the year is not covered. */
export function calendarSource(mic: MarketId, year: number): string | undefined {
  return exchangeData(mic, undefined).years[year]?.source;
}

// Time-zone arithmetic is the policy's hot path (the simulator decides thousands of times per run);
// a day's answer never changes, so it is computed once. Bounded so a long-running process stays small.
const dayCache = new Map<string, DayStatus>();
const DAY_CACHE_LIMIT = 20_000;

/** Whether a local date trades, and its session. */
export function dayStatus(mic: MarketId, date: string, options?: CalendarOptions): DayStatus {
  const hours = mic === 'WEEKDAYS' ? (options?.weekdayHours ?? DEFAULT_WEEKDAY_HOURS) : undefined;
  const key =
    hours === undefined ? `${mic}|${date}` : `${mic}|${date}|${hours.timeZone}|${hours.open}|${hours.close}`;
  let status = dayCache.get(key);
  if (status === undefined) {
    status = computeDayStatus(mic, date, options);
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(key, status);
  }
  // Copies, so a caller that edits its answer cannot change anyone else's.
  return status.session === undefined ? { ...status } : { ...status, session: { ...status.session } };
}

function computeDayStatus(mic: MarketId, date: string, options?: CalendarOptions): DayStatus {
  const data = exchangeData(mic, options);
  const day = DateTime.fromISO(date, { zone: data.timeZone });
  if (!day.isValid) throw new RangeError(`not a date: ${date}`);
  if (!data.tradingWeekdays.includes(day.weekday)) return { date, trading: false, assumed: false };
  const assumed = date < data.dataFrom || date > data.dataTo;
  const year = data.years[day.year];
  const closure = assumed ? undefined : year?.closures[date];
  if (closure !== undefined) return { date, trading: false, closure, assumed };
  const early = assumed ? undefined : year?.earlyCloses[date];
  const first = data.sessions[0];
  const last = data.sessions[data.sessions.length - 1];
  if (first === undefined || last === undefined) throw new RangeError(`${mic} has no sessions`);
  const open = atLocal(date, first.open, data.timeZone);
  const close = atLocal(date, early?.close ?? last.close, data.timeZone);
  const session: Session = {
    mic,
    date,
    timeZone: data.timeZone,
    open: open.toJSDate(),
    close: close.toJSDate(),
    openLocal: open.toFormat('HH:mm'),
    closeLocal: close.toFormat('HH:mm'),
    earlyClose: early !== undefined,
    assumed,
  };
  if (early !== undefined) session.note = early.note;
  return { date, trading: true, session, assumed };
}

/** Sessions that overlap [from, to), in order. */
export function sessionsBetween(mic: MarketId, from: Date, to: Date, options?: CalendarOptions): Session[] {
  const zone = marketTimeZone(mic, options);
  const sessions: Session[] = [];
  // A session's local date can differ from the UTC date of its instants: start a day early.
  let day = addDays(localDate(from, zone), -1);
  const last = addDays(localDate(to, zone), 1);
  while (day <= last) {
    const session = dayStatus(mic, day, options).session;
    if (session !== undefined && session.close > from && session.open < to) sessions.push(session);
    day = addDays(day, 1);
  }
  return sessions;
}

/** The session in progress at `at`, or the next one to open (the first whose close is after `at`). */
export function currentOrNextSession(mic: MarketId, at: Date, options?: CalendarOptions): Session {
  const zone = marketTimeZone(mic, options);
  let day = addDays(localDate(at, zone), -1);
  for (let step = 0; step <= MAX_DAYS_TO_NEXT_SESSION; step += 1) {
    const session = dayStatus(mic, day, options).session;
    if (session !== undefined && session.close > at) return session;
    day = addDays(day, 1);
  }
  throw new RangeError(
    `${mic} has no session within ${MAX_DAYS_TO_NEXT_SESSION} days of ${at.toISOString()}`,
  );
}

/** The last session that closed at or before `at`, if any within 30 days. */
export function previousSession(mic: MarketId, at: Date, options?: CalendarOptions): Session | undefined {
  const zone = marketTimeZone(mic, options);
  let day = addDays(localDate(at, zone), 1);
  for (let step = 0; step <= MAX_DAYS_TO_NEXT_SESSION; step += 1) {
    const session = dayStatus(mic, day, options).session;
    if (session !== undefined && session.close <= at) return session;
    day = addDays(day, -1);
  }
  return undefined;
}

/**
 * What an operator must know about the calendar at `at`: the day lies outside the data (assumed a trading
 * day), or the data runs out within 90 days.
 */
export function calendarWarnings(mic: MarketId, at: Date, options?: CalendarOptions): string[] {
  if (mic === 'WEEKDAYS') return [];
  // The answer depends only on the market's local date (WEEKDAYS, the one configurable market, has none).
  const key = `${mic}|${localDate(at, exchangeData(mic, options).timeZone)}`;
  let warnings = warningCache.get(key);
  if (warnings === undefined) {
    warnings = computeCalendarWarnings(mic, at, options);
    if (warningCache.size >= DAY_CACHE_LIMIT) warningCache.clear();
    warningCache.set(key, warnings);
  }
  return [...warnings];
}

const warningCache = new Map<string, string[]>();

function computeCalendarWarnings(mic: MarketId, at: Date, options?: CalendarOptions): string[] {
  const data = exchangeData(mic, options);
  const today = DateTime.fromJSDate(at, { zone: data.timeZone }).startOf('day');
  const date = today.toISODate() ?? '';
  if (date < data.dataFrom || date > data.dataTo) {
    return [
      `${mic} calendar data covers ${data.dataFrom} to ${data.dataTo}; ${date} is outside it, so weekdays are assumed trading days (holidays unknown): add the exchange's calendar for ${today.year}`,
    ];
  }
  const daysLeft = Math.round(
    DateTime.fromISO(data.dataTo, { zone: data.timeZone }).diff(today, 'days').days,
  );
  if (daysLeft < DATA_EXPIRY_WARNING_DAYS) {
    return [
      `${mic} calendar data runs out on ${data.dataTo} (in ${daysLeft} days): add the exchange's next calendar year`,
    ];
  }
  return [];
}

/** A local day of a time zone: its date and the instants it spans, [start, end). */
interface LocalDay {
  date: string;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
// Local days found so far, per zone and UTC day (a UTC day overlaps at most three local days): finding an
// instant's local date with luxon costs tens of microseconds, a lookup here next to nothing.
const localDayCache = new Map<string, LocalDay[]>();

/**
 * The local date (YYYY-MM-DD) of an instant in a time zone, as luxon's `startOf('day').toISODate()` gives
 * it; '' for an unknown zone or an invalid instant (which `dayStatus` then rejects as not a date).
 */
export function localDate(at: Date, zone: string): string {
  const instant = at.getTime();
  const key = `${zone}|${Math.floor(instant / DAY_MS)}`;
  const known = localDayCache.get(key);
  const found = known?.find((day) => instant >= day.start && instant < day.end);
  if (found !== undefined) return found.date;
  const start = DateTime.fromJSDate(at, { zone }).startOf('day');
  const date = start.toISODate();
  if (date === null) return '';
  // Only a plain 24-hour day (midnight to midnight at one offset) is remembered: a day with a DST change is
  // left to luxon every time, so no instant can be given its neighbour's date.
  const end = start.toMillis() + DAY_MS;
  const last = DateTime.fromMillis(end - 1, { zone });
  const plain =
    start.hour === 0 &&
    start.minute === 0 &&
    start.second === 0 &&
    start.millisecond === 0 &&
    last.offset === start.offset &&
    last.toISODate() === date;
  if (plain && instant >= start.toMillis() && instant < end) {
    if (localDayCache.size >= DAY_CACHE_LIMIT) localDayCache.clear();
    localDayCache.set(key, [...(known ?? []), { date, start: start.toMillis(), end }]);
  }
  return date;
}

/** A YYYY-MM-DD date moved by whole days on the proleptic Gregorian calendar, as luxon moves it; '' stays ''. */
function addDays(date: string, days: number): string {
  if (date === '') return '';
  const [year = Number.NaN, month = Number.NaN, day = Number.NaN] = date.split('-').map(Number);
  const moved = new Date(0);
  moved.setUTCFullYear(year, month - 1, day + days);
  const movedYear = moved.getUTCFullYear();
  if (!Number.isFinite(movedYear) || movedYear < 0 || movedYear > 9999) {
    // Outside four-digit years, luxon's own arithmetic and formatting.
    return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() ?? '';
  }
  return `${String(movedYear).padStart(4, '0')}-${String(moved.getUTCMonth() + 1).padStart(2, '0')}-${String(moved.getUTCDate()).padStart(2, '0')}`;
}

function atLocal(date: string, time: string, zone: string): DateTime {
  const local = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!local.isValid) throw new RangeError(`not a local time: ${date}T${time} in ${zone}`);
  return local;
}

/**
 * EventBridge Scheduler's schedule expressions (`cron(...)`, `rate(...)`, `at(...)`) evaluated in an IANA
 * time zone the way the Scheduler does, so the sandbox fires the schedules of serverless.yml when AWS would:
 * - cron has six fields (minutes hours day-of-month month day-of-week year), one of the two day fields is
 *   `?`, day-of-week counts 1-7 from Sunday, and `L`, `W` and `#` work as in AWS's cron;
 * - a local time that does not exist (spring forward) is skipped, a local time that happens twice (fall back)
 *   runs once, at its first occurrence;
 * - `rate(n days)` means n × 24 hours on the clock, whatever DST does to the calendar day.
 */
import { DateTime, IANAZone } from 'luxon';

export class ScheduleExpressionError extends Error {
  override name = 'ScheduleExpressionError';
}

interface CronDayOfMonth {
  kind: 'any' | 'values' | 'last' | 'nearest-weekday' | 'last-weekday';
  values: ReadonlySet<number>;
  /** Offset before the last day (`L-3`), or the day `15W` is nearest to. */
  day: number;
}

interface CronDayOfWeek {
  kind: 'any' | 'values' | 'last-of-month' | 'nth-of-month';
  /** AWS numbering: 1 = Sunday ... 7 = Saturday. */
  values: ReadonlySet<number>;
  nth: number;
}

export interface CronSchedule {
  kind: 'cron';
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: CronDayOfMonth;
  months: ReadonlySet<number>;
  daysOfWeek: CronDayOfWeek;
  years: ReadonlySet<number> | 'any';
}

export interface RateSchedule {
  kind: 'rate';
  everySeconds: number;
}

export interface AtSchedule {
  kind: 'at';
  /** Wall time in the schedule's zone, `yyyy-mm-ddThh:mm:ss`. */
  localTime: string;
}

export type ScheduleExpression = CronSchedule | RateSchedule | AtSchedule;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = /^\s*(cron|rate|at)\((.*)\)\s*$/.exec(expression);
  if (!match) {
    throw new ScheduleExpressionError(`"${expression}" is not cron(...), rate(...) or at(...)`);
  }
  const [, kind, body = ''] = match;
  if (kind === 'rate') return parseRate(body, expression);
  if (kind === 'at') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body.trim())) {
      throw new ScheduleExpressionError(`at(...) takes yyyy-mm-ddThh:mm:ss, got "${body}"`);
    }
    return { kind: 'at', localTime: body.trim() };
  }
  return parseCron(body, expression);
}

function parseRate(body: string, expression: string): RateSchedule {
  const match = /^\s*(\d+)\s+(minutes?|hours?|days?)\s*$/.exec(body);
  if (!match) throw new ScheduleExpressionError(`"${expression}": rate takes "<n> minutes|hours|days"`);
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (value <= 0) throw new ScheduleExpressionError(`"${expression}": the rate must be positive`);
  if (value === 1 && unit.endsWith('s')) {
    throw new ScheduleExpressionError(`"${expression}": AWS wants the singular unit for 1`);
  }
  if (value > 1 && !unit.endsWith('s')) {
    throw new ScheduleExpressionError(`"${expression}": AWS wants the plural unit above 1`);
  }
  const unitSeconds = unit.startsWith('minute') ? 60 : unit.startsWith('hour') ? 3600 : 86_400;
  return { kind: 'rate', everySeconds: value * unitSeconds };
}

function parseCron(body: string, expression: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `"${expression}": AWS cron has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minuteField, hourField, domField, monthField, dowField, yearField] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((domField === '?') === (dowField === '?')) {
    throw new ScheduleExpressionError(
      `"${expression}": exactly one of day-of-month and day-of-week must be "?"`,
    );
  }
  const fail = (field: string, problem: string): never => {
    throw new ScheduleExpressionError(`"${expression}": ${field}: ${problem}`);
  };
  return {
    kind: 'cron',
    minutes: [...parseList(minuteField, 0, 59, [], (p) => fail('minutes', p))].sort((a, b) => a - b),
    hours: [...parseList(hourField, 0, 23, [], (p) => fail('hours', p))].sort((a, b) => a - b),
    daysOfMonth: parseDayOfMonth(domField, (p) => fail('day-of-month', p)),
    months: parseList(monthField, 1, 12, MONTH_NAMES, (p) => fail('month', p)),
    daysOfWeek: parseDayOfWeek(dowField, (p) => fail('day-of-week', p)),
    years: yearField === '*' ? 'any' : parseList(yearField, 1970, 2199, [], (p) => fail('year', p)),
  };
}

/** `*`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n` and lists of them; names count from `min`. */
function parseList(
  field: string,
  min: number,
  max: number,
  names: readonly string[],
  fail: (problem: string) => never,
): Set<number> {
  const toNumber = (token: string): number => {
    const nameIndex = names.indexOf(token.toUpperCase());
    if (nameIndex >= 0) return nameIndex + min;
    if (!/^\d+$/.test(token)) fail(`"${token}" is not a number${names.length > 0 ? ' or a name' : ''}`);
    const value = Number(token);
    if (value < min || value > max) fail(`${value} is outside ${min}-${max}`);
    return value;
  };
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) fail(`bad step "${stepText}"`);
    let low: number;
    let high: number;
    if (range === '*') {
      low = min;
      high = max;
    } else if (range.includes('-')) {
      const [from = '', to = ''] = range.split('-');
      low = toNumber(from);
      high = toNumber(to);
      if (low > high) fail(`range ${range} runs backwards`);
    } else {
      low = toNumber(range);
      high = stepText === undefined ? low : max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

function parseDayOfMonth(field: string, fail: (problem: string) => never): CronDayOfMonth {
  const none = new Set<number>();
  if (field === '?' || field === '*') return { kind: 'any', values: none, day: 0 };
  if (field === 'LW') return { kind: 'last-weekday', values: none, day: 0 };
  const last = /^L(?:-(\d+))?$/.exec(field);
  if (last) return { kind: 'last', values: none, day: Number(last[1] ?? 0) };
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) fail(`${day}W is outside 1-31`);
    return { kind: 'nearest-weekday', values: none, day };
  }
  return { kind: 'values', values: parseList(field, 1, 31, [], fail), day: 0 };
}

function parseDayOfWeek(field: string, fail: (problem: string) => never): CronDayOfWeek {
  const none = new Set<number>();
  if (field === '?' || field === '*') return { kind: 'any', values: none, nth: 0 };
  const last = /^(\w+)L$/.exec(field);
  if (last) return { kind: 'last-of-month', values: parseList(last[1] ?? '', 1, 7, DAY_NAMES, fail), nth: 0 };
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) {
    return {
      kind: 'nth-of-month',
      values: parseList(nth[1] ?? '', 1, 7, DAY_NAMES, fail),
      nth: Number(nth[2]),
    };
  }
  return { kind: 'values', values: parseList(field, 1, 7, DAY_NAMES, fail), nth: 0 };
}

/** Whether a calendar day (in the schedule's zone) is one the cron runs on. */
function matchesDay(cron: CronSchedule, year: number, month: number, day: number): boolean {
  if (cron.years !== 'any' && !cron.years.has(year)) return false;
  if (!cron.months.has(month)) return false;
  const date = DateTime.utc(year, month, day);
  const daysInMonth = date.daysInMonth ?? 31;
  // Luxon numbers Monday 1 ... Sunday 7; AWS numbers Sunday 1 ... Saturday 7.
  const awsWeekday = (date.weekday % 7) + 1;

  const dom = cron.daysOfMonth;
  switch (dom.kind) {
    case 'values':
      if (!dom.values.has(day)) return false;
      break;
    case 'last':
      if (day !== daysInMonth - dom.day) return false;
      break;
    case 'nearest-weekday':
      if (day !== nearestWeekday(year, month, Math.min(dom.day, daysInMonth))) return false;
      break;
    case 'last-weekday':
      if (day !== nearestWeekday(year, month, daysInMonth)) return false;
      break;
    case 'any':
      break;
  }

  const dow = cron.daysOfWeek;
  switch (dow.kind) {
    case 'values':
      return dow.values.has(awsWeekday);
    case 'last-of-month':
      return dow.values.has(awsWeekday) && day + 7 > daysInMonth;
    case 'nth-of-month':
      return dow.values.has(awsWeekday) && Math.ceil(day / 7) === dow.nth;
    case 'any':
      return true;
  }
}

/** The weekday nearest to `day` without leaving the month (`15W`): Saturday → Friday, Sunday → Monday. */
function nearestWeekday(year: number, month: number, day: number): number {
  const date = DateTime.utc(year, month, day);
  const daysInMonth = date.daysInMonth ?? 31;
  if (date.weekday === 6) return day === 1 ? 3 : day - 1;
  if (date.weekday === 7) return day === daysInMonth ? day - 2 : day + 1;
  return day;
}

/**
 * The instant a wall time in `zone` names, or undefined when the wall time does not exist (spring forward).
 * A wall time that exists twice (fall back) gives its first occurrence: the Scheduler runs it once.
 */
export function wallTimeToInstant(
  zone: IANAZone,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
): Date | undefined {
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const dayMs = 86_400_000;
  const offsetsAround = new Set([zone.offset(wallAsUtc - dayMs), zone.offset(wallAsUtc + dayMs)]);
  const candidates = [...offsetsAround]
    .map((offsetMinutes) => wallAsUtc - offsetMinutes * 60_000)
    .filter((instant) => instant + zone.offset(instant) * 60_000 === wallAsUtc)
    .sort((a, b) => a - b);
  const first = candidates[0];
  return first === undefined ? undefined : new Date(first);
}

export interface FireWindow {
  /** IANA zone the expression is evaluated in (the Scheduler's `ScheduleExpressionTimezone`); UTC if absent. */
  timeZone?: string;
  /** Fires strictly after this instant... */
  after: Date;
  /** ...and at or before this one. */
  until: Date;
  /** Where a rate schedule counts from (the Scheduler's StartDate); the window's start if absent. */
  startDate?: Date;
}

/** Every instant the schedule fires in the window, in order. */
export function fireTimes(schedule: ScheduleExpression | string, window: FireWindow): Date[] {
  const parsed = typeof schedule === 'string' ? parseScheduleExpression(schedule) : schedule;
  const zoneName = window.timeZone ?? 'UTC';
  const zone = IANAZone.create(zoneName);
  if (!zone.isValid) throw new ScheduleExpressionError(`unknown time zone "${zoneName}"`);
  const after = window.after.getTime();
  const until = window.until.getTime();
  const inWindow = (instant: Date | undefined): instant is Date =>
    instant !== undefined && instant.getTime() > after && instant.getTime() <= until;

  if (parsed.kind === 'rate') {
    const step = parsed.everySeconds * 1000;
    const origin = (window.startDate ?? window.after).getTime();
    const fires: Date[] = [];
    let next = origin + Math.max(0, Math.floor((after - origin) / step) + 1) * step;
    if (origin > after) next = origin;
    for (; next <= until; next += step) fires.push(new Date(next));
    return fires;
  }

  if (parsed.kind === 'at') {
    const local = DateTime.fromISO(parsed.localTime, { zone: 'UTC' });
    const instant = wallTimeToInstant(
      zone,
      local.year,
      local.month,
      local.day,
      local.hour,
      local.minute,
      local.second,
    );
    return inWindow(instant) ? [instant] : [];
  }

  const fires: Date[] = [];
  // Walk the local calendar days that can hold a fire in the window (one day of slack each side for offsets).
  let day = DateTime.fromMillis(after, { zone: zoneName }).startOf('day').minus({ days: 1 });
  const lastDay = DateTime.fromMillis(until, { zone: zoneName }).startOf('day').plus({ days: 1 });
  for (; day <= lastDay; day = day.plus({ days: 1 })) {
    if (!matchesDay(parsed, day.year, day.month, day.day)) continue;
    for (const hour of parsed.hours) {
      for (const minute of parsed.minutes) {
        const instant = wallTimeToInstant(zone, day.year, day.month, day.day, hour, minute);
        if (inWindow(instant)) fires.push(instant);
      }
    }
  }
  return fires.sort((a, b) => a.getTime() - b.getTime());
}

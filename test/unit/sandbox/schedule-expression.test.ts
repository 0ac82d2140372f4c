import { describe, expect, it } from 'vitest';
import { fireTimes, parseScheduleExpression, ScheduleExpressionError } from '#sandbox/schedule-expression.ts';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const window = (after: string, until: string, timeZone?: string) => ({
  after: new Date(after),
  until: new Date(until),
  ...(timeZone === undefined ? {} : { timeZone }),
});

describe('parseScheduleExpression', () => {
  it.each([
    ['cron(0 9 * * ?)', '6 fields'],
    ['cron(0 9 * * MON-FRI *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(0 9 ? * ? *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(61 9 ? * MON-FRI *)', 'minutes: 61 is outside 0-59'],
    ['cron(0 9 ? * FOO *)', 'day-of-week: "FOO" is not a number or a name'],
    ['rate(1 minutes)', 'singular'],
    ['rate(5 minute)', 'plural'],
    ['every(5 minutes)', 'is not cron(...), rate(...) or at(...)'],
  ])('rejects %s naming the problem', (expression, problem) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression)).toThrow(problem);
  });

  it('reads rate units as seconds, a day as 24 hours', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', everySeconds: 60 });
    expect(parseScheduleExpression('rate(2 hours)')).toEqual({ kind: 'rate', everySeconds: 7200 });
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'rate', everySeconds: 86_400 });
  });
});

describe('fireTimes for cron in a time zone', () => {
  it('counts day-of-week from Sunday = 1 and accepts names', () => {
    const byNumber = fireTimes(
      'cron(0 12 ? * 2-6 *)',
      window('2026-03-08T00:00:00Z', '2026-03-15T00:00:00Z'),
    );
    const byName = fireTimes(
      'cron(0 12 ? * MON-FRI *)',
      window('2026-03-08T00:00:00Z', '2026-03-15T00:00:00Z'),
    );
    expect(iso(byNumber)).toEqual(iso(byName));
    expect(byNumber.map((date) => date.getUTCDay())).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    {
      behaviour: 'follows New York across the March switch: 09:00 local moves from 14:00Z to 13:00Z',
      expression: 'cron(0 9 ? * MON-FRI *)',
      days: ['2026-03-05T00:00:00Z', '2026-03-11T00:00:00Z'],
      fires: [
        '2026-03-05T14:00:00.000Z',
        '2026-03-06T14:00:00.000Z',
        '2026-03-09T13:00:00.000Z',
        '2026-03-10T13:00:00.000Z',
      ],
    },
    {
      // 2026-03-08 02:30 does not exist in New York; the other days run at 02:30 local.
      behaviour: 'skips a spring-forward time that does not exist',
      expression: 'cron(30 2 * * ? *)',
      days: ['2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z'],
      fires: ['2026-03-06T07:30:00.000Z', '2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
    {
      // 01:00 and 01:30 happen twice on 2026-11-01 (EDT, then EST): each runs once, in EDT.
      behaviour: 'runs a fall-back time once, at its first occurrence',
      expression: 'cron(0,30 1 * * ? *)',
      days: ['2026-10-31T12:00:00Z', '2026-11-01T12:00:00Z'],
      fires: ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z'],
    },
  ] as const)('$behaviour', ({ expression, days: [after, until], fires }) => {
    expect(iso(fireTimes(expression, window(after, until, 'America/New_York')))).toEqual(fires);
  });

  it('keeps London and New York apart in the weeks between their switches', () => {
    const london = fireTimes(
      'cron(0 8 ? * MON *)',
      window('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z', 'Europe/London'),
    );
    const newYork = fireTimes(
      'cron(0 8 ? * MON *)',
      window('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z', 'America/New_York'),
    );
    expect(iso(london)).toEqual(['2026-03-09T08:00:00.000Z']);
    expect(iso(newYork)).toEqual(['2026-03-09T12:00:00.000Z']);
  });

  it('supports L, W, # and the year field', () => {
    const lastFriday = fireTimes(
      'cron(0 0 ? * 6L 2026)',
      window('2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'),
    );
    expect(iso(lastFriday)).toEqual([
      '2026-01-30T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
      '2026-03-27T00:00:00.000Z',
    ]);
    const thanksgiving = fireTimes(
      'cron(0 0 ? NOV 5#4 *)',
      window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
    );
    expect(iso(thanksgiving)).toEqual(['2026-11-26T00:00:00.000Z']);
    // 2026-03-15 is a Sunday: 15W runs on Monday the 16th; the last weekday of May 2026 is Friday the 29th.
    expect(
      iso(fireTimes('cron(0 0 15W 3 ? *)', window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))),
    ).toEqual(['2026-03-16T00:00:00.000Z']);
    expect(
      iso(fireTimes('cron(0 0 LW 5 ? *)', window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))),
    ).toEqual(['2026-05-29T00:00:00.000Z']);
    expect(fireTimes('cron(0 0 1 1 ? 2025)', window('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('expands steps and ranges', () => {
    const fires = fireTimes(
      'cron(0/20 9-10 ? * WED *)',
      window('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z', 'America/New_York'),
    );
    expect(fires.map((date) => date.toISOString().slice(11, 16))).toEqual([
      '13:00',
      '13:20',
      '13:40',
      '14:00',
      '14:20',
      '14:40',
    ]);
  });

  it('rejects an unknown time zone', () => {
    expect(() =>
      fireTimes('rate(1 hour)', window('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z', 'Mars/Olympus')),
    ).toThrow('unknown time zone');
  });
});

describe('fireTimes for rate and at', () => {
  it('counts a daily rate as 24 hours, so local time drifts by the DST hour', () => {
    const fires = fireTimes('rate(1 day)', {
      ...window('2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z', 'America/New_York'),
      startDate: new Date('2026-03-06T14:00:00Z'),
    });
    expect(iso(fires)).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T14:00:00.000Z',
      '2026-03-09T14:00:00.000Z',
    ]);
  });

  it('fires a rate strictly after the window start when the start date lies before it', () => {
    const fires = fireTimes('rate(1 minute)', {
      ...window('2026-03-06T00:00:30Z', '2026-03-06T00:03:00Z'),
      startDate: new Date('2026-03-06T00:00:00Z'),
    });
    expect(iso(fires)).toEqual([
      '2026-03-06T00:01:00.000Z',
      '2026-03-06T00:02:00.000Z',
      '2026-03-06T00:03:00.000Z',
    ]);
  });

  it('reads at() in the zone and skips a time that does not exist', () => {
    expect(
      iso(
        fireTimes(
          'at(2026-03-11T10:45:00)',
          window('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 'America/New_York'),
        ),
      ),
    ).toEqual(['2026-03-11T14:45:00.000Z']);
    expect(
      fireTimes(
        'at(2026-03-08T02:15:00)',
        window('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 'America/New_York'),
      ),
    ).toEqual([]);
  });
});

import type { LoggedEvent, SimulationResult } from '#sandbox/result.ts';
import { summarize } from '#sandbox/summary.ts';

export const TRADING = 'cr-0123456789abcdef0';

const serviceEvent = (time: string, detailType: string, detail: Record<string, unknown>): LoggedEvent => ({
  time,
  source: 'odcr-reclaimer',
  'detail-type': detailType,
  detail,
  bus: 'odcr-reclaimer-dev',
});

/**
 * One trading day in the event log: the pre-open reclaim 60 → 0 completes 10 minutes before the bell,
 * an alarm reclaim with no bell, a stall, and the lend-back after the close.
 */
export const SAMPLE_EVENTS: LoggedEvent[] = [
  serviceEvent('2026-03-09T13:05:00.000Z', 'Allocation Change Requested', {
    reservationId: TRADING,
    from: 60,
    to: 0,
    trigger: 'schedule',
    triggerId: 's-1',
    reason: 'XNYS opens 09:30 America/New_York; lead 25 min; need 100 of 100',
    requestedAt: '2026-03-09T13:05:00.000Z',
    deadline: '2026-03-09T13:30:00.000Z',
  }),
  serviceEvent('2026-03-09T13:06:00.000Z', 'Allocation Change Progress', {
    reservationId: TRADING,
    current: 30,
    target: 0,
  }),
  serviceEvent('2026-03-09T13:20:00.000Z', 'Allocation Change Completed', {
    reservationId: TRADING,
    from: 60,
    to: 0,
    trigger: 'schedule',
    reason: 'done',
  }),
  {
    time: '2026-03-09T13:20:00.000Z',
    source: 'aws.ec2',
    'detail-type': 'EC2 noise',
    detail: { reservationId: TRADING },
  },
  serviceEvent('2026-03-09T20:40:00.000Z', 'Allocation Change Requested', {
    reservationId: TRADING,
    from: 0,
    to: 60,
    trigger: 'schedule',
    triggerId: 's-2',
    reason: 'XNYS closed at 16:00; need 40 of 100',
    requestedAt: '2026-03-09T20:40:00.000Z',
  }),
  serviceEvent('2026-03-09T21:00:00.000Z', 'Allocation Change Requested', {
    reservationId: TRADING,
    from: 60,
    to: 0,
    trigger: 'alarm',
    triggerId: 'a-1',
    reason: 'xnys-volatility-high in ALARM: need all',
    requestedAt: '2026-03-09T21:00:00.000Z',
  }),
  serviceEvent('2026-03-09T21:10:00.000Z', 'Allocation Change Stalled', {
    reservationId: TRADING,
    reason: 'no progress for 8 minutes',
  }),
];

export const SAMPLE_WINDOW = { start: '2026-03-09T04:00:00.000Z', end: '2026-03-10T04:00:00.000Z' };

export function sampleResult(): SimulationResult {
  const summary = summarize(SAMPLE_EVENTS, {
    window: SAMPLE_WINDOW,
    initialLent: { [TRADING]: 60 },
    instanceTypes: { [TRADING]: 'r7i.4xlarge' },
    prices: { 'r7i.4xlarge': 1 },
  });
  const point = (lent: number, borrowed: number, target = lent, need = 100) => ({
    [TRADING]: { owned: 100, lent, borrowed, target, need },
  });
  return {
    scenario: { name: 'Sample <day>', description: 'a day & a night', configFile: 'config/example.json' },
    window: SAMPLE_WINDOW,
    timeZone: 'America/New_York',
    reservations: [
      {
        id: TRADING,
        name: 'xnys-trading-r7i',
        instanceType: 'r7i.4xlarge',
        region: 'us-east-1',
        availabilityZone: 'us-east-1a',
        market: 'XNYS',
      },
    ],
    sessions: [
      {
        market: 'XNYS',
        date: '2026-03-09',
        open: '2026-03-09T13:30:00.000Z',
        close: '2026-03-09T20:00:00.000Z',
        openLocal: '09:30',
        closeLocal: '16:00',
        timeZone: 'America/New_York',
        earlyClose: false,
      },
    ],
    closedDays: [],
    samples: [
      { time: '2026-03-09T04:00:00.000Z', reservations: point(60, 30, 60, 40) },
      { time: '2026-03-09T13:05:00.000Z', reservations: point(30, 30, 0) },
      { time: '2026-03-09T13:20:00.000Z', reservations: point(0, 0) },
      { time: '2026-03-09T20:40:00.000Z', reservations: point(60, 0, 60, 40) },
      { time: '2026-03-09T21:00:00.000Z', reservations: point(60, 0, 0) },
    ],
    timeline: [
      {
        time: '2026-03-09T13:05:00.000Z',
        kind: 'decision',
        reservationId: TRADING,
        text: '60 → 0 (schedule)',
      },
      { time: '2026-03-09T13:20:00.000Z', kind: 'completion', reservationId: TRADING, text: 'reached 0' },
      { time: '2026-03-09T21:00:00.000Z', kind: 'alarm', text: 'xnys-volatility-high → ALARM' },
      { time: '2026-03-09T21:10:00.000Z', kind: 'stall', reservationId: TRADING, text: 'no progress' },
    ],
    invocations: [],
    events: SAMPLE_EVENTS,
    summary: {
      ...summary,
      // Late at the bell: 10 instances short for three minutes (13:30-13:33Z), then an alarm's reaction.
      unmetNeedInstanceMinutes: {
        total: 45,
        late: 30,
        reaction: 15,
        byReservation: { [TRADING]: { total: 45, late: 30, reaction: 15 } },
      },
      shortfalls: [
        {
          reservationId: TRADING,
          from: '2026-03-09T13:30:00.000Z',
          until: '2026-03-09T13:33:00.000Z',
          lateInstanceMinutes: 30,
          reactionInstanceMinutes: 0,
          largestShort: 10,
          need: 100,
          held: 90,
        },
        {
          reservationId: TRADING,
          from: '2026-03-09T15:00:00.000Z',
          until: '2026-03-09T15:03:00.000Z',
          lateInstanceMinutes: 0,
          reactionInstanceMinutes: 15,
          largestShort: 5,
          need: 100,
          held: 95,
        },
      ],
      reclaimSeconds: 225,
    },
    run: { wallMilliseconds: 1234, simulatedDays: 1, steps: 42 },
  };
}

import { describe, expect, it } from 'vitest';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { decide, leadMinutes } from '#shared/policy/index.ts';
import type { Decision, PolicyResult } from '#shared/policy/types.ts';
import { exampleConfig, exampleObservation, TRADING_ID, tradingSnapshot } from './fixtures.ts';

const config = exampleConfig();
const at = (iso: string): Date => new Date(iso);

function decisionFor(result: PolicyResult, id: string): Decision {
  const decision = result.decisions.find((candidate) => candidate.reservationId === id);
  if (decision === undefined) throw new Error(`no decision for ${id}`);
  return decision;
}

function trading(
  observation = exampleObservation(),
  now = at('2026-11-27T12:45:00-05:00'),
  policy = config,
): Decision {
  return decisionFor(decide(observation, policy, now), TRADING_ID);
}

/** The example config with `reservation` as its only one (all of it needed in session), no alarms or AZ groups. */
function withOnly(reservation: Record<string, unknown>, changes: Record<string, unknown> = {}): PolicyConfig {
  return parseConfig({
    ...config,
    reservations: [{ tradingNeed: 'all', ...reservation }],
    alarms: {},
    azGroups: [],
    ...changes,
  });
}

/** A market that trades Monday to Friday in `timeZone`. */
function weekdayMarket(timeZone: string, sessions: { open: string; close: string }[]) {
  return { timeZone, tradingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], sessions };
}

describe('decide: the XNYS trading fleet', () => {
  it('keeps everything during the 2026-11-27 early-close session and names the 13:00 close', () => {
    const decision = trading(exampleObservation(), at('2026-11-27T12:45:00-05:00'));

    expect(decision).toMatchObject({
      owned: 100,
      currentTarget: 60,
      need: 100,
      target: 0,
      action: 'reclaim',
    });
    expect(decision.reasons.join(' ')).toMatch(/early close 13:00/);
    expect(decision.nextChangeAt?.toISOString()).toBe('2026-11-27T18:00:00.000Z');
    // Mid-session the 09:30 open has passed: a reclaim now is not "for" it, so no deadline already missed.
    expect(decision.deadline).toBeUndefined();
  });

  it('keeps 60 lent on Thanksgiving, a full closure', () => {
    const decision = trading(exampleObservation(), at('2026-11-26T10:00:00-05:00'));

    expect(decision).toMatchObject({ need: 40, target: 60, action: 'hold' });
    expect(decision.reasons[0]).toMatch(/closed today \(Thanksgiving Day\)/);
  });

  it('starts the reclaim at open − lead (25 min without measurements), with the open as deadline', () => {
    const before = trading(exampleObservation(), at('2026-03-09T09:04:59-04:00'));
    const from = trading(exampleObservation(), at('2026-03-09T09:05:00-04:00'));

    expect(before).toMatchObject({ target: 60, action: 'hold' });
    expect(before.nextChangeAt?.toISOString()).toBe('2026-03-09T13:05:00.000Z');
    expect(from).toMatchObject({ need: 100, target: 0, action: 'reclaim' });
    expect(from.reasons[0]).toBe(
      'XNYS opens 09:30 America/New_York (2026-03-09); lead 25 min; trading need 100 of 100',
    );
    expect(from.deadline?.toISOString()).toBe('2026-03-09T13:30:00.000Z');
  });

  it('lends the off-hours surplus after the close, bounded by what is unused in the source', () => {
    const observation = exampleObservation({ reservations: [tradingSnapshot(0, 45)] });

    const decision = trading(observation, at('2026-03-09T18:00:00-04:00'));

    expect(decision).toMatchObject({ need: 40, target: 45, action: 'lend' });
    expect(decision.reasons.join(' ')).toMatch(/only 45 unused/);
  });

  it('holds lend-back inside the cooldown after a reclaim, and says until when', () => {
    const observation = exampleObservation({
      reservations: [tradingSnapshot(0, 100, { lastReclaimAt: at('2026-03-09T21:50:00Z') })],
    });

    const decision = trading(observation, at('2026-03-09T18:00:00-04:00'));

    expect(decision).toMatchObject({ target: 0, action: 'hold' });
    expect(decision.reasons.join(' ')).toMatch(/cooldown until 18:20/);
    expect(decision.nextChangeAt?.toISOString()).toBe('2026-03-09T22:20:00.000Z');
  });

  it('holds lend-back in the quiet minutes before the reclaim', () => {
    const observation = exampleObservation({ reservations: [tradingSnapshot(0, 100)] });

    const decision = trading(observation, at('2026-03-10T08:40:00-04:00'));

    expect(decision).toMatchObject({ target: 0, action: 'hold' });
    expect(decision.reasons.join(' ')).toMatch(/quiet: 30 min before the reclaim at 09:05/);
  });

  it('takes everything back off-hours when the volatility alarm fires, and lends nothing while it lasts', () => {
    const alarms = { ...exampleObservation().alarms, 'xnys-volatility-high': 'ALARM' as const };

    const lent = trading(exampleObservation({ alarms }), at('2026-03-09T18:00:00-04:00'));
    const notLent = trading(
      exampleObservation({ alarms, reservations: [tradingSnapshot(0, 100)] }),
      at('2026-03-09T18:00:00-04:00'),
    );

    expect(lent).toMatchObject({ need: 100, target: 0, action: 'reclaim' });
    expect(lent.deadline).toBeUndefined();
    expect(notLent).toMatchObject({ target: 0, action: 'hold' });
  });

  it('adds the delta of trading-load-high to the off-hours need', () => {
    const alarms = { ...exampleObservation().alarms, 'trading-load-high': 'ALARM' as const };

    const decision = trading(exampleObservation({ alarms }), at('2026-03-09T18:00:00-04:00'));

    expect(decision).toMatchObject({ need: 60, target: 40, action: 'reclaim' });
    expect(decision.reasons[0]).toBe('alarm trading-load-high in ALARM: need +20 → need 60');
  });

  it('waits while the allocation is updating, showing the target it will need', () => {
    const snapshot = tradingSnapshot(60, 0);
    snapshot.allocation = { current: 50, target: 30, status: 'updating', zeroSizePreference: 'retain' };

    const decision = trading(
      exampleObservation({ reservations: [snapshot] }),
      at('2026-11-27T12:45:00-05:00'),
    );

    expect(decision).toMatchObject({ currentTarget: 30, target: 0, action: 'wait' });
    expect(decision.reasons[0]).toMatch(/allocation is updating/);
  });
});

describe('decide: on-call overrides', () => {
  const setAt = at('2026-03-09T14:00:00Z');
  // On-call lends 60 until after the close, the desk being closed for the day.
  const deskClosedLend = {
    action: 'lend',
    target: 60,
    setAt,
    expiresAt: at('2026-03-10T02:00:00Z'),
    reason: 'desk closed',
  } as const;

  it('caps the target with a reclaim override and blocks lend-back', () => {
    const records = {
      override: {
        action: 'reclaim',
        target: 10,
        setAt,
        expiresAt: at('2026-03-10T02:00:00Z'),
        reason: 'INC-7',
      },
    } as const;

    const decision = trading(
      exampleObservation({ reservations: [tradingSnapshot(60, 0, records)] }),
      at('2026-03-09T22:00:00Z'),
    );

    expect(decision).toMatchObject({ need: 90, target: 10, action: 'reclaim' });
    expect(decision.nextChangeAt?.toISOString()).toBe('2026-03-10T02:00:00.000Z');
  });

  it('lends during a session with a lend override, bypassing the session, quiet and cooldown', () => {
    const records = {
      override: deskClosedLend,
      lastReclaimAt: at('2026-03-09T14:50:00Z'),
    } as const;

    const decision = trading(
      exampleObservation({ reservations: [tradingSnapshot(0, 100, records)] }),
      at('2026-03-09T15:00:00Z'),
    );

    expect(decision).toMatchObject({ need: 40, target: 60, action: 'lend' });
  });

  it('never lends for a lend override while an alarm is in ALARM', () => {
    const records = {
      override: deskClosedLend,
    } as const;
    const alarms = { ...exampleObservation().alarms, 'trading-load-high': 'ALARM' as const };

    const decision = trading(
      exampleObservation({ alarms, reservations: [tradingSnapshot(0, 100, records)] }),
      at('2026-03-09T15:00:00Z'),
    );

    expect(decision).toMatchObject({ target: 0, action: 'hold' });
  });

  it('ignores an override its tags could not be read as, with a warning', () => {
    const malformed = [{ record: 'override' as const, problem: 'override would outlive 24 h' }];
    const records = { malformed };

    const result = decide(
      exampleObservation({ reservations: [tradingSnapshot(0, 100, records)] }),
      config,
      at('2026-03-09T15:00:00Z'),
    );

    expect(decisionFor(result, TRADING_ID)).toMatchObject({ target: 0, action: 'hold' });
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/override ignored: override would outlive 24 h/),
    );
  });
});

describe('decide: AZ impairment (risk-engine, 6 over 3 AZs)', () => {
  const ids = { a: 'cr-0000000000000a001', b: 'cr-0000000000000b001', c: 'cr-0000000000000c001' };
  const now = at('2026-03-09T18:00:00-04:00');
  const withAlarms = (impaired: string[]): PolicyResult => {
    const alarms = { ...exampleObservation().alarms };
    for (const az of impaired) alarms[`az-impaired-us-east-1${az}`] = 'ALARM';
    return decide(exampleObservation({ alarms }), config, now);
  };

  it('needs 2 of the 3 reserved per AZ in normal times, so 1 is lent in each', () => {
    const result = withAlarms([]);

    for (const id of Object.values(ids)) {
      expect(decisionFor(result, id)).toMatchObject({ owned: 3, need: 2, target: 1, action: 'hold' });
    }
  });

  it('reclaims the lent one in b and c when a is impaired, and lends nothing in a', () => {
    const result = withAlarms(['a']);

    expect(decisionFor(result, ids.b)).toMatchObject({ need: 3, target: 0, action: 'reclaim' });
    expect(decisionFor(result, ids.c)).toMatchObject({ need: 3, target: 0, action: 'reclaim' });
    expect(decisionFor(result, ids.a)).toMatchObject({ need: 2, target: 1, action: 'hold' });
    expect(result.warnings).toEqual([]);
  });

  it('says the workload cannot be covered when a and b are impaired, reclaims everything in c and warns', () => {
    const result = withAlarms(['a', 'b']);
    const c = decisionFor(result, ids.c);

    expect(c).toMatchObject({ need: 3, target: 0, action: 'reclaim' });
    expect(c.reasons[0]).toMatch(/cannot be covered/);
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/risk-engine cannot be covered: us-east-1a, us-east-1b impaired/),
    );
  });
});

describe('decide: lead from measured durations', () => {
  const leadConfig = parseConfig({
    ...config,
    // A one-minute grid: the start is exactly open − lead (the heartbeat grid is tested below).
    lead: { minimumMinutes: 5, safetyMarginMinutes: 10, minSamples: 5, scheduleGranularityMinutes: 1 },
  });
  const durations = [240, 300, 330, 360, 420, 450, 480, 510, 540];

  it('uses the p95 plus the margin once there are enough samples', () => {
    expect(leadMinutes(leadConfig, durations)).toBe(19);
    expect(leadMinutes(leadConfig, durations.slice(0, 4))).toBe(15);
  });

  it('starts the reclaim no later than the open minus the p95 minus the margin', () => {
    const open = at('2026-03-09T09:30:00-04:00').getTime();
    const observation = exampleObservation({ reclaimDurationsSeconds: durations });
    const decideAt = (ms: number): Decision => trading(observation, new Date(ms), leadConfig);

    expect(decideAt(open - 19 * 60_000).action).toBe('reclaim');
    expect(decideAt(open - 19 * 60_000 - 1).action).toBe('hold');
    expect(decideAt(open - 19 * 60_000).reasons[0]).toMatch(/lead 19 min/);
  });
});

describe('decide: heartbeat grid (lead.scheduleGranularityMinutes)', () => {
  const durations = [240, 300, 330, 360, 420, 450, 480, 510, 540];

  it('starts the reclaim on the 5-minute heartbeat at or before open − lead, and says so', () => {
    // Lead 19 min: open − lead is 09:11; the heartbeats fire at 09:10 and 09:15, and 09:15 would be late.
    const gridConfig = parseConfig({
      ...config,
      lead: { minimumMinutes: 5, safetyMarginMinutes: 10, minSamples: 5 },
    });
    expect(gridConfig.lead.scheduleGranularityMinutes).toBe(5);
    const open = at('2026-03-09T09:30:00-04:00').getTime();
    const observation = exampleObservation({ reclaimDurationsSeconds: durations });
    const decideAt = (ms: number): Decision => trading(observation, new Date(ms), gridConfig);

    expect(decideAt(open - 20 * 60_000)).toMatchObject({ action: 'reclaim', target: 0 });
    expect(decideAt(open - 20 * 60_000 - 1).action).toBe('hold');
    expect(decideAt(open - 20 * 60_000 - 1).nextChangeAt?.toISOString()).toBe('2026-03-09T13:10:00.000Z');
    expect(decideAt(open - 20 * 60_000).reasons[0]).toBe(
      'XNYS opens 09:30 America/New_York (2026-03-09); lead 19 min; reclaim from 09:10, rounded down to the 5-min heartbeat grid; trading need 100 of 100',
    );
    expect(decideAt(at('2026-03-09T08:00:00-04:00').getTime()).reasons[0]).toMatch(
      /reclaim from 09:10 \(lead 19 min, rounded down to the 5-min heartbeat grid\)/,
    );
  });

  it('rounds on the local clock of the market, not on UTC', () => {
    // Kathmandu is UTC+05:45. Open 09:15, lead 17 min: open − lead is 08:58 local (03:13Z). A 10-minute grid
    // in local time starts at 08:50 local (03:05Z); rounding in UTC would have given 03:10Z, after 08:50.
    const kathmandu = withOnly(
      { id: TRADING_ID, name: 'ktm', market: 'WEEKDAYS', offHoursNeed: 40 },
      {
        lead: { minimumMinutes: 17, safetyMarginMinutes: 0, minSamples: 5, scheduleGranularityMinutes: 10 },
        markets: { WEEKDAYS: weekdayMarket('Asia/Kathmandu', [{ open: '09:15', close: '17:00' }]) },
      },
    );
    const observation = { reservations: [tradingSnapshot(60, 0)], alarms: {} };
    const decideAt = (iso: string): Decision => trading(observation, at(iso), kathmandu);

    expect(decideAt('2026-03-09T03:05:00Z')).toMatchObject({ action: 'reclaim', target: 0 });
    expect(decideAt('2026-03-09T03:04:59Z').action).toBe('hold');
  });

  it('rejects a grid of 0 or over an hour, naming the field', () => {
    for (const scheduleGranularityMinutes of [0, 61]) {
      expect(() => parseConfig({ ...config, lead: { ...config.lead, scheduleGranularityMinutes } })).toThrow(
        /lead\.scheduleGranularityMinutes/,
      );
    }
  });
});

describe('decide: DST and calendar edges', () => {
  it('starts a reclaim due from 01:00 to 03:00 local on the last heartbeat before 01:00', () => {
    // Israel springs forward 02:00 → 03:00 on Friday 2026-03-27; a 03:00 open with a 60 min lead is due at
    // 01:00 standard time, where no heartbeat fires (DST skips or repeats times there): the reclaim starts
    // on the last 5-min slot before, 00:55 local (22:55Z), and capacity is still due by the open.
    const gapConfig = withOnly(
      { id: TRADING_ID, name: 'tlv', market: 'WEEKDAYS', offHoursNeed: 40 },
      {
        lead: { minimumMinutes: 60, safetyMarginMinutes: 0, minSamples: 5 },
        markets: { WEEKDAYS: weekdayMarket('Asia/Jerusalem', [{ open: '03:00', close: '10:00' }]) },
      },
    );
    const observation = { reservations: [tradingSnapshot(60, 0)], alarms: {} };
    const decideAt = (iso: string): Decision => trading(observation, at(iso), gapConfig);

    expect(decideAt('2026-03-26T22:54:00Z').action).toBe('hold');
    expect(decideAt('2026-03-26T22:55:00Z')).toMatchObject({ action: 'reclaim', target: 0 });
    expect(decideAt('2026-03-26T22:55:00Z').deadline?.toISOString()).toBe('2026-03-27T00:00:00.000Z');
    expect(decideAt('2026-03-26T22:55:00Z').reasons.join(' ')).toMatch(/reclaim from 00:55.*before 01:00/);
  });

  it('treats a day past the calendar data as a trading day and warns', () => {
    const result = decide(exampleObservation(), config, at('2029-01-04T10:00:00-05:00'));

    expect(decisionFor(result, TRADING_ID)).toMatchObject({ target: 0, action: 'reclaim' });
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/XNYS calendar data covers .* assumed trading days/),
    );
  });
});

describe('decide: matching and bounds', () => {
  it('leaves unconfigured reservations alone and reports configured ones not observed', () => {
    const stranger = { ...tradingSnapshot(0, 0), reservationId: 'cr-0fffffffffffffff0' };
    const observation = exampleObservation({ reservations: [stranger], alarms: {} });

    const result = decide(observation, config, at('2026-03-09T18:00:00-04:00'));

    expect(result.decisions).toEqual([]);
    expect(result.warnings).toContainEqual(
      'cr-0fffffffffffffff0 is observed but matches no configured reservation: left alone',
    );
    expect(result.warnings).toContainEqual(
      'xnys-trading-r7i (cr-0123456789abcdef0) is configured but was not observed',
    );
    expect(result.warnings).toContainEqual(
      'alarm xnys-volatility-high was not observed: it raises no need, and holds the lend-back where it applies',
    );
  });

  it('matches by tag selector', () => {
    const selectorConfig = withOnly({
      selector: { tags: { fleet: 'trading' } },
      name: 'by-tag',
      market: 'XNYS',
      offHoursNeed: { percent: 40 },
    });

    const result = decide(exampleObservation(), selectorConfig, at('2026-03-09T18:00:00-04:00'));

    expect(result.decisions.map((decision) => [decision.name, decision.need, decision.target])).toEqual([
      ['by-tag', 40, 60],
    ]);
  });

  it('never allocates more than 1000 instances', () => {
    const bigConfig = withOnly({ id: TRADING_ID, name: 'big', market: 'XNYS', offHoursNeed: 0 });
    const snapshot = { ...tradingSnapshot(0, 0), owned: 3000, sourceTotal: 3000, sourceAvailable: 3000 };

    const decision = decisionFor(
      decide({ reservations: [snapshot], alarms: {} }, bigConfig, at('2026-03-09T18:00:00-04:00')),
      TRADING_ID,
    );

    expect(decision).toMatchObject({ need: 0, target: 1000, action: 'lend' });
  });
});

describe('decide: a lunch break', () => {
  const lunchConfig = (lendLunchBreak: boolean) =>
    withOnly(
      { id: TRADING_ID, name: 'tky', market: 'TKY', offHoursNeed: 40 },
      {
        guards: { cooldownMinutes: 0, quietMinutes: 0 },
        markets: {
          TKY: {
            ...weekdayMarket('Asia/Tokyo', [
              { open: '09:00', close: '11:30' },
              { open: '12:30', close: '15:30' },
            ]),
            lendLunchBreak,
          },
        },
      },
    );
  const decideAt = (lendLunchBreak: boolean, lent: number, iso: string): Decision =>
    trading(
      { reservations: [tradingSnapshot(lent, 100 - lent)], alarms: {} },
      at(iso),
      lunchConfig(lendLunchBreak),
    );

  it('is not lent by default: the capacity stays in through lunch, and the reason names the break', () => {
    const decision = decideAt(false, 0, '2026-03-09T11:45:00+09:00');

    expect(decision).toMatchObject({ need: 100, target: 0, action: 'hold' });
    expect(decision.reasons.join(' ')).toMatch(/09:00–15:30 Asia\/Tokyo, break 11:30–12:30/);
  });

  it('when lent: lends after the morning close and reclaims by the afternoon open', () => {
    const lunch = decideAt(true, 0, '2026-03-09T11:35:00+09:00');
    const beforeAfternoon = decideAt(true, 60, '2026-03-09T12:05:00+09:00');

    expect(lunch).toMatchObject({ need: 40, target: 60, action: 'lend' });
    expect(lunch.nextChangeAt?.toISOString()).toBe('2026-03-09T03:05:00.000Z');
    expect(beforeAfternoon).toMatchObject({ need: 100, target: 0, action: 'reclaim' });
    expect(beforeAfternoon.deadline?.toISOString()).toBe('2026-03-09T03:30:00.000Z');
  });
});

describe('decide: a failed allocation', () => {
  function failed(current: number, target: number) {
    const snapshot = tradingSnapshot(current, 0);
    return {
      ...snapshot,
      allocation: { current, target, status: 'failed' as const, zeroSizePreference: 'retain' as const },
    };
  }

  it('counts a failed reclaim as still lent and reclaims it again before the open', () => {
    const observation = exampleObservation({ reservations: [failed(60, 0)] });

    const decision = trading(observation, at('2026-03-09T09:10:00-04:00'));

    expect(decision).toMatchObject({ currentTarget: 60, need: 100, target: 0, action: 'reclaim' });
    expect(decision.reasons[0]).toBe('allocation failed to reach 0: 60 still lent, the change is made again');
  });

  it('holds a failed allocation that already lends what the policy wants', () => {
    const observation = exampleObservation({ reservations: [failed(60, 0)] });

    const decision = trading(observation, at('2026-11-26T10:00:00-05:00'));

    expect(decision).toMatchObject({ currentTarget: 60, target: 60, action: 'hold' });
  });
});

describe("decide: on-call's short-notice closures", () => {
  const closedOn = (date: string, reason = 'INC-9 outage') => ({
    reservations: [tradingSnapshot(60, 0, { closures: [{ market: 'XNYS', date, reason }] })],
    alarms: {},
  });

  it('keeps the capacity lent through a session on-call closed, and lists the closure', () => {
    const result = decide(closedOn('2026-03-10'), config, at('2026-03-10T10:00:00-04:00'));

    expect(decisionFor(result, TRADING_ID)).toMatchObject({ need: 40, target: 60, action: 'hold' });
    expect(decisionFor(result, TRADING_ID).reasons[0]).toMatch(
      /XNYS closed today \(short-notice closure by on-call: INC-9 outage\); next session 2026-03-11/,
    );
    expect(result.closures).toEqual([{ market: 'XNYS', date: '2026-03-10', reason: 'INC-9 outage' }]);
  });

  it('moves the next reclaim past the closed day', () => {
    const decision = decisionFor(
      decide(closedOn('2026-03-10'), config, at('2026-03-09T18:00:00-04:00')),
      TRADING_ID,
    );

    expect(decision.nextChangeAt?.toISOString()).toBe('2026-03-11T13:05:00.000Z');
  });

  it('no longer lists or honours a closure once its day has passed', () => {
    const result = decide(closedOn('2026-03-10'), config, at('2026-03-11T09:10:00-04:00'));

    expect(result.closures).toBeUndefined();
    expect(decisionFor(result, TRADING_ID)).toMatchObject({ target: 0, action: 'reclaim' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/schema.ts';
import { configIssues, exampleConfigInput } from '../../support/config-input.ts';

const CME = {
  timeZone: 'America/Chicago',
  tradingDays: ['SUN', 'MON', 'TUE', 'WED', 'THU'],
  sessions: [{ open: '17:00', close: '16:00' }],
  closures: { '2026-12-24': 'Christmas Eve' },
  earlyCloses: { '2026-11-25': { close: '12:15', note: 'Thanksgiving' } },
};

/** CME with these sessions instead of its own, each [open, close]. */
function withSessions(...sessions: [string, string][]) {
  return { ...CME, sessions: sessions.map(([open, close]) => ({ open, close })) };
}

/** The example config with `markets` set and the trading reservation moved to `market`. */
function withMarkets(markets: Record<string, unknown>, market = 'XNYS'): Record<string, unknown> {
  const input = exampleConfigInput();
  const reservations = input['reservations'] as Record<string, unknown>[];
  reservations[0] = { ...reservations[0], market };
  return { ...input, markets };
}

describe('markets in the config', () => {
  it('accepts a custom market and a reservation on it, and settings for a built-in market', () => {
    const config = parseConfig(withMarkets({ CME, XNYS: { lendLunchBreak: true } }, 'CME'));

    expect(config.reservations[0]?.market).toBe('CME');
    expect(config.markets['CME']).toMatchObject({ timeZone: 'America/Chicago', closures: CME.closures });
    expect(config.markets['XNYS']).toEqual({ lendLunchBreak: true });
  });

  it('defaults to no markets', () => {
    expect(parseConfig(exampleConfigInput()).markets).toEqual({});
  });

  it.each([
    ['an unknown key', { ...CME, sesions: [] }, 'markets.CME.sesions', /unknown field 'sesions'/],
    ['a bad zone', { ...CME, timeZone: 'America/Gotham' }, 'markets.CME.timeZone', /IANA time zone/],
    ['a bad day', { ...CME, tradingDays: ['SUN', 'FUN'] }, 'markets.CME.tradingDays[1]', /one of MON, TUE/],
    ['a repeated day', { ...CME, tradingDays: ['MON', 'MON'] }, 'markets.CME.tradingDays', /each day once/],
    ['no trading day', { ...CME, tradingDays: [] }, 'markets.CME.tradingDays', /at least one/],
    ['a bad time', withSessions(['9:30', '16:00']), 'markets.CME.sessions[0].open', /HH:MM/],
    ['an hour past 23', withSessions(['09:30', '24:00']), 'markets.CME.sessions[0].close', /HH:MM/],
    ['no session', withSessions(), 'markets.CME.sessions', /at least one session/],
    [
      'sessions longer than a day',
      withSessions(['17:00', '08:00'], ['09:00', '18:00']),
      'markets.CME.sessions[1].close',
      /fit in 24 hours/,
    ],
    [
      'sessions with no break between them',
      withSessions(['09:00', '11:30'], ['11:30', '15:00']),
      'markets.CME.sessions[1].open',
      /expected a break/,
    ],
    [
      'a bad closure date',
      { ...CME, closures: { '2026-02-30': 'x' } },
      'markets.CME.closures.2026-02-30',
      /YYYY-MM-DD/,
    ],
    [
      'a closure on a day that does not trade',
      { ...CME, closures: { '2026-12-25': 'Christmas' } },
      'markets.CME.closures.2026-12-25',
      /expected a trading day .* is a FRI/,
    ],
    [
      'an early close on a closed day',
      { ...CME, earlyCloses: { '2026-12-24': { close: '12:00', note: 'x' } } },
      'markets.CME.earlyCloses.2026-12-24',
      /also listed as a closure/,
    ],
    [
      'an early close without a note',
      { ...CME, earlyCloses: { '2026-11-25': { close: '12:15' } } },
      'markets.CME.earlyCloses.2026-11-25.note',
      /note/,
    ],
    [
      'a late open with a bad time',
      { ...CME, lateOpens: { '2026-11-25': { open: 'noon', note: 'x' } } },
      'markets.CME.lateOpens.2026-11-25.open',
      /HH:MM/,
    ],
    ['a bad lendLunchBreak', { ...CME, lendLunchBreak: 'yes' }, 'markets.CME.lendLunchBreak', /boolean/],
  ])('rejects %s, naming the field', (_what, definition, path, message) => {
    expect(configIssues(withMarkets({ CME: definition }))).toContainEqual({
      path,
      message: expect.stringMatching(message),
    });
  });

  it('allows only settings for a built-in market', () => {
    expect(configIssues(withMarkets({ XNYS: { timeZone: 'UTC', lendLunchBreak: true } }))).toEqual([
      {
        path: 'markets.XNYS.timeZone',
        message: "unknown field 'timeZone' (XNYS is built in: only lendLunchBreak may be set)",
      },
    ]);
  });

  it('says that settings alone do not define a market the project does not ship', () => {
    expect(configIssues(withMarkets({ XQQQ: { lendLunchBreak: true } }))).toEqual([
      {
        path: 'markets.XQQQ',
        message: expect.stringMatching(
          /'XQQQ' is not a built-in market \(XNYS, .*XLON.*\): a custom market needs timeZone/,
        ),
      },
    ]);
  });

  it('rejects a market name that cannot go into a tag key', () => {
    expect(configIssues(withMarkets({ 'CME:GLOBEX': CME }))).toContainEqual({
      path: 'markets.CME:GLOBEX',
      message: expect.stringMatching(/market name/),
    });
  });

  it('rejects a reservation on a market that is neither built in nor configured', () => {
    expect(configIssues(withMarkets({ CME }, 'ICE'))).toEqual([
      {
        path: 'reservations[0].market',
        message: expect.stringMatching(
          /built-in market .* or a custom market defined under markets, got 'ICE'/,
        ),
      },
    ]);
  });
});

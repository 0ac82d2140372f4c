import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/schema.ts';
import { borrowerAccounts, sharePrincipals, sharingWarnings } from '#shared/config/sharing.ts';
import { type HeadsUpRecord, noRecords, type ReservationRecords } from '#shared/domain/records.ts';
import type { PlannedReclaim } from '#shared/policy/heads-up.ts';
import { type ActedOutcome, nextState } from '#shared/reconcile/heads-up.ts';

const OPEN = new Date('2025-03-12T13:30:00.000Z');
const START = new Date('2025-03-12T13:05:00.000Z');
const HEADS_UP = new Date('2025-03-12T12:35:00.000Z');

function plan(overrides: Partial<PlannedReclaim> = {}): PlannedReclaim {
  return {
    reservationId: 'cr-0123456789abcdef0',
    market: 'XNYS',
    session: {
      mic: 'XNYS',
      date: '2025-03-12',
      timeZone: 'America/New_York',
      open: OPEN,
      close: new Date('2025-03-12T20:00:00.000Z'),
      openLocal: '09:30',
      closeLocal: '16:00',
      breaks: [],
      earlyClose: false,
      lateOpen: false,
      assumed: false,
    },
    plannedStart: START,
    headsUpAt: HEADS_UP,
    phase: 'ahead',
    from: 60,
    to: 0,
    reasons: [],
    ...overrides,
  };
}

const unchanged: ActedOutcome = {
  reservationId: 'cr-0123456789abcdef0',
  outcome: 'unchanged',
  from: 60,
  to: 60,
};
const reclaimed: ActedOutcome = { ...unchanged, outcome: 'updated', to: 0 };
const withRecords = (records: Partial<ReservationRecords> = {}) => ({
  records: { ...noRecords(), ...records },
});
const scheduledRecord: HeadsUpRecord = { state: 'scheduled', sessionOpen: OPEN, plannedStart: START };
const scheduled = withRecords({ headsUp: scheduledRecord });
const at = (iso: string) => new Date(iso);

describe('nextState: the notice a run owes borrowers', () => {
  it('is nothing before the heads-up, Scheduled from it, and nothing again once recorded', () => {
    expect(nextState(plan(), unchanged, withRecords(), at('2025-03-12T12:30:00Z'))).toBeUndefined();
    expect(nextState(plan(), unchanged, withRecords(), HEADS_UP)).toBe('scheduled');
    expect(nextState(plan(), unchanged, scheduled, at('2025-03-12T12:40:00Z'))).toBeUndefined();
  });

  it('announces nothing when the planned start takes nothing back', () => {
    expect(nextState(plan({ to: 60 }), unchanged, withRecords(), HEADS_UP)).toBeUndefined();
  });

  it('is Started when the run reclaims for the session, or reclaims while a heads-up is out', () => {
    expect(nextState(plan({ phase: 'due' }), reclaimed, scheduled, START)).toBe('started');
    expect(nextState(plan({ phase: 'due' }), reclaimed, withRecords(), START)).toBe('started');
    expect(nextState(plan(), reclaimed, scheduled, at('2025-03-12T12:50:00Z'))).toBe('started');
    const started = withRecords({ headsUp: { state: 'started', sessionOpen: OPEN, plannedStart: START } });
    expect(nextState(plan({ phase: 'due' }), reclaimed, started, START)).toBeUndefined();
  });

  it('is Cancelled when an announced reclaim no longer takes anything back', () => {
    expect(nextState(plan({ to: 60 }), unchanged, scheduled, at('2025-03-12T12:50:00Z'))).toBe('cancelled');
    expect(nextState(plan({ phase: 'due', to: 60 }), unchanged, scheduled, START)).toBe('cancelled');
  });

  it('waits on a reclaim still on its way, and sees one another run issued since the heads-up', () => {
    const deferred: ActedOutcome = { ...unchanged, outcome: 'deferred', to: 0 };
    expect(nextState(plan({ phase: 'due' }), deferred, scheduled, START)).toBeUndefined();
    const applied = withRecords({
      headsUp: scheduledRecord,
      lastRequest: { target: 0, from: 60, at: at('2025-03-12T13:06:00Z'), trigger: 'tracker', reason: '' },
    });
    const settled: ActedOutcome = { ...unchanged, from: 0, to: 0 };
    expect(nextState(plan({ phase: 'due', from: 0 }), settled, applied, at('2025-03-12T13:10:00Z'))).toBe(
      'started',
    );
  });

  it('treats a record of another session as none', () => {
    const yesterday = withRecords({
      headsUp: {
        state: 'scheduled',
        sessionOpen: new Date('2025-03-11T13:30:00.000Z'),
        plannedStart: new Date('2025-03-11T13:05:00.000Z'),
      },
    });
    expect(nextState(plan(), unchanged, yesterday, HEADS_UP)).toBe('scheduled');
  });
});

describe('config: headsUp', () => {
  const base = {
    reservations: [
      { id: 'cr-0123456789abcdef0', name: 'a', market: 'XNYS', tradingNeed: 'all', offHoursNeed: 0 },
    ],
  };

  it('defaults to 30 minutes and no borrower accounts', () => {
    expect(parseConfig(base).headsUp).toEqual({ minutesBefore: 30, borrowerAccounts: [] });
  });

  it('names the field of a bad account id, a repeated one, or a lead out of range', () => {
    expect(() => parseConfig({ ...base, headsUp: { borrowerAccounts: ['12345'] } })).toThrow(
      /headsUp\.borrowerAccounts\[0\]: expected an AWS account id/,
    );
    expect(() =>
      parseConfig({ ...base, headsUp: { borrowerAccounts: ['111111111111', '111111111111'] } }),
    ).toThrow(/headsUp\.borrowerAccounts: expected each account once/);
    expect(() => parseConfig({ ...base, headsUp: { minutesBefore: 0 } })).toThrow(/headsUp\.minutesBefore/);
  });
});

describe('config: borrowers', () => {
  const entry = {
    id: 'cr-0123456789abcdef0',
    name: 'a',
    market: 'XNYS',
    tradingNeed: 'all',
    offHoursNeed: 0,
  };

  it('shares with exactly the accounts, OUs and organization named, and lets their accounts subscribe', () => {
    const config = parseConfig({
      reservations: [
        {
          ...entry,
          borrowers: {
            accounts: ['555555555555'],
            organizationalUnits: ['arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34'],
            organization: 'arn:aws:organizations::111122223333:organization/o-abcdefghij',
          },
        },
      ],
      headsUp: { borrowerAccounts: ['666666666666', '555555555555'] },
    });
    const [reservation] = config.reservations;
    expect(reservation && sharePrincipals(reservation)).toEqual([
      '555555555555',
      'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34',
      'arn:aws:organizations::111122223333:organization/o-abcdefghij',
    ]);
    expect(borrowerAccounts(config)).toEqual(['666666666666', '555555555555']);
    expect(sharingWarnings(config)).toEqual([]);
    expect(
      sharingWarnings(
        parseConfig({
          reservations: [
            { ...entry, zeroSizePreference: 'default', borrowers: { accounts: ['555555555555'] } },
          ],
        }),
      ),
    ).toEqual([expect.stringContaining("reservations[0].zeroSizePreference is 'default'")]);
  });

  it('names the field of a bad OU, or borrowers naming nobody', () => {
    expect(() =>
      parseConfig({ reservations: [{ ...entry, borrowers: { organizationalUnits: ['ou-1234'] } }] }),
    ).toThrow(/reservations\[0\]\.borrowers\.organizationalUnits\[0\]: expected an OU ARN/);
    expect(() => parseConfig({ reservations: [{ ...entry, borrowers: {} }] })).toThrow(
      /reservations\[0\]\.borrowers: expected at least one of accounts/,
    );
  });
});

/**
 * The organization scenario on the local endpoint: a hub and a spoke owner account lend to two borrower
 * accounts (one by account id, one through its organizational unit, both as members of the organization).
 * Every account's reservations are back by the bell, RAM shares each interruptible reservation with exactly
 * the config's principals from the account that owns it, and each borrower hears `Reclaim Scheduled` on its
 * own bus at least the configured lead before the update, for the reservations shared with it and no other.
 */
import type { ShareView } from '@odcr-reclaimer/local-aws/ram.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulationResult } from '#sandbox/result.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { type LoadedScenario, loadScenarioFile, organizationMembers } from '#sandbox/scenario.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig, ReservationConfig } from '#shared/config/schema.ts';
import { sharePrincipals } from '#shared/config/sharing.ts';
import { SHARE_SOURCE_TAG } from '#shared/gateways/ram.ts';

const SCENARIO = new URL('../../../sandbox/scenarios/organization-week-2026-03.json', import.meta.url)
  .pathname;

let scenario: LoadedScenario;
let config: PolicyConfig;
let result: SimulationResult;
let shares: ShareView[] = [];
/** Each reservation's interruptible reservation id at the end. */
const interruptibleIds = new Map<string, string>();

beforeAll(async () => {
  scenario = loadScenarioFile(SCENARIO);
  config = loadConfigFile(scenario.configFile);
  // Monday and Tuesday: two London and two New York bells, the spoke's and the hub's.
  result = await runSandbox({
    scenario,
    days: 2,
    hooks: {
      finished(local) {
        shares = local.admin.ram.shareList().shares;
        for (const account of local.admin.accounts()) {
          for (const view of local.admin.listReservations({ accountId: account.id }).reservations) {
            if (view.allocation) interruptibleIds.set(view.id, view.allocation.interruptibleId);
          }
        }
      },
    },
  });
}, 300_000);

/** Whether a reservation's borrowers take in an account: by id, through its unit, or the organization. */
function borrows(reservation: ReservationConfig, accountId: string): boolean {
  const borrowers = reservation.borrowers;
  const organization = scenario.organization;
  if (borrowers === undefined) return false;
  if (borrowers.accounts.includes(accountId)) return true;
  if (organization === undefined || !organizationMembers(organization).has(accountId)) return false;
  if (borrowers.organization?.endsWith(`/${organization.id}`)) return true;
  const unit = organization.units?.find((candidate) => candidate.accounts.includes(accountId));
  return unit !== undefined && borrowers.organizationalUnits.some((arn) => arn.endsWith(`/${unit.id}`));
}

function ownerOf(reservationId: string): string {
  const seeded = scenario.seedState.reservations.find((reservation) => reservation.id === reservationId);
  return seeded?.accountId ?? scenario.settings.accountId ?? '';
}

describe('a two-account fleet lending to two borrower accounts', () => {
  it("gets every account's reservations back by the bell", () => {
    expect(result.summary.unmetNeedInstanceMinutes.late).toBe(0);
    expect(result.summary.misses).toEqual([]);
    const owners = result.summary.accounts?.owners ?? [];
    expect(owners.map((owner) => [owner.accountId, owner.hub])).toEqual([
      ['222222222222', true],
      ['333333333333', false],
    ]);
    for (const owner of owners) {
      // Two trading days: each reservation reclaimed for both bells.
      expect(owner.reclaimsForBell, owner.accountId).toBe(2 * owner.reservations);
      expect(owner.beforeBell, owner.accountId).toBe(owner.reclaimsForBell);
      expect(owner.lateInstanceMinutes).toBe(0);
    }
    const spoke = result.reservations.find((reservation) => reservation.id === 'cr-0e2200000000b0001');
    expect(spoke).toMatchObject({ accountId: '333333333333', region: 'eu-west-2' });
  });

  it('shares each interruptible reservation with exactly its principals, from the account that owns it', () => {
    const lent = config.reservations.filter((reservation) => reservation.borrowers !== undefined);
    expect(lent.length).toBe(3);
    for (const reservation of lent) {
      const id = reservation.id ?? '';
      const mine = shares.filter((share) =>
        share.tags.some((tag) => tag.key === SHARE_SOURCE_TAG && tag.value === id),
      );
      expect(mine, id).toHaveLength(1);
      const [share] = mine;
      if (share === undefined) continue;
      expect(share.owningAccountId, id).toBe(ownerOf(id));
      expect(share.allowExternalPrincipals).toBe(false);
      const associated = (type: 'PRINCIPAL' | 'RESOURCE') =>
        share.associations
          .filter(
            (association) => association.associationType === type && association.status === 'ASSOCIATED',
          )
          .map((association) => association.associatedEntity)
          .sort();
      expect(associated('PRINCIPAL'), id).toEqual(sharePrincipals(reservation).sort());
      expect(associated('RESOURCE'), id).toEqual([
        `arn:aws:ec2:${share.region}:${share.owningAccountId}:capacity-reservation/${interruptibleIds.get(id)}`,
      ]);
    }
  });

  it('tells each borrower of every reclaim of what is shared with it, at least the lead before the update', () => {
    const minutesBefore = config.headsUp.minutesBefore;
    const borrowers = result.summary.accounts?.borrowers ?? [];
    expect(borrowers.map((borrower) => borrower.accountId)).toEqual(['111111111111', '555555555555']);
    for (const borrower of borrowers) {
      const expected = config.reservations
        .filter((reservation) => borrows(reservation, borrower.accountId))
        .map((reservation) => reservation.id ?? '')
        .sort();
      expect(expected.length, borrower.accountId).toBe(2);
      expect(borrower.shared.map((entry) => entry.reservationId)).toEqual(expected);
      const scheduled = borrower.notices.filter((notice) => notice.detailType === 'Reclaim Scheduled');
      // Only for reservations shared with it.
      expect([...new Set(scheduled.map((notice) => notice.reservationId))].sort()).toEqual(expected);
      const updates = result.summary.reclaims.filter(
        (reclaim) => expected.includes(reclaim.reservationId) && reclaim.deadline !== undefined,
      );
      expect(updates.length).toBe(4);
      for (const update of updates) {
        const heads = scheduled.filter(
          (notice) => notice.reservationId === update.reservationId && notice.sessionOpen === update.deadline,
        );
        expect(heads, `${borrower.accountId} ${update.reservationId} ${update.deadline}`).toHaveLength(1);
        const [head] = heads;
        if (head === undefined) continue;
        expect(Date.parse(head.receivedAt)).toBeLessThanOrEqual(
          Date.parse(update.requestedAt) - minutesBefore * 60_000,
        );
        expect(head.ownerAccountId).toBe(ownerOf(update.reservationId));
        // Borrowers were running, so EC2 warned them, and the heads-up came first by at least the lead.
        expect(head.minutesBeforeWarning ?? 0).toBeGreaterThanOrEqual(minutesBefore);
      }
    }
  });

  it("keeps the borrowers' copies out of the service's own event log", () => {
    const keys = result.events
      .filter((event) => event['detail-type'] === 'Reclaim Scheduled')
      .map((event) => {
        const detail = event.detail as { reservationId: string; session: { open: string } };
        return `${detail.reservationId} ${detail.session.open}`;
      });
    expect(keys.length).toBe(6);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

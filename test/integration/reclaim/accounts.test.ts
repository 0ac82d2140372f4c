import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import { describe, expect, it } from 'vitest';
import { createCapacityGateways } from '#shared/runtime/gateways.ts';
import {
  EXTERNAL_ID_SPOKE_ACCOUNT,
  SPOKE_ACCOUNT,
  spokeRoleArn,
  UNDEPLOYED_SPOKE_ACCOUNT,
} from '../../support/accounts.ts';
import { WEDNESDAY_BEFORE_OPEN } from '../../support/example-week.ts';
import { localSdkConfig, reservation, SERVICE_NAMES, TRADING } from '../../support/local-service.ts';
import { type SpokeFixture, startHubAndSpokes } from '../../support/spokes.ts';
import { outcomeOf, runSchedule, tradingOutcome } from './runs.ts';

const SPOKE_RESERVATION = 'cr-0aaaaaaaaaaaaaaa1';
const DENIED_RESERVATION = 'cr-0bbbbbbbbbbbbbbb1';
const MISSING_RESERVATION = 'cr-0ccccccccccccccc1';

/** A London trading reservation, managed as XLON's sessions need. */
function london(id: string, name: string): SpokeFixture['reservation'] {
  return { id, name, market: 'XLON', availabilityZone: 'eu-west-2b' };
}

// The spoke the hub reaches; one whose stack expects another external id than the hub's config sends; one
// whose stack was never deployed.
const SPOKE: SpokeFixture = {
  accountId: SPOKE_ACCOUNT,
  region: 'eu-west-2',
  reservation: london(SPOKE_RESERVATION, 'spoke-trading'),
};
const REFUSED_SPOKES: SpokeFixture[] = [
  {
    accountId: EXTERNAL_ID_SPOKE_ACCOUNT,
    region: 'eu-west-2',
    externalId: 'the-hubs-id',
    stack: { externalId: 'another-id' },
    reservation: london(DENIED_RESERVATION, 'denied-trading'),
  },
  {
    accountId: UNDEPLOYED_SPOKE_ACCOUNT,
    region: 'eu-west-2',
    stack: 'not deployed',
    reservation: london(MISSING_RESERVATION, 'missing-trading'),
  },
];

describe('hub and spokes', () => {
  it("reclaims every reachable account's reservations by the bell; an account whose role is refused pages", async () => {
    // 13:06 London: inside London's session, and inside the lead before the XNYS open at 13:30Z.
    const service = await startHubAndSpokes({
      now: WEDNESDAY_BEFORE_OPEN,
      spokes: [SPOKE, ...REFUSED_SPOKES],
    });
    const { aws } = service;

    const result = await runSchedule(service);

    expect(tradingOutcome(result)).toMatchObject({
      outcome: 'updated',
      to: 0,
    });
    expect(outcomeOf(result, SPOKE_RESERVATION)).toMatchObject({
      outcome: 'updated',
      from: 60,
      to: 0,
    });
    const reached = result.outcomes.map((outcome) => outcome.reservationId);
    expect(reached).not.toContain(DENIED_RESERVATION);
    expect(reached).not.toContain(MISSING_RESERVATION);
    for (const account of [EXTERNAL_ID_SPOKE_ACCOUNT, UNDEPLOYED_SPOKE_ACCOUNT])
      expect(
        result.warnings.some((warning) => warning.startsWith(`account ${account} could not be read`)),
      ).toBe(true);
    // The spoke was entered through STS, as the hub's function role, into the role its stack created.
    const assumed = aws.admin.calls({ service: 'sts', action: 'AssumeRole' }).calls;
    expect(
      new Set(assumed.map((call) => `${(call.params as { RoleArn: string }).RoleArn} ${call.outcome}`)),
    ).toEqual(
      new Set([
        `${spokeRoleArn(SPOKE_ACCOUNT)} ok`,
        `${spokeRoleArn(EXTERNAL_ID_SPOKE_ACCOUNT)} AccessDenied`,
        `${spokeRoleArn(UNDEPLOYED_SPOKE_ACCOUNT)} AccessDenied`,
      ]),
    );
    const spokeCalls = aws.admin.calls({
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
    });
    expect(spokeCalls.calls.filter((call) => call.account === SPOKE_ACCOUNT)).not.toHaveLength(0);

    aws.setClock('2025-03-12T13:30:00Z');
    const spokeReservation = aws.admin.listReservations({ id: SPOKE_RESERVATION, accountId: SPOKE_ACCOUNT })
      .reservations[0];
    expect(spokeReservation?.allocation).toMatchObject({ current: 0, target: 0 });
    expect(reservation(aws, TRADING).allocation).toMatchObject({ current: 0, target: 0 });
    // The refused accounts' reservations are untouched: still lent.
    expect(
      aws.admin.listReservations({ id: DENIED_RESERVATION, accountId: EXTERNAL_ID_SPOKE_ACCOUNT })
        .reservations[0]?.allocation,
    ).toMatchObject({ current: 60, target: 60 });
    // The spoke's records stay in the spoke; the hub's events say whose reservation each is.
    expect(spokeReservation?.tags['odcr-reclaimer:requested-target']).toBe('0');
    const requested = aws.admin
      .events({ source: 'odcr-reclaimer' })
      .events.filter((event) => event['detail-type'] === 'Allocation Change Requested')
      .map((event) => event.detail as { reservationId: string; accountId?: string });
    expect(requested).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reservationId: SPOKE_RESERVATION, accountId: SPOKE_ACCOUNT }),
        expect.objectContaining({ reservationId: TRADING }),
      ]),
    );
    expect(requested.find((detail) => detail.reservationId === TRADING)?.accountId).toBeUndefined();
    const unreachable = aws.admin
      .metrics()
      .metrics.filter((metric) => metric.metricName === 'AccountsUnreachable');
    expect(unreachable.map((metric) => metric.value)).toEqual([2]);
  });

  it("lets on-call's follow read a spoke's reservation through the gateway factory", async () => {
    const service = await startHubAndSpokes({ now: WEDNESDAY_BEFORE_OPEN, spokes: [SPOKE] });
    const { config } = service;
    const url = service.aws.url;
    // EC2 alone, as `npm run oncall` builds it to follow a change (here signing as a hub function role).
    const capacity = createCapacityGateways({
      names: SERVICE_NAMES,
      regions: config.regions,
      accounts: config.accounts,
      clientSettings: (scope) => ({
        ...localSdkConfig(url, 1, scope.region),
        credentials: {
          accessKeyId: accessKeyIdFor('odcr-reclaimer-dev-us-east-1-reclaim-on-demand'),
          secretAccessKey: 'x',
        },
      }),
    });
    const snapshots = await capacity.describeManaged();
    expect(snapshots.find((snapshot) => snapshot.reservationId === SPOKE_RESERVATION)).toMatchObject({
      accountId: SPOKE_ACCOUNT,
      region: 'eu-west-2',
    });
    expect(snapshots.some((snapshot) => snapshot.reservationId === TRADING)).toBe(true);
  });
});

import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { parseConfig } from '#shared/config/schema.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { createCapacityGateways } from '#shared/runtime/gateways.ts';
import {
  EXAMPLE_CONFIG_FILE,
  lambdaContext,
  localSdkConfig,
  reservation,
  SERVICE_NAMES,
  scheduledEvent,
  TRADING,
} from '../../support/local-service.ts';
import { type HubAndSpokes, startHubAndSpokes } from '../../support/spokes.ts';

const SPOKE = '333333333333';
const WRONG_EXTERNAL_ID = '444444444444';
const NO_STACK = '666666666666';
const SPOKE_RESERVATION = 'cr-0aaaaaaaaaaaaaaa1';
const DENIED_RESERVATION = 'cr-0bbbbbbbbbbbbbbb1';
const MISSING_RESERVATION = 'cr-0ccccccccccccccc1';

let service: HubAndSpokes | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A London trading reservation: 100 owned, 60 lent, all needed in XLON sessions. */
function londonReservationConfig(id: string, name: string) {
  return { id, name, market: 'XLON', tradingNeed: 'all', offHoursNeed: 40, ceiling: 60 };
}

function londonReservation(accountId: string, id: string) {
  return {
    accountId,
    id,
    instanceType: 'm7i.2xlarge',
    availabilityZone: 'eu-west-2b',
    totalInstanceCount: 100,
    tags: { 'odcr-reclaimer:managed': 'true' },
    interruptible: { instanceCount: 60, borrowed: 20 },
  };
}

describe('hub and spokes', () => {
  it("reclaims every reachable account's reservations by the bell; an account whose role is refused pages", async () => {
    // Wednesday 2025-03-12, 09:06 New York (13:06 London): inside the lead before the XNYS open at 13:30Z,
    // and inside London's session.
    const now = '2025-03-12T13:06:00Z';
    const base = loadConfigFile(EXAMPLE_CONFIG_FILE);
    const config = parseConfig({
      ...JSON.parse(JSON.stringify(base)),
      reservations: [
        ...base.reservations,
        londonReservationConfig(SPOKE_RESERVATION, 'spoke-trading'),
        londonReservationConfig(DENIED_RESERVATION, 'denied-trading'),
        londonReservationConfig(MISSING_RESERVATION, 'missing-trading'),
      ],
      accounts: [
        { id: SPOKE, role: 'odcr-reclaimer-spoke', regions: ['eu-west-2'] },
        {
          id: WRONG_EXTERNAL_ID,
          role: 'odcr-reclaimer-spoke',
          externalId: 'the-hubs-id',
          regions: ['eu-west-2'],
        },
        { id: NO_STACK, role: 'odcr-reclaimer-spoke', regions: ['eu-west-2'] },
      ],
    });
    service = await startHubAndSpokes({
      now,
      config,
      reservations: [
        londonReservation(SPOKE, SPOKE_RESERVATION),
        londonReservation(WRONG_EXTERNAL_ID, DENIED_RESERVATION),
        londonReservation(NO_STACK, MISSING_RESERVATION),
      ],
      spokes: [
        { accountId: SPOKE },
        { accountId: WRONG_EXTERNAL_ID, stack: { externalId: 'another-id' } },
        { accountId: NO_STACK, stack: 'not deployed' },
      ],
    });
    const { aws } = service;

    const result: ReconcileResult = await createHandler(service.dependencies)(
      scheduledEvent(aws),
      lambdaContext(),
    );

    expect(result.outcomes.find((outcome) => outcome.reservationId === TRADING)).toMatchObject({
      outcome: 'updated',
      to: 0,
    });
    expect(result.outcomes.find((outcome) => outcome.reservationId === SPOKE_RESERVATION)).toMatchObject({
      outcome: 'updated',
      from: 60,
      to: 0,
    });
    const reached = result.outcomes.map((outcome) => outcome.reservationId);
    expect(reached).not.toContain(DENIED_RESERVATION);
    expect(reached).not.toContain(MISSING_RESERVATION);
    for (const account of [WRONG_EXTERNAL_ID, NO_STACK])
      expect(
        result.warnings.some((warning) => warning.startsWith(`account ${account} could not be read`)),
      ).toBe(true);
    // The spoke was entered through STS, as the hub's function role, into the role its stack created.
    const assumed = aws.admin.calls({ service: 'sts', action: 'AssumeRole' }).calls;
    expect(
      new Set(assumed.map((call) => `${(call.params as { RoleArn: string }).RoleArn} ${call.outcome}`)),
    ).toEqual(
      new Set([
        `arn:aws:iam::${SPOKE}:role/odcr-reclaimer-spoke ok`,
        `arn:aws:iam::${WRONG_EXTERNAL_ID}:role/odcr-reclaimer-spoke AccessDenied`,
        `arn:aws:iam::${NO_STACK}:role/odcr-reclaimer-spoke AccessDenied`,
      ]),
    );
    const spokeCalls = aws.admin.calls({
      service: 'ec2',
      action: 'UpdateInterruptibleCapacityReservationAllocation',
    });
    expect(spokeCalls.calls.filter((call) => call.account === SPOKE)).not.toHaveLength(0);

    aws.setClock('2025-03-12T13:30:00Z');
    const spokeReservation = aws.admin.listReservations({ id: SPOKE_RESERVATION, accountId: SPOKE })
      .reservations[0];
    expect(spokeReservation?.allocation).toMatchObject({ current: 0, target: 0 });
    expect(reservation(aws, TRADING).allocation).toMatchObject({ current: 0, target: 0 });
    // The refused accounts' reservations are untouched: still lent.
    expect(
      aws.admin.listReservations({ id: DENIED_RESERVATION, accountId: WRONG_EXTERNAL_ID }).reservations[0]
        ?.allocation,
    ).toMatchObject({ current: 60, target: 60 });
    // The spoke's records stay in the spoke; the hub's events say whose reservation each is.
    expect(spokeReservation?.tags['odcr-reclaimer:requested-target']).toBe('0');
    const requested = aws.admin
      .events({ source: 'odcr-reclaimer' })
      .events.filter((event) => event['detail-type'] === 'Allocation Change Requested')
      .map((event) => event.detail as { reservationId: string; accountId?: string });
    expect(requested).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reservationId: SPOKE_RESERVATION, accountId: SPOKE }),
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
    const now = '2025-03-12T13:06:00Z';
    const base = loadConfigFile(EXAMPLE_CONFIG_FILE);
    const config = parseConfig({
      ...JSON.parse(JSON.stringify(base)),
      reservations: [...base.reservations, londonReservationConfig(SPOKE_RESERVATION, 'spoke-trading')],
      accounts: [{ id: SPOKE, role: 'odcr-reclaimer-spoke', regions: ['eu-west-2'] }],
    });
    service = await startHubAndSpokes({
      now,
      config,
      reservations: [londonReservation(SPOKE, SPOKE_RESERVATION)],
      spokes: [{ accountId: SPOKE }],
    });
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
      accountId: SPOKE,
      region: 'eu-west-2',
    });
    expect(snapshots.some((snapshot) => snapshot.reservationId === TRADING)).toBe(true);
  });
});

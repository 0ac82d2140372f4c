import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { AwsCallError } from '#shared/errors/index.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import {
  type LocalService,
  lambdaContext,
  localGateways,
  localSdkConfig,
  reservation,
  scheduledEvent,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';

const SPOKE = '333333333333';
const DENIED = '444444444444';
const SPOKE_RESERVATION = 'cr-0aaaaaaaaaaaaaaa1';
const DENIED_RESERVATION = 'cr-0bbbbbbbbbbbbbbb1';

let hub: LocalService | undefined;
let spoke: LocalAws | undefined;
afterEach(async () => {
  await hub?.close();
  await spoke?.close();
  hub = undefined;
  spoke = undefined;
});

/** A spoke reservation like the hub's trading fleet: 100 owned, 60 lent, all needed in XNYS sessions. */
function spokeReservationConfig(id: string, name: string) {
  return { id, name, market: 'XNYS', tradingNeed: 'all', offHoursNeed: 40, ceiling: 60 };
}

describe('hub and spokes', () => {
  it("reclaims every reachable account's reservations by the bell; an account whose role is refused pages", async () => {
    // Wednesday 2025-03-12, 09:06 New York: inside the lead before the 09:30 open.
    const now = '2025-03-12T13:06:00Z';
    hub = await startLocalService({ now });
    // The spoke's own EC2 (its account's state is its own): one managed reservation lending 60.
    spoke = await startLocalAws({
      port: 0,
      seed: {
        now,
        reservations: [
          {
            id: SPOKE_RESERVATION,
            instanceType: 'm7i.2xlarge',
            availabilityZone: 'us-east-1b',
            totalInstanceCount: 100,
            tags: { 'odcr-reclaimer:managed': 'true' },
            interruptible: { instanceCount: 60, borrowed: 20 },
          },
        ],
      },
      settings: { start: now },
    });
    const base = hub.config;
    const config = parseConfig({
      ...JSON.parse(JSON.stringify(base)),
      reservations: [
        ...base.reservations,
        spokeReservationConfig(SPOKE_RESERVATION, 'spoke-trading'),
        spokeReservationConfig(DENIED_RESERVATION, 'denied-trading'),
      ],
      accounts: [
        { id: SPOKE, role: 'odcr-reclaimer-spoke' },
        { id: DENIED, role: 'odcr-reclaimer-spoke', externalId: 'wrong-id' },
      ],
    });
    const spokeUrl = spoke.url;
    // The spoke clients as the factory makes them, with the credentials the STS seam would give: the spoke's
    // endpoint for the reachable account, and AssumeRole's refusal for the other.
    const gateways = localGateways(hub.aws.url, {
      sleep: (ms) => hub?.aws.clock.sleep(ms) ?? Promise.resolve(),
      maxAttempts: 1,
      accounts: config.accounts,
      urlFor: (scope) => (scope.account === undefined ? undefined : spokeUrl),
      spokeCredentials: (access) =>
        access.accountId === DENIED
          ? async () => {
              throw new AwsCallError(
                'sts',
                'AssumeRole',
                'AccessDenied',
                'sts:AssumeRole failed: AccessDenied',
              );
            }
          : localSdkConfig(spokeUrl).credentials,
    });
    const dependencies = { ...hub.dependencies, config, gateways };

    const result: ReconcileResult = await createHandler(dependencies)(
      scheduledEvent(hub.aws),
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
    expect(result.outcomes.some((outcome) => outcome.reservationId === DENIED_RESERVATION)).toBe(false);
    expect(result.warnings.some((warning) => warning.startsWith(`account ${DENIED} could not be read`))).toBe(
      true,
    );
    spoke.setClock('2025-03-12T13:30:00Z');
    hub.aws.setClock('2025-03-12T13:30:00Z');
    expect(spoke.admin.listReservations({ id: SPOKE_RESERVATION }).reservations[0]?.allocation).toMatchObject(
      {
        current: 0,
        target: 0,
      },
    );
    expect(reservation(hub.aws, TRADING).allocation).toMatchObject({ current: 0, target: 0 });
    // The spoke's records stay in the spoke; the hub's events say whose reservation each is.
    expect(
      spoke.admin.listReservations({ id: SPOKE_RESERVATION }).reservations[0]?.tags[
        'odcr-reclaimer:requested-target'
      ],
    ).toBe('0');
    const requested = hub.aws.admin
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
    const unreachable = hub.aws.admin
      .metrics()
      .metrics.filter((metric) => metric.metricName === 'AccountsUnreachable');
    expect(unreachable.map((metric) => metric.value)).toEqual([1]);
  });
});

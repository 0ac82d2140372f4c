import {
  AssociateResourceShareCommand,
  DisassociateResourceShareCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createHandler as createOnDemandHandler } from '#functions/reclaim-on-demand/handler.ts';
import type { InterruptibleChangedDetail, SharingDriftDetail } from '#shared/events/service-events.ts';
import {
  BORROWER_ACCOUNT,
  heartbeat,
  lentToBorrowers,
  organizeWithBorrowers,
  serviceEvents,
} from '../../support/borrower-events.ts';
import {
  type LocalService,
  lambdaContext,
  localSdkConfig,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';

const SECOND_BORROWER = '777777777777';
const STRANGER = '888888888888';

const changes = (local: LocalService) =>
  serviceEvents<InterruptibleChangedDetail>(
    local,
    (detailType) => detailType === 'Interruptible Reservation Changed',
  ).map((event) => event.detail);

describe('sharing with borrowers', () => {
  it('warns in status when a reservation lent to borrowers does not retain its allocation at 0', async () => {
    const service = await startLocalService({ now: '2025-03-12T02:00:00Z' });
    const config = lentToBorrowers(service, 'default');
    const answer = (await createOnDemandHandler({ ...service.dependencies, config })(
      { action: 'status' },
      lambdaContext(),
    )) as { warnings: string[] };
    expect(answer.warnings.filter((warning) => warning.includes('zeroSizePreference'))).toEqual([
      expect.stringContaining("reservations[0].zeroSizePreference is 'default' for xnys-trading-r7i"),
    ]);
    const retained = (await createOnDemandHandler({
      ...service.dependencies,
      config: lentToBorrowers(service, 'retain'),
    })({ action: 'status' }, lambdaContext())) as { warnings: string[] };
    expect(retained.warnings.some((warning) => warning.includes('zeroSizePreference'))).toBe(false);
  });

  it('tells borrowers the interruptible reservation id once, and again when it changes', async () => {
    const local = await startLocalService({ now: '2025-03-12T02:00:00Z' });
    const config = lentToBorrowers(local, 'retain');
    await heartbeat(local, undefined, config);
    await heartbeat(local, undefined, config);
    const first = reservation(local.aws, TRADING).allocation?.interruptibleId;
    expect(changes(local)).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        interruptibleReservationId: first,
        sharedWith: [BORROWER_ACCOUNT],
      }),
    ]);
    expect(changes(local)[0]?.previousInterruptibleReservationId).toBeUndefined();
    // As if the allocation had been cancelled at 0 and created again: the recorded id is not the current one.
    await local.gateways.capacity.tag(TRADING, {
      'odcr-reclaimer:interruptible-id': 'cr-0ffffffffffffff00',
    });
    await heartbeat(local, undefined, config);
    expect(changes(local)).toHaveLength(2);
    expect(changes(local)[1]).toMatchObject({
      interruptibleReservationId: first,
      previousInterruptibleReservationId: 'cr-0ffffffffffffff00',
    });
  });
});

/** The trading reservation's share as RAM holds it: its principals and resources associated now. */
function tradingShare(local: LocalService) {
  const shares = local.aws.admin.ram
    .shareList()
    .shares.filter((share) => share.status === 'ACTIVE' && share.tags.some((tag) => tag.value === TRADING));
  expect(shares).toHaveLength(1);
  const [share] = shares;
  const associated = (type: 'PRINCIPAL' | 'RESOURCE') =>
    (share?.associations ?? [])
      .filter((association) => association.associationType === type && association.status === 'ASSOCIATED')
      .map((association) => association.associatedEntity)
      .sort();
  return {
    arn: share?.resourceShareArn ?? '',
    principals: associated('PRINCIPAL'),
    resources: associated('RESOURCE'),
  };
}

/** The interruptible reservation's ARN, as RAM shares it. */
function interruptibleArn(local: LocalService): string {
  const id = reservation(local.aws, TRADING).allocation?.interruptibleId;
  expect(id).toBeDefined();
  return `arn:aws:ec2:us-east-1:123456789012:capacity-reservation/${id}`;
}

const drifts = (local: LocalService) =>
  serviceEvents<SharingDriftDetail>(local, (detailType) => detailType === 'Sharing Drift Corrected').map(
    (event) => event.detail,
  );

describe('sharing with borrowers through RAM on the local endpoint', () => {
  it('shares the interruptible reservation with exactly the configured principals, and puts back changes made by hand', async () => {
    const local = await startLocalService({ now: '2025-03-12T02:00:00Z' });
    organizeWithBorrowers(local, [BORROWER_ACCOUNT, SECOND_BORROWER, STRANGER]);
    const config = lentToBorrowers(local, 'retain', [BORROWER_ACCOUNT, SECOND_BORROWER]);
    await heartbeat(local, undefined, config);
    const created = tradingShare(local);
    expect(created.principals).toEqual([BORROWER_ACCOUNT, SECOND_BORROWER]);
    expect(created.resources).toEqual([interruptibleArn(local)]);
    const digest = reservation(local.aws, TRADING).tags['odcr-reclaimer:shared-with'];
    expect(digest).toBeDefined();
    // In step: another run changes nothing and reports no drift.
    await heartbeat(local, '2025-03-12T02:05:00Z', config);
    expect(local.aws.admin.calls({ service: 'ram', action: 'AssociateResourceShare' }).calls).toEqual([]);
    expect(drifts(local)).toEqual([]);

    // Someone adds a stranger and removes a borrower in the console.
    const ram = new RAMClient(localSdkConfig(local.aws.url));
    onTestFinished(() => ram.destroy());
    await ram.send(
      new AssociateResourceShareCommand({ resourceShareArn: created.arn, principals: [STRANGER] }),
    );
    await ram.send(
      new DisassociateResourceShareCommand({ resourceShareArn: created.arn, principals: [SECOND_BORROWER] }),
    );
    expect(tradingShare(local).principals).toEqual([BORROWER_ACCOUNT, STRANGER]);

    await heartbeat(local, '2025-03-12T02:10:00Z', config);
    expect(tradingShare(local)).toEqual(created);
    expect(drifts(local)).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        shareArn: created.arn,
        added: [STRANGER],
        removed: [SECOND_BORROWER],
        sharedWith: [BORROWER_ACCOUNT, SECOND_BORROWER],
      }),
    ]);
    expect(reservation(local.aws, TRADING).tags['odcr-reclaimer:share-drift']).toBe(
      `2025-03-12T02:10:00.000Z|+${STRANGER}|-${SECOND_BORROWER}`,
    );
    const driftMetrics = local.aws.admin
      .metrics()
      .metrics.filter((metric) => metric.metricName === 'SharingDrift');
    expect(driftMetrics.map((metric) => metric.value)).toEqual([1]);

    // The config lends to one borrower fewer: the share follows, and that is no drift.
    await heartbeat(local, '2025-03-12T02:15:00Z', lentToBorrowers(local, 'retain', [BORROWER_ACCOUNT]));
    expect(tradingShare(local).principals).toEqual([BORROWER_ACCOUNT]);
    expect(drifts(local)).toHaveLength(1);
  });

  it('follows a re-created allocation to its new interruptible reservation id, and tells borrowers', async () => {
    const local = await startLocalService({ now: '2025-03-12T02:00:00Z' });
    // 'default': at 0 EC2 cancels the allocation, and the next lend creates another with a new id.
    organizeWithBorrowers(local);
    const config = lentToBorrowers(local, 'default');
    await heartbeat(local, undefined, config);
    const first = interruptibleArn(local);
    expect(tradingShare(local).resources).toEqual([first]);

    // Wednesday's session: everything back by the 13:30Z bell, so the allocation is cancelled at 0.
    await heartbeat(local, '2025-03-12T13:05:00Z', config);
    local.aws.setClock('2025-03-12T13:30:00Z');
    expect(reservation(local.aws, TRADING).allocation).toBeUndefined();
    // After the close (20:00Z) and the cooldown, lent again: a new allocation, a new id.
    await heartbeat(local, '2025-03-12T22:00:00Z', config);
    const second = interruptibleArn(local);
    expect(second).not.toBe(first);
    expect(tradingShare(local)).toMatchObject({ principals: [BORROWER_ACCOUNT], resources: [second] });
    const changed = serviceEvents<InterruptibleChangedDetail>(
      local,
      (detailType) => detailType === 'Interruptible Reservation Changed',
    ).map((event) => event.detail);
    expect(changed.at(-1)).toMatchObject({
      reservationId: TRADING,
      interruptibleReservationId: second.split('/')[1],
      previousInterruptibleReservationId: first.split('/')[1],
      sharedWith: [BORROWER_ACCOUNT],
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createOnDemandHandler } from '#functions/reclaim-on-demand/handler.ts';
import type { InterruptibleChangedDetail } from '#shared/events/service-events.ts';
import {
  BORROWER_ACCOUNT,
  heartbeat,
  lentToBorrowers,
  serviceEvents,
} from '../../support/borrower-events.ts';
import {
  type LocalService,
  lambdaContext,
  reservation,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';

let service: LocalService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const changes = (local: LocalService) =>
  serviceEvents<InterruptibleChangedDetail>(
    local,
    (detailType) => detailType === 'Interruptible Reservation Changed',
  ).map((event) => event.detail);

describe('sharing with borrowers', () => {
  it('warns in status when a reservation lent to borrowers does not retain its allocation at 0', async () => {
    service = await startLocalService({ now: '2025-03-12T02:00:00Z' });
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
    service = local;
    const config = lentToBorrowers(local, 'retain');
    await heartbeat(local, undefined, config);
    await heartbeat(local, undefined, config);
    const first = reservation(service.aws, TRADING).allocation?.interruptibleId;
    expect(changes(service)).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        interruptibleReservationId: first,
        sharedWith: [BORROWER_ACCOUNT],
      }),
    ]);
    expect(changes(service)[0]?.previousInterruptibleReservationId).toBeUndefined();
    // As if the allocation had been cancelled at 0 and created again: the recorded id is not the current one.
    await service.gateways.capacity.tag(TRADING, {
      'odcr-reclaimer:interruptible-id': 'cr-0ffffffffffffff00',
    });
    await heartbeat(local, undefined, config);
    expect(changes(service)).toHaveLength(2);
    expect(changes(service)[1]).toMatchObject({
      interruptibleReservationId: first,
      previousInterruptibleReservationId: 'cr-0ffffffffffffff00',
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createHandler as createOnDemandHandler } from '#functions/reclaim-on-demand/handler.ts';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { parseConfig } from '#shared/config/schema.ts';
import type { InterruptibleChangedDetail } from '#shared/events/service-events.ts';
import {
  type LocalService,
  lambdaContext,
  reservation,
  scheduledEvent,
  startLocalService,
  TRADING,
} from '../../support/local-service.ts';

let service: LocalService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const BORROWERS = { accounts: ['555555555555'], organizationalUnits: [] };

function lentToBorrowers(local: LocalService, zeroSizePreference: 'retain' | 'default') {
  const base = JSON.parse(JSON.stringify(local.config)) as { reservations: Record<string, unknown>[] };
  return parseConfig({
    ...base,
    reservations: base.reservations.map((entry) =>
      entry.id === TRADING ? { ...entry, zeroSizePreference, borrowers: BORROWERS } : entry,
    ),
  });
}

function changes(local: LocalService): InterruptibleChangedDetail[] {
  return local.aws.admin
    .events({ source: 'odcr-reclaimer' })
    .events.filter((event) => event['detail-type'] === 'Interruptible Reservation Changed')
    .map((event) => event.detail as InterruptibleChangedDetail);
}

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
    const dependencies = { ...local.dependencies, config };
    const heartbeat = () => createHandler(dependencies)(scheduledEvent(local.aws), lambdaContext());
    await heartbeat();
    await heartbeat();
    const first = reservation(service.aws, TRADING).allocation?.interruptibleId;
    expect(changes(service)).toEqual([
      expect.objectContaining({
        reservationId: TRADING,
        interruptibleReservationId: first,
        sharedWith: ['555555555555'],
      }),
    ]);
    expect(changes(service)[0]?.previousInterruptibleReservationId).toBeUndefined();
    // As if the allocation had been cancelled at 0 and created again: the recorded id is not the current one.
    await service.gateways.capacity.tag(TRADING, {
      'odcr-reclaimer:interruptible-id': 'cr-0ffffffffffffff00',
    });
    await heartbeat();
    expect(changes(service)).toHaveLength(2);
    expect(changes(service)[1]).toMatchObject({
      interruptibleReservationId: first,
      previousInterruptibleReservationId: 'cr-0ffffffffffffff00',
    });
  });
});

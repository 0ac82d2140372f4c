/**
 * Borrowers launch into the interruptible reservation by id. A source whose allocation was cancelled at 0
 * (`zeroSizePreference: default`) and created again has a new one: each new id is published once as
 * `Interruptible Reservation Changed` (the first id seen too, so borrowers learn it), for reservations the
 * config lends to named `borrowers`, recorded (`records.announcedInterruptibleId`) only after PutEvents took it.
 */
import type { PolicyConfig } from '../config/schema.ts';
import { sharePrincipals } from '../config/sharing.ts';
import { errorMessage } from '../errors/index.ts';
import { DETAIL_TYPE, type InterruptibleChangedDetail, type ServiceEvent } from '../events/service-events.ts';
import { type Gateways, writeTags } from '../gateways/index.ts';
import type { Decision, Observation } from '../policy/types.ts';
import { announcedInterruptibleIdCodec } from '../records/tags.ts';

/** The events owed for new interruptible reservation ids, for the decided reservations. */
export function interruptibleIdChanges(
  observation: Observation,
  decisions: readonly Decision[],
  config: Pick<PolicyConfig, 'reservations'>,
  triggerId: string,
  now: Date,
): ServiceEvent<InterruptibleChangedDetail>[] {
  const names = new Map(decisions.map((decision) => [decision.reservationId, decision.name]));
  return observation.reservations.flatMap((snapshot) => {
    const current = snapshot.allocation?.interruptibleReservationId;
    const previous = snapshot.records.announcedInterruptibleId;
    if (current === undefined || current === previous || !names.has(snapshot.reservationId)) return [];
    const name = names.get(snapshot.reservationId);
    const entry = config.reservations.find((reservation) => reservation.name === name);
    // Only reservations lent to named borrowers: they are who launch into the id.
    if (entry?.borrowers === undefined) return [];
    const detail: InterruptibleChangedDetail = {
      reservationId: snapshot.reservationId,
      ...(snapshot.accountId === undefined ? {} : { accountId: snapshot.accountId }),
      ...(name === undefined ? {} : { name }),
      interruptibleReservationId: current,
      ...(previous === undefined ? {} : { previousInterruptibleReservationId: previous }),
      region: snapshot.region,
      availabilityZone: snapshot.availabilityZone,
      sharedWith: sharePrincipals(entry),
      triggerId,
    };
    return [
      {
        detailType: DETAIL_TYPE.interruptibleChanged,
        time: now,
        resources: [snapshot.reservationId, current],
        detail,
      },
    ];
  });
}

/** Publishes the changes and records each one PutEvents took; returns the warnings. */
export async function announceInterruptibleIds(
  gateways: Gateways,
  events: readonly ServiceEvent<InterruptibleChangedDetail>[],
): Promise<{ notPublished: number; notRecorded: number; warnings: string[] }> {
  if (events.length === 0) return { notPublished: 0, notRecorded: 0, warnings: [] };
  const warnings: string[] = [];
  let refused: ReadonlySet<ServiceEvent> = new Set();
  try {
    refused = new Set((await gateways.events.publish(events)).rejected);
  } catch (error: unknown) {
    refused = new Set(events);
    warnings.push(`interruptible reservation changes not published: ${errorMessage(error)}`);
  }
  const sent = events.filter((event) => !refused.has(event));
  const failures = await writeTags(
    gateways.capacity,
    sent.map((event) => ({
      reservationId: event.detail.reservationId,
      tags: announcedInterruptibleIdCodec.tags(event.detail.interruptibleReservationId),
    })),
  );
  for (const { reservationId, error } of failures)
    warnings.push(`${reservationId}: interruptible reservation id not recorded: ${errorMessage(error)}`);
  return { notPublished: events.length - sent.length, notRecorded: failures.length, warnings };
}

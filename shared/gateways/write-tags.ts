import { mapWithConcurrency } from '../util/concurrency.ts';
import type { CapacityGateway, TagFailure, TagRequest, UntagRequest } from './ec2-capacity.ts';

/** Tag writes in flight at once when a gateway cannot batch them. */
const FALLBACK_CONCURRENCY = 8;

/**
 * Writes many reservations' tags: batched when the gateway can (`tagMany`), else one call per reservation.
 * Never throws: the reservations whose tags were not written come back with their error.
 */
export async function writeTags(
  gateway: Pick<CapacityGateway, 'tag' | 'tagMany'>,
  requests: readonly TagRequest[],
): Promise<TagFailure[]> {
  const wanted = requests.filter((request) => Object.keys(request.tags).length > 0);
  if (wanted.length === 0) return [];
  if (gateway.tagMany) return gateway.tagMany(wanted);
  return oneByOne(wanted, (request) => gateway.tag(request.reservationId, request.tags));
}

/** DeleteTags for many reservations, like `writeTags`. */
export async function deleteTags(
  gateway: Pick<CapacityGateway, 'untag' | 'untagMany'>,
  requests: readonly UntagRequest[],
): Promise<TagFailure[]> {
  const wanted = requests.filter((request) => request.keys.length > 0);
  if (wanted.length === 0) return [];
  if (gateway.untagMany) return gateway.untagMany(wanted);
  return oneByOne(wanted, (request) => gateway.untag(request.reservationId, request.keys));
}

/** A gateway without the batched calls: one call per reservation, a few at a time, each failure kept. */
async function oneByOne<R extends { reservationId: string }>(
  requests: readonly R[],
  send: (request: R) => Promise<void>,
): Promise<TagFailure[]> {
  const results = await mapWithConcurrency(requests, FALLBACK_CONCURRENCY, async (request) => {
    try {
      await send(request);
      return undefined;
    } catch (error: unknown) {
      return { reservationId: request.reservationId, error };
    }
  });
  return results.filter((failure): failure is TagFailure => failure !== undefined);
}

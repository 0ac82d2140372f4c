/**
 * Keeps each reservation's RAM share in step with the config's `borrowers`: created once the source has an
 * interruptible reservation, following a re-created allocation's new id, put back when someone changed its
 * principals by hand (a drift record, a `Sharing Drift Corrected` event and the `SharingDrift` metric), and
 * emptied when the config lends to nobody any more. The plan is pure (shared/domain/share-plan.ts); this
 * applies it, account by account and region by region, so one account's RAM failing costs only its shares.
 */
import type { PolicyConfig } from '../config/schema.ts';
import { sharePrincipals } from '../config/sharing.ts';
import type { ReservationSnapshot } from '../domain/reservation.ts';
import {
  type DesiredShare,
  interruptibleReservationArn,
  type ObservedShare,
  planShare,
} from '../domain/share-plan.ts';
import { errorMessage } from '../errors/index.ts';
import { DETAIL_TYPE, type ServiceEvent, type SharingDriftDetail } from '../events/service-events.ts';
import {
  type CapacityGateway,
  deleteTags,
  type SharingGateway,
  type SharingGateways,
  type TagRequest,
  type UntagRequest,
  writeTags,
} from '../gateways/index.ts';
import type { Logger } from '../logging/logger.ts';
import { shareDigestCodec, shareRecordTags } from '../records/sharing.ts';

export interface SharingInput {
  /** The reservations to keep shared (the run's decided ones), as observed after its own changes. */
  snapshots: readonly ReservationSnapshot[];
  /** Each reservation's config name, from the decisions. */
  names: ReadonlyMap<string, string | undefined>;
  config: Pick<PolicyConfig, 'reservations'>;
  sharing: SharingGateways;
  capacity: Pick<CapacityGateway, 'tag' | 'tagMany' | 'untag' | 'untagMany'>;
  triggerId: string;
  now: Date;
  log: Logger;
}

export interface SharingResult {
  /** `Sharing Drift Corrected`, one per share put back; the caller publishes them with its own. */
  events: ServiceEvent<SharingDriftDetail>[];
  /** Shares found changed by hand and put back. */
  drifts: number;
  /** Shares that could not be read or changed: they are tried again on the next reconcile. */
  notInStep: number;
  /** Share records not written (the share itself is in step). */
  recordsNotWritten: number;
  warnings: string[];
}

interface Candidate {
  snapshot: ReservationSnapshot;
  name?: string;
  desired: DesiredShare;
}

/** The share each decided reservation should have; those never shared and lent to nobody need no RAM call. */
function candidates(input: SharingInput): Candidate[] {
  return input.snapshots.flatMap((snapshot) => {
    const name = input.names.get(snapshot.reservationId);
    const entry = input.config.reservations.find((reservation) => reservation.name === name);
    const principals = entry === undefined ? [] : sharePrincipals(entry);
    const recordedDigest = snapshot.records.shareDigest;
    if (principals.length === 0 && recordedDigest === undefined) return [];
    const interruptibleId = snapshot.allocation?.interruptibleReservationId;
    const resourceArn =
      interruptibleId === undefined || snapshot.arn === undefined
        ? undefined
        : interruptibleReservationArn(snapshot.arn, interruptibleId);
    const desired: DesiredShare = {
      sourceReservationId: snapshot.reservationId,
      principals,
      ...(resourceArn === undefined ? {} : { resourceArn }),
      ...(recordedDigest === undefined ? {} : { recordedDigest }),
    };
    return [{ snapshot, ...(name === undefined ? {} : { name }), desired }];
  });
}

/** Puts every decided reservation's share in step; never throws (what failed is counted and warned). */
export async function keepSharesInStep(input: SharingInput): Promise<SharingResult> {
  const result: SharingResult = { events: [], drifts: 0, notInStep: 0, recordsNotWritten: 0, warnings: [] };
  const wanted = candidates(input);
  if (wanted.length === 0) return result;
  const groups = new Map<string, Candidate[]>();
  for (const candidate of wanted) {
    const key = `${candidate.snapshot.accountId ?? ''}|${candidate.snapshot.region}`;
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  const records: TagRequest[] = [];
  const cleared: UntagRequest[] = [];
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0]?.snapshot;
      if (first === undefined) return;
      let gateway: SharingGateway;
      let shares: ObservedShare[];
      try {
        gateway = input.sharing({
          ...(first.accountId === undefined ? {} : { accountId: first.accountId }),
          region: first.region,
        });
        shares = await gateway.describeShares();
      } catch (error: unknown) {
        const where = `${first.accountId === undefined ? '' : `account ${first.accountId} `}${first.region}`;
        result.notInStep += group.length;
        result.warnings.push(
          `RAM shares of ${where} not read, sharing left as it is: ${errorMessage(error)}`,
        );
        input.log.error('shares not read', { accountId: first.accountId, region: first.region, error });
        return;
      }
      const bySource = new Map(shares.map((share) => [share.sourceReservationId, share]));
      for (const candidate of group) {
        const { snapshot, desired } = candidate;
        const observed = bySource.get(snapshot.reservationId);
        const plan = planShare(desired, observed);
        try {
          const action = plan.action;
          let shareArn = observed?.shareArn;
          if (action?.kind === 'create') {
            shareArn = await gateway.createShare({
              sourceReservationId: snapshot.reservationId,
              principals: action.principals,
              resourceArns: action.resourceArns,
            });
          } else if (action?.kind === 'update') {
            await gateway.associate(action.shareArn, action.associate);
            await gateway.disassociate(action.shareArn, action.disassociate);
          }
          if (action !== undefined)
            input.log.info('share put in step', { reservationId: snapshot.reservationId, action });
          if (desired.principals.length === 0) {
            if (desired.recordedDigest !== undefined)
              cleared.push({ reservationId: snapshot.reservationId, keys: shareDigestCodec.keys });
          } else if (plan.drift !== undefined || desired.recordedDigest !== plan.digest) {
            if (shareArn !== undefined)
              records.push({
                reservationId: snapshot.reservationId,
                tags: shareRecordTags(
                  plan.digest,
                  plan.drift === undefined ? undefined : { at: input.now, ...plan.drift },
                ),
              });
          }
          if (plan.drift !== undefined && shareArn !== undefined) {
            result.drifts++;
            result.events.push(driftEvent(candidate, shareArn, plan.drift, input));
            input.log.warn('share changed by hand, put back', {
              reservationId: snapshot.reservationId,
              ...plan.drift,
            });
          }
        } catch (error: unknown) {
          result.notInStep++;
          result.warnings.push(
            `${snapshot.reservationId}: RAM share not put in step with the config: ${errorMessage(error)}`,
          );
          input.log.error('share not put in step', { reservationId: snapshot.reservationId, error });
        }
      }
    }),
  );
  const failures = [
    ...(await writeTags(input.capacity, records)),
    ...(await deleteTags(input.capacity, cleared)),
  ];
  result.recordsNotWritten = failures.length;
  for (const { reservationId, error } of failures)
    result.warnings.push(`${reservationId}: share record not written: ${errorMessage(error)}`);
  return result;
}

function driftEvent(
  candidate: Candidate,
  shareArn: string,
  drift: { added: string[]; removed: string[] },
  input: SharingInput,
): ServiceEvent<SharingDriftDetail> {
  const { snapshot, desired, name } = candidate;
  const interruptibleId = snapshot.allocation?.interruptibleReservationId;
  return {
    detailType: DETAIL_TYPE.sharingDriftCorrected,
    time: input.now,
    resources: [snapshot.reservationId, shareArn],
    detail: {
      reservationId: snapshot.reservationId,
      ...(snapshot.accountId === undefined ? {} : { accountId: snapshot.accountId }),
      ...(name === undefined ? {} : { name }),
      region: snapshot.region,
      shareArn,
      ...(interruptibleId === undefined ? {} : { interruptibleReservationId: interruptibleId }),
      added: drift.added,
      removed: drift.removed,
      sharedWith: [...new Set(desired.principals)].sort(),
      triggerId: input.triggerId,
    },
  };
}

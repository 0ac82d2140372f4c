/**
 * The EC2 adapter's step from tags to typed records: every record on one reservation read once, with its
 * codec, when the reservation is described. What follows (policy, reconcile, tracker, on-call) reads only
 * `ReservationSnapshot.records`.
 */
import type { MalformedRecord, ReservationRecords } from '../domain/records.ts';
import { readClosureTags } from './closures.ts';
import { headsUpCodec } from './heads-up.ts';
import { shareDigestCodec } from './sharing.ts';
import {
  announcedInterruptibleIdCodec,
  desiredTargetCodec,
  failureCodec,
  lastReclaimCodec,
  lastRequestCodec,
  overrideCodec,
  owedFailureCodec,
  type RecordCodec,
  type Tags,
  trackerMemoryCodec,
} from './tags.ts';

/** The records one codec each reads (the closures are a family of keys, read apart). */
type CodedRecord = Exclude<keyof ReservationRecords, 'closures' | 'malformed'>;
type RecordCodecs<K extends CodedRecord> = { [Key in K]: RecordCodec<NonNullable<ReservationRecords[Key]>> };
/** The records a reservation may lack, each with the codec that reads it (in the order they are read). */
type OptionalRecord = Exclude<CodedRecord, 'tracker'>;
type OptionalRecordCodecs = RecordCodecs<OptionalRecord>;
const OPTIONAL_RECORD_CODECS: OptionalRecordCodecs = {
  override: overrideCodec,
  lastRequest: lastRequestCodec,
  lastReclaimAt: lastReclaimCodec,
  desiredTarget: desiredTargetCodec,
  failure: failureCodec,
  owedFailure: owedFailureCodec,
  headsUp: headsUpCodec,
  announcedInterruptibleId: announcedInterruptibleIdCodec,
  shareDigest: shareDigestCodec,
};

/** Every record's codec, by its field of `ReservationRecords`: what readRecords reads, for its tests to cover. */
export const RECORD_CODECS: RecordCodecs<CodedRecord> = {
  tracker: trackerMemoryCodec,
  ...OPTIONAL_RECORD_CODECS,
};

export function readRecords(tags: Tags): ReservationRecords {
  const malformed: MalformedRecord[] = [];
  const value = <T>(codec: RecordCodec<T>): T | undefined => {
    const reading = codec.read(tags);
    if (reading.kind === 'absent') return undefined;
    if (reading.problem !== undefined) malformed.push({ record: codec.record, problem: reading.problem });
    return reading.kind === 'read' ? reading.value : undefined;
  };
  const { closures, malformedKeys } = readClosureTags(tags);
  for (const key of malformedKeys)
    malformed.push({
      record: 'closure',
      problem: `closure tag ${key} is not <market>:<YYYY-MM-DD> = reason`,
    });
  const records: ReservationRecords = {
    tracker: value(RECORD_CODECS.tracker) ?? {},
    closures,
    malformed,
  };
  const readInto = <K extends OptionalRecord>(key: K): void => {
    const codec: OptionalRecordCodecs[K] = OPTIONAL_RECORD_CODECS[key];
    const read = value(codec);
    if (read !== undefined) records[key] = read;
  };
  for (const key of Object.keys(OPTIONAL_RECORD_CODECS) as OptionalRecord[]) readInto(key);
  return records;
}

/** Most malformed records one log line lists: enough to find them, bounded on a fleet-wide problem. */
const MALFORMED_LISTED = 20;

/**
 * The malformed records of `snapshots`, as one log line's attributes (undefined when there are none): each was
 * treated as absent, and whoever wrote the tag by hand should hear of it.
 */
export function malformedRecordsLog(
  snapshots: readonly { reservationId: string; records: ReservationRecords }[],
): { count: number; records: { reservationId: string; record: string; problem: string }[] } | undefined {
  const found = snapshots.flatMap(({ reservationId, records }) =>
    records.malformed.map(({ record, problem }) => ({ reservationId, record, problem })),
  );
  return found.length === 0 ? undefined : { count: found.length, records: found.slice(0, MALFORMED_LISTED) };
}

/**
 * The share records on a source reservation: which principals the service last put on its RAM share (their
 * digest), and the last drift it corrected there.
 */
import { TAG } from '../domain/reservation.ts';
import type { ShareDrift } from '../domain/share-plan.ts';
import { firstCodePoints } from './text.ts';

/** EC2 tag values hold at most 256 characters. */
const TAG_VALUE_MAX = 256;

/** The digest recorded once the share holds the config's principals; absent when none was recorded. */
export function readShareDigest(tags: Readonly<Record<string, string>>): string | undefined {
  const value = tags[TAG.sharedWith];
  return value === undefined || value === '' ? undefined : value;
}

/** The records of a share put in step: its digest, and the drift just corrected when there was one. */
export function shareRecordTags(digest: string, drift?: { at: Date } & ShareDrift): Record<string, string> {
  return {
    [TAG.sharedWith]: digest,
    ...(drift === undefined
      ? {}
      : {
          [TAG.shareDrift]: firstCodePoints(
            `${drift.at.toISOString()}|+${drift.added.join(',')}|-${drift.removed.join(',')}`,
            TAG_VALUE_MAX,
          ),
        }),
  };
}

/**
 * The share records on a source reservation: which principals the service last put on its RAM share (their
 * digest), and the last drift it corrected there.
 */

import type { ShareDrift } from '../domain/share-plan.ts';
import { TAG } from './tag-keys.ts';
import type { RecordCodec } from './tags.ts';
import { firstCodePoints } from './text.ts';

/** EC2 tag values hold at most 256 characters. */
const TAG_VALUE_MAX = 256;

/** The digest recorded once the share holds the config's principals; absent (or empty) when none was recorded. */
export const shareDigestCodec: RecordCodec<string> = {
  record: 'shareDigest',
  keys: [TAG.sharedWith],
  read(tags) {
    const value = tags[TAG.sharedWith];
    return value === undefined || value === '' ? { kind: 'absent' } : { kind: 'read', value };
  },
  tags: (digest) => ({ [TAG.sharedWith]: digest }),
};

/** The records of a share put in step: its digest, and the drift just corrected when there was one. */
export function shareRecordTags(digest: string, drift?: { at: Date } & ShareDrift): Record<string, string> {
  return {
    ...shareDigestCodec.tags(digest),
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

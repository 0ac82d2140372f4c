/**
 * The heads-up record's tag format (TAG.headsUp): `state|session-open|planned-start`. Written only after its
 * event was published, so a run that dies in between sends it again (at least once) and a run that finds it
 * sends nothing (at most once per record).
 */
import type { HeadsUpRecord, HeadsUpState } from '../domain/records.ts';
import { TAG } from './tag-keys.ts';
import type { RecordCodec } from './tags.ts';

const SEPARATOR = '|';
const STATES: readonly HeadsUpState[] = ['scheduled', 'started', 'cancelled'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const headsUpCodec: RecordCodec<HeadsUpRecord> = {
  record: 'headsUp',
  keys: [TAG.headsUp],
  read(tags) {
    const text = tags[TAG.headsUp];
    if (text === undefined) return { kind: 'absent' };
    const parts = text.split(SEPARATOR);
    if (parts.length !== 3)
      return { kind: 'malformed', problem: `heads-up has ${parts.length} fields, not 3` };
    const [state, open, start] = parts as [string, string, string];
    const found = STATES.find((known) => known === state);
    if (found === undefined) return { kind: 'malformed', problem: `heads-up state ${state} is not known` };
    const sessionOpen = new Date(open);
    const plannedStart = new Date(start);
    if (
      !ISO_INSTANT.test(open) ||
      !ISO_INSTANT.test(start) ||
      Number.isNaN(sessionOpen.getTime()) ||
      Number.isNaN(plannedStart.getTime())
    )
      return { kind: 'malformed', problem: 'heads-up times are not ISO 8601 instants' };
    return { kind: 'read', value: { state: found, sessionOpen, plannedStart } };
  },
  tags: (record) => ({
    [TAG.headsUp]: [record.state, record.sessionOpen.toISOString(), record.plannedStart.toISOString()].join(
      SEPARATOR,
    ),
  }),
};

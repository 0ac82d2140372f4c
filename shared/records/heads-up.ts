/**
 * The heads-up record on a source reservation (TAG.headsUp): which planned reclaim borrowers were last told
 * of, and where it stands. Written only after its event was published, so a run that dies in between sends
 * it again (at least once) and a run that finds it sends nothing (at most once per record).
 */
import { TAG } from '../domain/reservation.ts';
import type { Tags } from './tags.ts';

export type HeadsUpState = 'scheduled' | 'started' | 'cancelled';

export interface HeadsUpRecord {
  state: HeadsUpState;
  /** The open of the session the reclaim serves: it names the planned reclaim. */
  sessionOpen: Date;
  plannedStart: Date;
}

const SEPARATOR = '|';
const STATES: readonly HeadsUpState[] = ['scheduled', 'started', 'cancelled'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The record, or undefined when absent or unreadable (tags come from anyone with CreateTags). */
export function readHeadsUp(tags: Tags): HeadsUpRecord | undefined {
  const parts = (tags[TAG.headsUp] ?? '').split(SEPARATOR);
  if (parts.length !== 3) return undefined;
  const [state, open, start] = parts as [string, string, string];
  const found = STATES.find((known) => known === state);
  if (found === undefined || !ISO_INSTANT.test(open) || !ISO_INSTANT.test(start)) return undefined;
  const sessionOpen = new Date(open);
  const plannedStart = new Date(start);
  if (Number.isNaN(sessionOpen.getTime()) || Number.isNaN(plannedStart.getTime())) return undefined;
  return { state: found, sessionOpen, plannedStart };
}

export function headsUpTags(record: HeadsUpRecord): Record<string, string> {
  return {
    [TAG.headsUp]: [record.state, record.sessionOpen.toISOString(), record.plannedStart.toISOString()].join(
      SEPARATOR,
    ),
  };
}

/** Whether the record is about the reclaim serving the session that opens at `open`. */
export function isForSession(record: HeadsUpRecord | undefined, open: Date): record is HeadsUpRecord {
  return record !== undefined && record.sessionOpen.getTime() === open.getTime();
}

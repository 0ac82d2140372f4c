/**
 * The tag codecs: how each of the service's records on a source reservation is written to tags and read back,
 * one codec per record, so its format is stated once. Tags come from anyone with CreateTags: every read
 * validates, and a record that is present but unreadable comes back `malformed` (never trusted, never thrown).
 */
import {
  type DesiredTarget,
  type FailureRecord,
  MAX_OVERRIDE_HOURS,
  MAX_TARGET,
  type Override,
  type OwedFailure,
  type RecordName,
  type RequestRecord,
  type TrackerMemory,
} from '../domain/records.ts';
import { TAG } from './tag-keys.ts';
import { codePointLength, firstCodePoints, hasLoneSurrogate, withoutLoneSurrogates } from './text.ts';

/**
 * EC2 tag values are at most 256 Unicode characters, counted in code points (API reference, `Tag`: "Tag values
 * are case-sensitive and accept a maximum of 256 Unicode characters",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html); EC2 sets no rule on which characters.
 */
export const MAX_TAG_VALUE_LENGTH = 256;

export type Tags = Readonly<Record<string, string>>;

/**
 * A record read from tags: not there, read, or there but not readable (then treated as absent). A record of
 * independent fields can be read in part: `problem` then says which fields did not count.
 */
export type Reading<T> =
  | { kind: 'absent' }
  | { kind: 'read'; value: T; problem?: string }
  | { kind: 'malformed'; problem: string };

/** One record's tag format: the keys it lives in, how it is read, and how it is written. */
export interface RecordCodec<T> {
  readonly record: RecordName;
  /** Every key the record is written to: deleting them clears it. */
  readonly keys: readonly string[];
  read(tags: Tags): Reading<T>;
  /** The tags that record `value`; throws RecordError when it cannot be recorded as asked. */
  tags(value: T): Record<string, string>;
}

/** A record (tag value) could not be written as asked. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
}

const ABSENT = { kind: 'absent' } as const;
const read = <T>(value: T): Reading<T> => ({ kind: 'read', value });
const malformed = (problem: string): Reading<never> => ({ kind: 'malformed', problem });

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const WHOLE_NUMBER = /^(0|[1-9]\d{0,3})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARACTERS_ALL = new RegExp(CONTROL_CHARACTERS.source, 'g');
/** A control character or any surrogate: text without one is written as it is. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
const NEEDS_CLEANING = /[\u0000-\u001f\u007f\ud800-\udfff]/;

// The override.

/** Tag keys every override has. */
const OVERRIDE_REQUIRED_TAG_KEYS = [
  TAG.overrideAction,
  TAG.overrideTarget,
  TAG.overrideExpires,
  TAG.overrideReason,
  TAG.overrideSetAt,
] as const;

/** Why an override cannot be recorded or honoured, or undefined when it is fine. */
export function overrideProblem(override: Override): string | undefined {
  if (!Number.isInteger(override.target) || override.target < 0 || override.target > MAX_TARGET) {
    return `override target must be a whole number 0..${MAX_TARGET}`;
  }
  if (Number.isNaN(override.setAt.getTime()) || Number.isNaN(override.expiresAt.getTime())) {
    return 'override times are invalid';
  }
  if (override.expiresAt.getTime() <= override.setAt.getTime()) return 'override expires before it was set';
  if (override.expiresAt.getTime() - override.setAt.getTime() > MAX_OVERRIDE_HOURS * 3_600_000) {
    return `override would outlive ${MAX_OVERRIDE_HOURS} h`;
  }
  if (codePointLength(override.reason) > MAX_TAG_VALUE_LENGTH)
    return `override reason is over ${MAX_TAG_VALUE_LENGTH} characters`;
  if (CONTROL_CHARACTERS.test(override.reason)) return 'override reason contains control characters';
  if (hasLoneSurrogate(override.reason)) return 'override reason contains a lone UTF-16 surrogate';
  return undefined;
}

/**
 * The on-call override. Its times are judged against the clock by `overrideStanding` (shared/domain/records):
 * reading only checks that it is well formed and within its bounds.
 */
export const overrideCodec: RecordCodec<Override> = {
  record: 'override',
  keys: [...OVERRIDE_REQUIRED_TAG_KEYS, TAG.overrideSpansSession, TAG.overrideRequestedBy],
  read(tags) {
    const present = this.keys.filter((key) => tags[key] !== undefined);
    if (present.length === 0) return ABSENT;
    const missing = OVERRIDE_REQUIRED_TAG_KEYS.filter((key) => tags[key] === undefined);
    if (missing.length > 0) return malformed(`override incomplete: missing ${missing.join(', ')}`);
    const oversized = present.find((key) => codePointLength(tags[key] ?? '') > MAX_TAG_VALUE_LENGTH);
    if (oversized !== undefined)
      return malformed(`override tag ${oversized} is over ${MAX_TAG_VALUE_LENGTH} characters`);
    const action = tags[TAG.overrideAction];
    if (action !== 'reclaim' && action !== 'lend')
      return malformed("override action is not 'reclaim' or 'lend'");
    const target = parseTarget(tags[TAG.overrideTarget]);
    if (target === undefined) return malformed(`override target is not a whole number 0..${MAX_TARGET}`);
    const expiresAt = parseInstant(tags[TAG.overrideExpires]);
    const setAt = parseInstant(tags[TAG.overrideSetAt]);
    if (expiresAt === undefined || setAt === undefined)
      return malformed('override times are not ISO 8601 instants');
    const reason = tags[TAG.overrideReason] ?? '';
    if (CONTROL_CHARACTERS.test(reason)) return malformed('override reason contains control characters');
    const override: Override = { action, target, expiresAt, reason, setAt };
    if (tags[TAG.overrideSpansSession] === 'true') override.spansSession = true;
    const requestedBy = tags[TAG.overrideRequestedBy];
    if (requestedBy !== undefined && requestedBy !== '') override.requestedBy = truncate(requestedBy);
    const problem = overrideProblem(override);
    return problem === undefined ? read(override) : malformed(problem);
  },
  tags(override) {
    const problem = overrideProblem(override);
    if (problem !== undefined) throw new RecordError(problem);
    return {
      [TAG.overrideAction]: override.action,
      [TAG.overrideTarget]: String(override.target),
      [TAG.overrideExpires]: override.expiresAt.toISOString(),
      [TAG.overrideReason]: override.reason,
      [TAG.overrideSetAt]: override.setAt.toISOString(),
      // Always written, so a new override never inherits an earlier one's.
      [TAG.overrideSpansSession]: override.spansSession === true ? 'true' : 'false',
      [TAG.overrideRequestedBy]: truncate(override.requestedBy ?? ''),
    };
  },
};

// The last request.

/**
 * The last request. Reasons written by the service can be longer than a tag allows: they are cut to 256
 * characters rather than refused, since the record must still be written. Without a deadline the tags carry
 * an empty deadline value, so a stale one from an earlier request is overwritten.
 */
export const lastRequestCodec: RecordCodec<RequestRecord> = {
  record: 'lastRequest',
  keys: [
    TAG.requestedTarget,
    TAG.requestedFrom,
    TAG.requestedAt,
    TAG.requestTrigger,
    TAG.requestReason,
    TAG.requestDeadline,
    TAG.requestExpectedSeconds,
  ],
  read(tags) {
    if (this.keys.every((key) => tags[key] === undefined)) return ABSENT;
    const target = parseTarget(tags[TAG.requestedTarget]);
    const from = parseTarget(tags[TAG.requestedFrom]);
    const at = parseInstant(tags[TAG.requestedAt]);
    const trigger = tags[TAG.requestTrigger];
    if (target === undefined || from === undefined)
      return malformed(`request targets are not whole numbers 0..${MAX_TARGET}`);
    if (at === undefined) return malformed('request time is not an ISO 8601 instant');
    if (trigger === undefined) return malformed('request trigger is missing');
    if (codePointLength(trigger) > MAX_TAG_VALUE_LENGTH)
      return malformed(`request trigger is over ${MAX_TAG_VALUE_LENGTH} characters`);
    const record: RequestRecord = {
      target,
      from,
      at,
      trigger,
      reason: truncate(tags[TAG.requestReason] ?? ''),
    };
    const deadlineText = tags[TAG.requestDeadline];
    if (deadlineText !== undefined && deadlineText !== '') {
      const deadline = parseInstant(deadlineText);
      if (deadline === undefined) return malformed('request deadline is not an ISO 8601 instant');
      record.deadline = deadline;
    }
    const expectedText = tags[TAG.requestExpectedSeconds];
    if (expectedText !== undefined && /^\d{1,6}$/.test(expectedText))
      record.expectedSeconds = Number(expectedText);
    return read(record);
  },
  tags(record) {
    assertTarget(record.target, 'requested target');
    assertTarget(record.from, 'requested from');
    return {
      [TAG.requestedTarget]: String(record.target),
      [TAG.requestedFrom]: String(record.from),
      [TAG.requestedAt]: record.at.toISOString(),
      [TAG.requestTrigger]: truncate(record.trigger),
      [TAG.requestReason]: truncate(record.reason),
      [TAG.requestDeadline]: record.deadline === undefined ? '' : record.deadline.toISOString(),
      [TAG.requestExpectedSeconds]:
        record.expectedSeconds === undefined ? '' : String(Math.ceil(record.expectedSeconds)),
    };
  },
};

// The time of the last reclaim.

/** When the service last lowered the target: the lend-back cooldown counts from it. */
export const lastReclaimCodec: RecordCodec<Date> = {
  record: 'lastReclaim',
  keys: [TAG.lastReclaimAt],
  read(tags) {
    const text = tags[TAG.lastReclaimAt];
    if (text === undefined) return ABSENT;
    const at = parseInstant(text);
    return at === undefined ? malformed('last reclaim time is not an ISO 8601 instant') : read(at);
  },
  tags: (at) => ({ [TAG.lastReclaimAt]: at.toISOString() }),
};

// The desired target.

/** A target decided while the allocation was in flight, for the tracker to apply once it is active. */
export const desiredTargetCodec: RecordCodec<DesiredTarget> = {
  record: 'desiredTarget',
  keys: [TAG.desiredTarget, TAG.desiredReason],
  read(tags) {
    const text = tags[TAG.desiredTarget];
    if (text === undefined) return ABSENT;
    const target = parseTarget(text);
    if (target === undefined) return malformed(`desired target is not a whole number 0..${MAX_TARGET}`);
    const reason = tags[TAG.desiredReason];
    return read(reason === undefined ? { target } : { target, reason: truncate(reason) });
  },
  tags(desired) {
    assertTarget(desired.target, 'desired target');
    return {
      [TAG.desiredTarget]: String(desired.target),
      [TAG.desiredReason]: truncate(desired.reason ?? ''),
    };
  },
};

// The failure record.

/** The failed changes in a row; unreadable, the next failure starts counting again. */
export const failureCodec: RecordCodec<FailureRecord> = {
  record: 'failure',
  keys: [TAG.failedAttempts, TAG.failedAt, TAG.failure],
  read(tags) {
    const attemptsText = tags[TAG.failedAttempts];
    if (attemptsText === undefined && tags[TAG.failedAt] === undefined) return ABSENT;
    const at = parseInstant(tags[TAG.failedAt]);
    if (attemptsText === undefined || !WHOLE_NUMBER.test(attemptsText) || Number(attemptsText) < 1)
      return malformed('failed attempts is not a whole number 1..9999');
    if (at === undefined) return malformed('failure time is not an ISO 8601 instant');
    return read({ attempts: Number(attemptsText), at, failure: truncate(tags[TAG.failure] ?? '') });
  },
  tags(record) {
    if (!Number.isInteger(record.attempts) || record.attempts < 1 || record.attempts > 9999) {
      throw new RecordError(`failed attempts must be a whole number 1..9999, got ${record.attempts}`);
    }
    return {
      [TAG.failedAttempts]: String(record.attempts),
      [TAG.failedAt]: record.at.toISOString(),
      [TAG.failure]: truncate(record.failure),
    };
  },
};

// The outbox of a failure event.

const OUTBOX_SEPARATOR = '|';

/**
 * The outbox of an `Allocation Change Failed` its run could not publish (`requested-at|from|to|trigger|
 * error-code`). Marked sent by an empty value (CreateTags only, like every other mark), which reads as absent.
 * Error codes and triggers are short identifiers, so the value stays far below 256 characters.
 */
export const owedFailureCodec: RecordCodec<OwedFailure> & { readonly sent: Record<string, string> } = {
  record: 'owedFailure',
  keys: [TAG.outboxFailed],
  sent: { [TAG.outboxFailed]: '' },
  read(tags) {
    const text = tags[TAG.outboxFailed];
    if (text === undefined || text === '') return ABSENT;
    const parts = text.split(OUTBOX_SEPARATOR);
    if (parts.length !== 5) return malformed(`failure outbox has ${parts.length} fields, not 5`);
    const [at, from, to, trigger, errorCode] = parts as [string, string, string, string, string];
    const requestedAt = parseInstant(at);
    const fromTarget = parseTarget(from);
    const toTarget = parseTarget(to);
    if (requestedAt === undefined || fromTarget === undefined || toTarget === undefined)
      return malformed('failure outbox has an unreadable time or target');
    return read({ requestedAt, from: fromTarget, to: toTarget, trigger, errorCode });
  },
  tags(failure) {
    const clean = (text: string) => truncate(text.replaceAll(OUTBOX_SEPARATOR, ' ')).slice(0, 64);
    return {
      [TAG.outboxFailed]: [
        failure.requestedAt.toISOString(),
        String(failure.from),
        String(failure.to),
        clean(failure.trigger),
        clean(failure.errorCode),
      ].join(OUTBOX_SEPARATOR),
    };
  },
};

// The interruptible reservation id borrowers were told of.

/** The interruptible reservation id borrowers were last told of; empty reads as absent. */
export const announcedInterruptibleIdCodec: RecordCodec<string> = {
  record: 'announcedInterruptibleId',
  keys: [TAG.interruptibleId],
  read(tags) {
    const id = tags[TAG.interruptibleId];
    if (id === undefined || id === '') return ABSENT;
    return CONTROL_CHARACTERS.test(id) || codePointLength(id) > MAX_TAG_VALUE_LENGTH
      ? malformed('announced interruptible id is not a reservation id')
      : read(id);
  },
  tags: (id) => ({ [TAG.interruptibleId]: id }),
};

// The tracker's memory.

const MEMORY_TIMES = {
  lastProgressAt: TAG.lastProgressAt,
  completedRequestAt: TAG.completedRequestAt,
  completionSeenAt: TAG.completionSeenAt,
  stallReportedAt: TAG.stallReportedAt,
  deadlineRiskReportedAt: TAG.deadlineRiskReportedAt,
} as const satisfies Record<Exclude<keyof TrackerMemory, 'lastProgressCount'>, string>;

/**
 * The tracker's memory, field by field: an unreadable field counts as absent (and is said as malformed), the
 * others still count. Rendering writes only the fields given, so a poll updates what it learned.
 */
export const trackerMemoryCodec: RecordCodec<TrackerMemory> = {
  record: 'trackerMemory',
  keys: [...Object.values(MEMORY_TIMES), TAG.lastProgressCount],
  read(tags) {
    const memory: TrackerMemory = {};
    const unreadable: string[] = [];
    for (const [field, key] of Object.entries(MEMORY_TIMES) as [keyof typeof MEMORY_TIMES, string][]) {
      const text = tags[key];
      if (text === undefined) continue;
      const time = new Date(text);
      if (Number.isNaN(time.getTime())) unreadable.push(key);
      else memory[field] = time;
    }
    const count = tags[TAG.lastProgressCount];
    if (count !== undefined) {
      if (/^\d+$/.test(count)) memory.lastProgressCount = Number(count);
      else unreadable.push(TAG.lastProgressCount);
    }
    if (unreadable.length === 0) return Object.keys(memory).length === 0 ? ABSENT : read(memory);
    const problem = `tracker memory unreadable: ${unreadable.join(', ')}`;
    return Object.keys(memory).length === 0 ? malformed(problem) : { kind: 'read', value: memory, problem };
  },
  tags(memory) {
    const tags: Record<string, string> = {};
    for (const [field, key] of Object.entries(MEMORY_TIMES) as [keyof typeof MEMORY_TIMES, string][]) {
      const time = memory[field];
      if (time !== undefined) tags[key] = time.toISOString();
    }
    if (memory.lastProgressCount !== undefined)
      tags[TAG.lastProgressCount] = String(memory.lastProgressCount);
    return tags;
  },
};

function parseTarget(text: string | undefined): number | undefined {
  if (text === undefined || !WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_TARGET ? value : undefined;
}

export function parseInstant(text: string | undefined): Date | undefined {
  if (text === undefined || text.length > 40 || !ISO_INSTANT.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function assertTarget(value: number, label: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_TARGET) {
    throw new RecordError(`${label} must be a whole number 0..${MAX_TARGET}, got ${value}`);
  }
}

/**
 * Text the service writes into a tag: control characters become spaces, a lone surrogate U+FFFD (the SDK could
 * not send it), and what is over the limit is cut by code point, so an emoji is never split in two.
 */
function truncate(text: string): string {
  // Most values need nothing: short enough in UTF-16 units (so in code points) and free of what is replaced.
  if (text.length <= MAX_TAG_VALUE_LENGTH && !NEEDS_CLEANING.test(text)) return text;
  const clean = withoutLoneSurrogates(text.replace(CONTROL_CHARACTERS_ALL, ' '));
  if (codePointLength(clean) <= MAX_TAG_VALUE_LENGTH) return clean;
  return `${firstCodePoints(clean, MAX_TAG_VALUE_LENGTH - 1)}…`;
}

/**
 * The service's records on a source reservation, as tags: the last request, the desired target
 * the tracker applies once the allocation is active, the time of the last reclaim, and an on-call override.
 * Pure codec: tags come from anyone with CreateTags, so every read validates and a bad record is ignored,
 * never trusted.
 */
import { TAG } from '../domain/reservation.ts';
import { codePointLength, firstCodePoints, hasLoneSurrogate, withoutLoneSurrogates } from './text.ts';

/**
 * EC2 tag values are at most 256 Unicode characters, counted in code points (API reference, `Tag`: "Tag values
 * are case-sensitive and accept a maximum of 256 Unicode characters",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html); EC2 sets no rule on which characters.
 */
export const MAX_TAG_VALUE_LENGTH = 256;
/** No override outlives this, whatever its expiry says: forgotten overrides must not pin a fleet. */
export const MAX_OVERRIDE_HOURS = 24;
/** Tolerated clock skew between whoever set an override and the reader. */
export const SET_AT_SKEW_MINUTES = 5;
/** An allocation target is 0..1000 (EC2's limit for an interruptible allocation). */
export const MAX_TARGET = 1000;

export type Tags = Readonly<Record<string, string>>;

export type OverrideAction = 'reclaim' | 'lend';

export interface Override {
  /** `reclaim` caps the target at `target`; `lend` replaces the schedule's need with owned − target. */
  action: OverrideAction;
  /** Absolute allocation target. */
  target: number;
  expiresAt: Date;
  reason: string;
  setAt: Date;
  /** A lend override ends at the next session's reclaim unless this says it spans it. */
  spansSession?: true;
  /** Who set it, as the caller named itself or its invocation identified it. */
  requestedBy?: string;
}

export type OverrideReading =
  | { kind: 'none' }
  | { kind: 'active'; override: Override }
  | { kind: 'expired'; override: Override }
  | { kind: 'rejected'; problem: string };

/** Tag keys every override has. */
const OVERRIDE_REQUIRED_TAG_KEYS = [
  TAG.overrideAction,
  TAG.overrideTarget,
  TAG.overrideExpires,
  TAG.overrideReason,
  TAG.overrideSetAt,
] as const;

/** Tag keys that make up an override: deleting them is how an override is cleared. */
export const OVERRIDE_TAG_KEYS = [
  ...OVERRIDE_REQUIRED_TAG_KEYS,
  TAG.overrideSpansSession,
  TAG.overrideRequestedBy,
] as const;

export const REQUEST_TAG_KEYS = [
  TAG.requestedTarget,
  TAG.requestedFrom,
  TAG.requestedAt,
  TAG.requestTrigger,
  TAG.requestReason,
  TAG.requestDeadline,
  TAG.requestExpectedSeconds,
] as const;

export const DESIRED_TAG_KEYS = [TAG.desiredTarget, TAG.desiredReason] as const;

export const FAILURE_TAG_KEYS = [TAG.failedAttempts, TAG.failedAt, TAG.failure] as const;

/**
 * Failed changes in a row after which the automatic triggers stop retrying: each failure has paged by then
 * (an `Allocation Change Failed` event), and on-call's own reclaim or lend still tries at once.
 */
export const MAX_CHANGE_ATTEMPTS = 6;
/** The wait after the n-th failure doubles from this, up to the cap: 1, 2, 4, 8, 16 minutes. */
const RETRY_FIRST_WAIT_MINUTES = 1;
const RETRY_MAX_WAIT_MINUTES = 16;

/** A record (tag value) could not be written as asked. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const WHOLE_NUMBER = /^(0|[1-9]\d{0,3})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Reads the override; malformed, oversized or over-long ones are rejected, expired ones reported as such. */
export function readOverride(tags: Tags, now: Date): OverrideReading {
  const present = OVERRIDE_TAG_KEYS.filter((key) => tags[key] !== undefined);
  if (present.length === 0) return { kind: 'none' };
  if (OVERRIDE_REQUIRED_TAG_KEYS.some((key) => tags[key] === undefined)) {
    const missing = OVERRIDE_REQUIRED_TAG_KEYS.filter((key) => tags[key] === undefined);
    return { kind: 'rejected', problem: `override incomplete: missing ${missing.join(', ')}` };
  }
  const oversized = present.find((key) => codePointLength(tags[key] ?? '') > MAX_TAG_VALUE_LENGTH);
  if (oversized !== undefined)
    return {
      kind: 'rejected',
      problem: `override tag ${oversized} is over ${MAX_TAG_VALUE_LENGTH} characters`,
    };

  const action = tags[TAG.overrideAction];
  if (action !== 'reclaim' && action !== 'lend')
    return { kind: 'rejected', problem: "override action is not 'reclaim' or 'lend'" };
  const target = parseTarget(tags[TAG.overrideTarget]);
  if (target === undefined)
    return { kind: 'rejected', problem: `override target is not a whole number 0..${MAX_TARGET}` };
  const expiresAt = parseInstant(tags[TAG.overrideExpires]);
  const setAt = parseInstant(tags[TAG.overrideSetAt]);
  if (expiresAt === undefined || setAt === undefined)
    return { kind: 'rejected', problem: 'override times are not ISO 8601 instants' };
  const reason = tags[TAG.overrideReason] ?? '';
  if (CONTROL_CHARACTERS.test(reason))
    return { kind: 'rejected', problem: 'override reason contains control characters' };

  const override: Override = { action, target, expiresAt, reason, setAt };
  if (tags[TAG.overrideSpansSession] === 'true') override.spansSession = true;
  const requestedBy = tags[TAG.overrideRequestedBy];
  if (requestedBy !== undefined && requestedBy !== '') override.requestedBy = boundedText(requestedBy);
  const problem = overrideProblem(override);
  if (problem !== undefined) return { kind: 'rejected', problem };
  if (setAt.getTime() > now.getTime() + SET_AT_SKEW_MINUTES * 60_000) {
    return { kind: 'rejected', problem: 'override was set in the future' };
  }
  if (now.getTime() >= expiresAt.getTime()) return { kind: 'expired', override };
  return { kind: 'active', override };
}

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

/** Tags that record an override; throws RecordError when the override is not valid. */
export function overrideTags(override: Override): Record<string, string> {
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
}

/** The last allocation change the service requested. */
export interface RequestRecord {
  target: number;
  from: number;
  at: Date;
  /** What woke the reconcile: `schedule`, `alarm`, `demand`, `tracker`. */
  trigger: string;
  reason: string;
  /** The session open a schedule reclaim is for: the tracker's deadline. */
  deadline?: Date;
  /** How long the reclaim was expected to take (the learned p95), when enough durations were measured. */
  expectedSeconds?: number;
}

/** The last request, or undefined when absent or not readable (a bad record is ignored, not trusted). */
export function readRequestRecord(tags: Tags): RequestRecord | undefined {
  const target = parseTarget(tags[TAG.requestedTarget]);
  const from = parseTarget(tags[TAG.requestedFrom]);
  const at = parseInstant(tags[TAG.requestedAt]);
  const trigger = tags[TAG.requestTrigger];
  if (target === undefined || from === undefined || at === undefined || trigger === undefined)
    return undefined;
  if (codePointLength(trigger) > MAX_TAG_VALUE_LENGTH) return undefined;
  const record: RequestRecord = {
    target,
    from,
    at,
    trigger,
    reason: boundedText(tags[TAG.requestReason] ?? ''),
  };
  const deadlineText = tags[TAG.requestDeadline];
  if (deadlineText !== undefined && deadlineText !== '') {
    const deadline = parseInstant(deadlineText);
    if (deadline === undefined) return undefined;
    record.deadline = deadline;
  }
  const expectedText = tags[TAG.requestExpectedSeconds];
  if (expectedText !== undefined && /^\d{1,6}$/.test(expectedText))
    record.expectedSeconds = Number(expectedText);
  return record;
}

/**
 * Tags recording a request. Reasons written by the service can be longer than a tag allows: they are cut
 * to 256 characters rather than refused, since the record must still be written. Without a deadline the
 * tags carry an empty deadline value, so a stale one from an earlier request is overwritten.
 */
export function requestRecordTags(record: RequestRecord): Record<string, string> {
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
}

export interface DesiredTarget {
  target: number;
  reason?: string;
}

/** A target decided while the allocation was in flight, for the tracker to apply once it is active. */
export function readDesiredTarget(tags: Tags): DesiredTarget | undefined {
  const target = parseTarget(tags[TAG.desiredTarget]);
  if (target === undefined) return undefined;
  const reason = tags[TAG.desiredReason];
  return reason === undefined ? { target } : { target, reason: boundedText(reason) };
}

export function desiredTargetTags(desired: DesiredTarget): Record<string, string> {
  assertTarget(desired.target, 'desired target');
  return { [TAG.desiredTarget]: String(desired.target), [TAG.desiredReason]: truncate(desired.reason ?? '') };
}

/** The failed changes in a row on one reservation: what the retry backoff counts from. */
export interface FailureRecord {
  attempts: number;
  /** When the last failure was seen. */
  at: Date;
  /** What failed, as `code: message` (cut to a tag value). */
  failure: string;
}

/** The failure record, or undefined when absent or unreadable (the next failure then starts counting again). */
export function readFailureRecord(tags: Tags): FailureRecord | undefined {
  const attemptsText = tags[TAG.failedAttempts];
  const at = parseInstant(tags[TAG.failedAt]);
  if (attemptsText === undefined || !WHOLE_NUMBER.test(attemptsText) || at === undefined) return undefined;
  const attempts = Number(attemptsText);
  if (attempts < 1) return undefined;
  return { attempts, at, failure: boundedText(tags[TAG.failure] ?? '') };
}

export function failureRecordTags(record: FailureRecord): Record<string, string> {
  if (!Number.isInteger(record.attempts) || record.attempts < 1 || record.attempts > 9999) {
    throw new RecordError(`failed attempts must be a whole number 1..9999, got ${record.attempts}`);
  }
  return {
    [TAG.failedAttempts]: String(record.attempts),
    [TAG.failedAt]: record.at.toISOString(),
    [TAG.failure]: truncate(record.failure),
  };
}

/** Minutes to wait after the `attempts`-th failure in a row before the next automatic try. */
export function retryWaitMinutes(attempts: number): number {
  return Math.min(RETRY_MAX_WAIT_MINUTES, RETRY_FIRST_WAIT_MINUTES * 2 ** Math.max(0, attempts - 1));
}

export type RetryPlan = { kind: 'due' } | { kind: 'wait'; until: Date } | { kind: 'exhausted' };

/** Whether an automatic trigger may try the change again now, after the failures on record. */
export function retryPlan(record: FailureRecord | undefined, now: Date): RetryPlan {
  if (record === undefined) return { kind: 'due' };
  if (record.attempts >= MAX_CHANGE_ATTEMPTS) return { kind: 'exhausted' };
  const until = new Date(record.at.getTime() + retryWaitMinutes(record.attempts) * 60_000);
  return now.getTime() >= until.getTime() ? { kind: 'due' } : { kind: 'wait', until };
}

/** When the service last lowered the target: lend-back cooldown counts from it. */
export function lastReclaimAt(tags: Tags): Date | undefined {
  return parseInstant(tags[TAG.lastReclaimAt]);
}

export function lastReclaimTags(at: Date): Record<string, string> {
  return { [TAG.lastReclaimAt]: at.toISOString() };
}

function parseTarget(text: string | undefined): number | undefined {
  if (text === undefined || !WHOLE_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_TARGET ? value : undefined;
}

function parseInstant(text: string | undefined): Date | undefined {
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
  const clean = withoutLoneSurrogates(text.replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), ' '));
  if (codePointLength(clean) <= MAX_TAG_VALUE_LENGTH) return clean;
  return `${firstCodePoints(clean, MAX_TAG_VALUE_LENGTH - 1)}…`;
}

function boundedText(text: string): string {
  return truncate(text);
}

/** The facts of an `Allocation Change Failed` kept in the outbox until it is sent (TAG.outboxFailed). */
export interface OwedFailure {
  requestedAt: Date;
  from: number;
  to: number;
  trigger: string;
  errorCode: string;
}

const OUTBOX_SEPARATOR = '|';

/** The outbox value; error codes and triggers are short identifiers, so it stays far below 256 characters. */
export function owedFailureTag(failure: OwedFailure): Record<string, string> {
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
}

/** The owed failure, if any: absent, empty (sent) or unreadable values owe nothing. */
export function readOwedFailure(tags: Tags): OwedFailure | undefined {
  const parts = (tags[TAG.outboxFailed] ?? '').split(OUTBOX_SEPARATOR);
  if (parts.length !== 5) return undefined;
  const [at, from, to, trigger, errorCode] = parts as [string, string, string, string, string];
  const requestedAt = parseInstant(at);
  const fromTarget = parseTarget(from);
  const toTarget = parseTarget(to);
  if (requestedAt === undefined || fromTarget === undefined || toTarget === undefined) return undefined;
  return { requestedAt, from: fromTarget, to: toTarget, trigger, errorCode };
}

/** Marks the owed failure sent (CreateTags only, like every other mark). */
export const OWED_FAILURE_SENT: Record<string, string> = { [TAG.outboxFailed]: '' };

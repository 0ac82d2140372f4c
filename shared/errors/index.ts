/**
 * The service's failures, one class per domain failure, so callers can branch on `instanceof` and the one
 * place that maps errors to answers (the handlers' error mapping) can tell the caller's mistakes from ours.
 */

/** A payload or event that does not match its schema; `field` is the dotted path of the first offending field. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly code = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Missing or invalid deployment configuration (environment variable, config file), named so on-call can fix it. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    readonly setting: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An AWS call that failed after the SDK's own retries; `code` is the service's error code (e.g. `RequestLimitExceeded`). */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly service: 'ec2' | 'cloudwatch' | 'events' | 'dynamodb' | 'sts' | 'ram',
    readonly action: string,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * EC2 refused a change because the allocation is busy (`IncorrectState`): not a failure of the service, the
 * desired target is recorded for the tracker to apply once the allocation is `active` again.
 */
export class AllocationBusyError extends Error {
  override readonly name = 'AllocationBusyError';
  constructor(
    readonly reservationId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Another run holds the writer's lease and did not give it back within this run's wait: nothing was decided.
 * Async triggers fail with it (Lambda retries them, then the on-failure queue gets them); on-call gets it
 * as a `Busy` answer naming the holder.
 */
export class LeaseBusyError extends Error {
  override readonly name = 'LeaseBusyError';
  constructor(
    readonly holder: { owner: string; trigger: string; acquiredAt: Date; expiresAt: Date } | undefined,
    readonly waitedMs: number,
  ) {
    super(
      holder === undefined
        ? `busy: another run holds the writer's lease (waited ${Math.round(waitedMs)} ms)`
        : `busy: held by ${holder.trigger} ${holder.owner} since ${holder.acquiredAt.toISOString()}, until ${holder.expiresAt.toISOString()} at the latest (waited ${Math.round(waitedMs)} ms)`,
    );
  }
}

/** Some events could not be put on the bus even after retrying the failed entries. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(readonly failures: readonly { detailType: string; errorCode: string; errorMessage: string }[]) {
    super(
      `${failures.length} event(s) could not be published: ${failures.map((f) => f.errorCode).join(', ')}`,
    );
  }
}

/** The error code an AWS SDK error carries (its `name`), or the class name of any other error. */
export function errorCode(error: unknown): string {
  if (error instanceof AwsCallError) return error.code;
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

/** A one-line message for logs, events and answers, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

import { AwsCallError, ConfigurationError, LeaseBusyError, ValidationError } from '../errors/index.ts';
import type { ReconcileResult } from '../reconcile/reconcile.ts';
import { RecordError } from '../records/tags.ts';
import { OnCallWriteError } from './write-failures.ts';

export interface ErrorAnswer {
  ok: false;
  error: {
    /**
     * `ValidationError` (the payload), `AwsError` (an AWS call failed after retries), `Busy` (another run held
     * the writer's lease throughout the wait; nothing changed), `ConfigurationError`, `InternalError`.
     */
    code: 'ValidationError' | 'AwsError' | 'Busy' | 'ConfigurationError' | 'InternalError';
    /** The offending payload field, for validation errors. */
    field?: string;
    message: string;
    /** The correlation id to search the logs with. */
    correlationId: string;
  };
  /** What the request did do before it failed (an override not written on some reservations). */
  result?: ReconcileResult;
}

/**
 * The one place where on-demand failures become answers: on-call gets a precise message for its own
 * mistakes and for AWS failures (code and action, nothing secret), and a pointer to the logs for ours.
 */
export function toErrorAnswer(error: unknown, correlationId: string): ErrorAnswer {
  if (error instanceof ValidationError) {
    return {
      ok: false,
      error: { code: 'ValidationError', field: error.field, message: error.message, correlationId },
    };
  }
  if (error instanceof RecordError) {
    return { ok: false, error: { code: 'ValidationError', message: error.message, correlationId } };
  }
  if (error instanceof LeaseBusyError) {
    return { ok: false, error: { code: 'Busy', message: `${error.message}; retry`, correlationId } };
  }
  if (error instanceof OnCallWriteError) {
    return {
      ok: false,
      error: { code: 'AwsError', message: error.message, correlationId },
      result: error.result,
    };
  }
  if (error instanceof AwsCallError) {
    return {
      ok: false,
      error: {
        code: 'AwsError',
        message: `${error.service}:${error.action} failed with ${error.code}`,
        correlationId,
      },
    };
  }
  if (error instanceof ConfigurationError) {
    return { ok: false, error: { code: 'ConfigurationError', message: error.message, correlationId } };
  }
  return {
    ok: false,
    error: {
      code: 'InternalError',
      message: 'internal error: see the logs for this correlation id',
      correlationId,
    },
  };
}

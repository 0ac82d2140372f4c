/** A failure with an error code and the HTTP status it is answered with. */
abstract class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * An AWS-shaped failure of one request: each protocol renders it in its own error format (EC2 XML,
 * CloudWatch query-compatible JSON, EventBridge JSON).
 */
export class AwsServiceError extends CodedError {
  override readonly name = 'AwsServiceError';
}

/** A rejected admin API call (`/_local/`): rendered as `{"error":{"code","message"}}`. */
export class AdminRequestError extends CodedError {
  override readonly name = 'AdminRequestError';
}

/** HTTP status AWS uses for well-known error codes, so an injected fault behaves like the real one. */
export function statusForErrorCode(code: string): number {
  switch (code) {
    case 'RequestLimitExceeded':
    case 'ServiceUnavailable':
    case 'Unavailable':
      return 503;
    case 'InternalError':
    case 'InternalFailure':
    case 'InternalServiceError':
    case 'InternalServiceFault':
      return 500;
    case 'DryRunOperation':
      return 412;
    case 'ThrottlingException':
    case 'Throttling':
      return 400;
    default:
      return 400;
  }
}

/** Error code AWS uses for a bare HTTP status (a fault given only `status`). */
export function errorCodeForStatus(status: number): string {
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalError';
  if (status === 429) return 'Throttling';
  return 'InvalidRequest';
}

import { AwsCallError } from '../errors/index.ts';
import {
  countFailure,
  FAILURE_METRIC,
  type FailureCounts,
  type FleetMetric,
  failureMetrics,
} from '../metrics/metric-names.ts';

type Service = AwsCallError['service'];

/** What an AWS SDK v3 service exception looks like once narrowed from `unknown`. */
interface SdkServiceError extends Error {
  $metadata?: { httpStatusCode?: number };
}

export function isSdkError(error: unknown, code?: string): error is SdkServiceError {
  return error instanceof Error && '$metadata' in error && (code === undefined || error.name === code);
}

/**
 * IAM's refusals as each service spells them: EC2's `UnauthorizedOperation`, CloudWatch's `AccessDenied`,
 * EventBridge's `AccessDeniedException`. A denied call is a deployment fault that no retry mends, so it pages.
 */
const DENIED_CODES: ReadonlySet<string> = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
]);

let deniedCalls = 0;

/**
 * The calls IAM refused since the last take, and starts counting again. Every gateway call goes through
 * `callAws`, so the count covers them all; the run that ends takes it and puts it as `CallsDenied` (a
 * Lambda container runs one invocation at a time, so the count is that run's).
 */
export function takeDeniedCalls(): number {
  const taken = deniedCalls;
  deniedCalls = 0;
  return taken;
}

/**
 * What went wrong in a run, as the fleet datums it puts when it ends: its failure counts, with the calls IAM
 * denied during it added to them (and taken, so the next run counts afresh).
 */
export function runFailureMetrics(failures: FailureCounts, now: Date): FleetMetric[] {
  countFailure(failures, FAILURE_METRIC.callsDenied, takeDeniedCalls());
  return failureMetrics(failures, now);
}

/**
 * Runs one SDK call and turns a service failure (left after the SDK's adaptive retries) into an
 * `AwsCallError` that names the service, the action and EC2's/CloudWatch's/EventBridge's error code.
 */
export async function callAws<T>(service: Service, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    if (error instanceof AwsCallError) throw error;
    if (error instanceof Error && DENIED_CODES.has(error.name)) deniedCalls++;
    if (error instanceof Error) {
      const status = isSdkError(error) ? error.$metadata?.httpStatusCode : undefined;
      const suffix = status === undefined ? '' : ` (HTTP ${status})`;
      throw new AwsCallError(
        service,
        action,
        error.name,
        `${service}:${action} failed: ${error.name}: ${error.message}${suffix}`,
        {
          cause: error,
        },
      );
    }
    throw new AwsCallError(service, action, 'UnknownError', `${service}:${action} failed: ${String(error)}`);
  }
}

/** Per-attempt HTTP limits of an SDK call, in milliseconds. */
export interface SdkTimeouts {
  /** To open the TCP/TLS connection. */
  connectionTimeout: number;
  /** From sending the request to the response's headers. */
  requestTimeout: number;
  /** Of silence on the socket, the response body included. */
  socketTimeout: number;
}

/**
 * Without limits the SDK waits for a hung connection as long as the Lambda lives, and the adaptive retries
 * never get a turn. A TCP/TLS handshake to a regional endpoint takes milliseconds: 2 s means it is not coming.
 * The slowest answer the service waits for is a Describe page of 1000 reservations (DESCRIBE_PAGE_SIZE):
 * EC2 builds the whole XML page (about 1-2 MB with tags) before its headers, typically in 1-3 s, so 10 s is
 * far above a slow page yet a fifth of the function's budget per attempt. A call that hangs on every attempt
 * costs at most SDK_WORST_CALL_MS; serverless.yml gives the functions room for it.
 */
export const SDK_TIMEOUTS: SdkTimeouts = {
  connectionTimeout: 2_000,
  requestTimeout: 10_000,
  socketTimeout: 10_000,
};

const MAX_ATTEMPTS = 5;

/**
 * SDK client settings: adaptive retries (they absorb EC2 throttling) and the per-attempt timeouts. A timed-out
 * attempt fails with `TimeoutError`, which the SDK retries as a transient error. `throwOnRequestTimeout`:
 * without it the SDK only logs a warning when `requestTimeout` passes and keeps waiting.
 */
export function sdkClientSettings(timeouts: SdkTimeouts = SDK_TIMEOUTS) {
  return {
    retryMode: 'adaptive',
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { ...timeouts, throwOnRequestTimeout: true },
  } as const;
}

/** The settings every client the service builds spreads (EC2, CloudWatch, EventBridge): retries and timeouts. */
export const SDK_CLIENT_SETTINGS = sdkClientSettings();

/**
 * The longest one SDK call can take when every attempt hangs: each attempt ends at `requestTimeout` (its
 * timer runs from the start, connection included) and the jittered backoff between transient-error attempts
 * is at most 0.2 + 0.4 + 0.8 + 1.6 s (throttling backs off longer, but a throttled attempt answers at once).
 */
export const SDK_WORST_CALL_MS = MAX_ATTEMPTS * SDK_TIMEOUTS.requestTimeout + 3_000;

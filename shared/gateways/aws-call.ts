import { AwsCallError } from '../errors/index.ts';

type Service = AwsCallError['service'];

/** What an AWS SDK v3 service exception looks like once narrowed from `unknown`. */
interface SdkServiceError extends Error {
  $metadata?: { httpStatusCode?: number };
}

export function isSdkError(error: unknown, code?: string): error is SdkServiceError {
  return error instanceof Error && '$metadata' in error && (code === undefined || error.name === code);
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

/** SDK client settings shared by every client the service builds: adaptive retries absorb EC2 throttling. */
export const SDK_RETRY_SETTINGS = { retryMode: 'adaptive', maxAttempts: 5 } as const;

import type { LogLinesAnswer, LogLinesRequest } from '@odcr-reclaimer/local-aws/types.ts';
import type { MetricLogSink } from '#shared/gateways/metrics.ts';

/** The endpoint's log ingest: the in-process world's, or the same over HTTP (the admin client's). */
export interface LogIngest {
  ingestLogLines(request: LogLinesRequest): LogLinesAnswer | Promise<LogLinesAnswer>;
}

/**
 * Stands for the Lambda runtime in the sandbox and the tests: an in-process function's EMF lines go to the
 * endpoint as to the function's log group in CloudWatch Logs, which makes them metrics. A document the
 * endpoint would record nothing of is the service's bug, so it fails the put here rather than vanish.
 */
export function lambdaLogShipper(endpoint: LogIngest, functionName: string): MetricLogSink {
  return async (lines) => {
    const answer = await endpoint.ingestLogLines({
      logGroup: `/aws/lambda/${functionName}`,
      lines: [...lines],
    });
    const [first] = answer.rejected;
    if (first !== undefined) {
      throw new Error(
        `${answer.rejected.length} EMF document(s) of ${functionName} record nothing: ${first.reason}`,
      );
    }
  };
}

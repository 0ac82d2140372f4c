import type { Context } from 'aws-lambda';
import type { Clock } from '#shared/clock.ts';

export interface LambdaContextOptions {
  /** The deployed function name (`<service>-<stage>-<function>`). */
  functionName: string;
  awsRequestId: string;
  /** Where the invocation comes from, as its log stream (the sandbox, a CLI, a test). */
  logStreamName: string;
  /** The function's timeout as serverless.yml deploys it (`timeoutSeconds` of the service's triggers). */
  timeoutSeconds: number;
  /**
   * The clock the invocation's time runs on: the simulated one in the sandbox and the tests, so the remaining
   * time falls as the simulated run goes on (a paced reclaim's minutes take no wall time). The wall clock
   * without it.
   */
  clock?: Clock;
  accountId?: string;
  /** The function's region (serverless.yml's, or the scenario's): its ARN says where it runs. */
  region: string;
}

/** A Lambda context as the runtime passes it, for running the real handlers outside Lambda. */
export function lambdaContext(options: LambdaContextOptions): Context {
  const region = options.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new RangeError(`lambdaContext: region ${JSON.stringify(region)} is not an AWS region`);
  const accountId = options.accountId ?? '000000000000';
  const nowMs = () => options.clock?.now().getTime() ?? Date.now();
  // Lambda counts the timeout from the invocation's start.
  const deadlineMs = nowMs() + options.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: options.awsRequestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: options.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - nowMs()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

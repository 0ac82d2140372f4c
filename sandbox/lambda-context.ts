import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  /** The deployed function name (`<service>-<stage>-<function>`). */
  functionName: string;
  awsRequestId: string;
  /** Where the invocation comes from, as its log stream (the sandbox, a CLI, a test). */
  logStreamName: string;
  accountId?: string;
  region?: string;
}

/** A Lambda context as the runtime passes it, for running the real handlers outside Lambda. */
export function lambdaContext(options: LambdaContextOptions): Context {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: options.awsRequestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: options.logStreamName,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

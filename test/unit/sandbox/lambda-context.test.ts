import { describe, expect, it } from 'vitest';
import { lambdaContext } from '#sandbox/lambda-context.ts';

const options = {
  functionName: 'odcr-reclaimer-dev-x',
  awsRequestId: 'r-1',
  logStreamName: 't',
  timeoutSeconds: 120,
};

describe('the Lambda context the sandbox, the CLIs and the tests pass', () => {
  it("names the function's own region in its ARN, and refuses one that is not a region rather than guess", () => {
    expect(
      lambdaContext({ ...options, region: 'eu-west-2', accountId: '123456789012' }).invokedFunctionArn,
    ).toBe('arn:aws:lambda:eu-west-2:123456789012:function:odcr-reclaimer-dev-x');
    for (const region of ['', 'us-east', 'Europe'])
      expect(() => lambdaContext({ ...options, region })).toThrow(/region/);
  });
});

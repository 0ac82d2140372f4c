import { clientProblem, runConformance } from '@odcr-reclaimer/local-aws/conformance/run.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A second, independent client (boto3, and the AWS CLI when installed) against the endpoint. Neither is a
// dependency of the project: on a machine without them the test says so and why, and passes nothing off as run.
const problem = await clientProblem();

let aws: LocalAws | undefined;

beforeAll(async () => {
  if (problem === undefined) aws = await startLocalAws({ port: 0 });
});

afterAll(() => aws?.close());

describe('conformance with boto3 (local-aws/conformance/conformance.py)', () => {
  it('finds no difference from the documented behaviour of the served actions', async (context) => {
    if (problem !== undefined) {
      process.stdout.write(`conformance run skipped: ${problem}\n`);
      context.skip(`skipped: ${problem}`);
      return;
    }
    const result = await runConformance(aws!.url);
    expect(result.checks).toBeGreaterThan(90);
    expect(result.differences, result.output).toEqual([]);
  });
});

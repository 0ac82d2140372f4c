import { CreateTagsCommand, DescribeCapacityReservationsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EC2_THROTTLE_BUCKETS, EC2_THROTTLE_CATEGORIES } from '@odcr-reclaimer/local-aws/throttle.ts';
import { describe, expect, it } from 'vitest';
import { EC2_ACTION_BUCKETS } from '#shared/domain/ec2-request-limits.ts';
import { failureOf, startTradingEndpoint, type TestEndpoint, TRADING_ID, updateTarget } from './helpers.ts';

// One attempt per call: these tests look at what the endpoint answers, not at the SDK's retries.
const oneAttempt = (endpoint: TestEndpoint, region = 'us-east-1') =>
  endpoint.client(EC2Client, { region, maxAttempts: 1 });

async function start(requestRateScale: number): Promise<{ endpoint: TestEndpoint; ec2: EC2Client }> {
  const endpoint = await startTradingEndpoint(
    { instanceCount: 10 },
    { requestRateScale, start: '2026-03-09T12:00:00.000Z' },
  );
  return { endpoint, ec2: oneAttempt(endpoint) };
}

const describeOne = (ec2: EC2Client) =>
  ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [TRADING_ID] }));

/** Sends `count` calls one after another; answers how many succeeded before the first refusal. */
async function burst(count: number, call: () => Promise<unknown>): Promise<number> {
  for (let sent = 0; sent < count; sent++) {
    try {
      await call();
    } catch (error: unknown) {
      if (error instanceof Error && error.name === 'RequestLimitExceeded') return sent;
      throw error;
    }
  }
  return count;
}

describe("EC2's request throttling", () => {
  it('enforces the limits the service paces itself to', () => {
    // The endpoint plays AWS and imports nothing from the service: the two statements of EC2's limits must agree.
    expect(EC2_THROTTLE_BUCKETS).toEqual(EC2_ACTION_BUCKETS);
  });

  it('allows a full bucket at once, then refuses with RequestLimitExceeded, HTTP 503', async () => {
    const { ec2 } = await start(1);
    const { capacity } = EC2_THROTTLE_CATEGORIES.nonMutating;
    expect(await burst(capacity + 1, () => describeOne(ec2))).toBe(capacity);
    const refused = await failureOf(describeOne(ec2));
    expect(refused.name).toBe('RequestLimitExceeded');
    expect(refused.$metadata?.httpStatusCode).toBe(503);
  });

  it('refills at the documented rate on the simulated clock', async () => {
    const { endpoint, ec2 } = await start(1);
    const { capacity, refillPerSecond } = EC2_THROTTLE_CATEGORIES.nonMutating;
    expect(await burst(capacity + 1, () => describeOne(ec2))).toBe(capacity);
    endpoint.aws.advance(1);
    expect(await burst(capacity, () => describeOne(ec2))).toBe(refillPerSecond);
    // A whole empty-to-full interval gives back no more than the bucket holds.
    endpoint.aws.advance(3600);
    expect(await burst(capacity + 1, () => describeOne(ec2))).toBe(capacity);
  });

  it('gives mutating actions the smaller bucket, each action its own', async () => {
    const { ec2 } = await start(1);
    const update = () => updateTarget(ec2, TRADING_ID, 10);
    const { capacity } = EC2_THROTTLE_CATEGORIES.mutating;
    // Updates to the same target: each one is a request, whatever it changes.
    expect(await burst(capacity + 1, update)).toBe(capacity);
    // CreateTags is uncategorized, with a bucket of its own, untouched by the updates.
    const tag = () =>
      ec2.send(new CreateTagsCommand({ Resources: [TRADING_ID], Tags: [{ Key: 'k', Value: 'v' }] }));
    expect(await burst(EC2_THROTTLE_BUCKETS.CreateTags.capacity + 1, tag)).toBe(
      EC2_THROTTLE_BUCKETS.CreateTags.capacity,
    );
    expect((await describeOne(ec2)).CapacityReservations).toHaveLength(1);
  });

  it('keeps one bucket per region', async () => {
    const { endpoint, ec2 } = await start(1);
    expect(await burst(200, () => describeOne(ec2))).toBe(EC2_THROTTLE_CATEGORIES.nonMutating.capacity);
    const london = oneAttempt(endpoint, 'eu-west-2');
    const answer = await london.send(new DescribeCapacityReservationsCommand({}));
    expect(answer.CapacityReservations).toEqual([]);
  });

  it('scales every bucket for tests, and logs each refusal in the call log', async () => {
    const { endpoint, ec2 } = await start(0.1);
    expect(await burst(100, () => describeOne(ec2))).toBe(10);
    const outcomes = endpoint.aws.admin
      .calls({ action: 'DescribeCapacityReservations' })
      .calls.map((call) => call.outcome);
    expect(outcomes.filter((outcome) => outcome === 'RequestLimitExceeded')).toHaveLength(1);
    // 0.1 × 20 a second: one token back every half second.
    endpoint.aws.advance(0.5);
    expect(await burst(5, () => describeOne(ec2))).toBe(1);
  });

  it('is off at 0, and the scale is a runtime setting', async () => {
    const { endpoint, ec2 } = await start(0);
    expect(await burst(150, () => describeOne(ec2))).toBe(150);
    await endpoint.admin.updateSettings({ requestRateScale: 1 });
    expect(await burst(150, () => describeOne(ec2))).toBe(100);
    const refused = await failureOf(endpoint.admin.updateSettings({ requestRateScale: -1 }));
    expect(refused.message).toMatch(/requestRateScale/);
  });
});

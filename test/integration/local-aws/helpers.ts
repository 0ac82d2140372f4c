import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LocalAwsAdminClient, sdkConfigFor } from '@odcr-reclaimer/local-aws/admin-client.ts';
import { type LocalAws, type StartLocalAwsOptions, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { SeedReservation } from '@odcr-reclaimer/local-aws/types.ts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

export const TRADING_ID = 'cr-0123456789abcdef0';

/** The trading source most endpoint tests start from: 100 r7i.4xlarge in us-east-1a, with what a test adds. */
export function tradingReservation(extra: Partial<SeedReservation> = {}): SeedReservation {
  return {
    id: TRADING_ID,
    instanceType: 'r7i.4xlarge',
    availabilityZone: 'us-east-1a',
    totalInstanceCount: 100,
    ...extra,
  };
}

export interface TestEndpoint {
  aws: LocalAws;
  admin: LocalAwsAdminClient;
  ec2: EC2Client;
  cloudwatch: CloudWatchClient;
  events: EventBridgeClient;
  ec2In(region: string): EC2Client;
  close(): Promise<void>;
}

/** SDK config for the endpoint with the SDK's real retry logic but millisecond back-off, so retry tests are fast. */
export function fastRetryConfig(url: string, region = 'us-east-1') {
  return { ...sdkConfigFor(url, region), retryStrategy: new ConfiguredRetryStrategy(3, 1) };
}

export async function startTestEndpoint(options: StartLocalAwsOptions = {}): Promise<TestEndpoint> {
  const aws = await startLocalAws({ port: 0, ...options });
  const config = fastRetryConfig(aws.url);
  const clients: Array<{ destroy(): void }> = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  return {
    aws,
    admin: new LocalAwsAdminClient(aws.url),
    ec2: track(new EC2Client(config)),
    cloudwatch: track(new CloudWatchClient(config)),
    events: track(new EventBridgeClient(config)),
    ec2In: (region) => track(new EC2Client(fastRetryConfig(aws.url, region))),
    close: async () => {
      for (const client of clients) client.destroy();
      await aws.close();
    },
  };
}

/** The error an SDK call fails with (the test fails if it succeeds). */
export async function failureOf(
  call: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error: unknown) {
    if (error instanceof Error) return error;
    throw new Error(`non-Error thrown: ${String(error)}`);
  }
  throw new Error('expected the call to fail, it succeeded');
}

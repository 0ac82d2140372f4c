import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  EC2Client,
  UpdateInterruptibleCapacityReservationAllocationCommand,
  type UpdateInterruptibleCapacityReservationAllocationCommandInput,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type IamRequest,
  LocalAwsAdminClient,
  type LocalAwsSdkConfig,
  sdkConfigFor,
} from '@odcr-reclaimer/local-aws/admin-client.ts';
import type { InProcessRequestHandler } from '@odcr-reclaimer/local-aws/in-process-handler.ts';
import { type LocalAws, type StartLocalAwsOptions, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type {
  LocalAwsSettings,
  SeedInterruptible,
  SeedReservation,
} from '@odcr-reclaimer/local-aws/types.ts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, beforeEach, onTestFinished } from 'vitest';

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

/** A small reservation the rule tests seed: `count` c7i.large in us-east-1a, with what a test adds (its id). */
export function smallReservation(count: number, extra: Partial<SeedReservation> = {}): SeedReservation {
  return { instanceType: 'c7i.large', availabilityZone: 'us-east-1a', totalInstanceCount: count, ...extra };
}

/** Config fields that sign a client's requests with `accessKeyId` (a declared principal's or a role's key). */
export function signedAs(accessKeyId: string): Pick<LocalAwsSdkConfig, 'credentials'> {
  return { credentials: { accessKeyId, secretAccessKey: 'secret' } };
}

/** The access key of the principal `accountsIam` declares in `account`. */
const accountKey = (account: string) => `AKID${account}`;

/** Config fields that sign as the principal `accountsIam` declares in `account`. */
export function asAccount(account: string): Pick<LocalAwsSdkConfig, 'credentials'> {
  return signedAs(accountKey(account));
}

/** IAM that knows one principal in each of `accounts` (see `asAccount`) and enforces no policy. */
export function accountsIam(accounts: readonly string[]): IamRequest {
  return {
    enforce: false,
    principals: accounts.map((account) => ({
      name: `user-${account}`,
      accessKeyId: accountKey(account),
      accountId: account,
      policies: [],
    })),
  };
}

/** UpdateInterruptibleCapacityReservationAllocation sent by `ec2`: source `id`'s allocation to `target`. */
export function updateTarget(
  ec2: EC2Client,
  id: string,
  target: number,
  extra: Partial<UpdateInterruptibleCapacityReservationAllocationCommandInput> = {},
) {
  return ec2.send(
    new UpdateInterruptibleCapacityReservationAllocationCommand({
      CapacityReservationId: id,
      TargetInstanceCount: target,
      ...extra,
    }),
  );
}

/** SDK config for the endpoint with the SDK's real retry logic but millisecond back-off, so retry tests are fast. */
function fastRetryConfig(url: string, region = 'us-east-1', maxAttempts = 3) {
  return { ...sdkConfigFor(url, region), retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 1) };
}

/** What a test sets on one client of the endpoint, over `fastRetryConfig`. */
export interface ClientOverrides {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call (the first and its retries), three by default. */
  maxAttempts?: number;
  requestHandler?: InProcessRequestHandler;
}

type ClientConfig = ReturnType<typeof fastRetryConfig> & ClientOverrides;

export interface TestEndpoint {
  aws: LocalAws;
  admin: LocalAwsAdminClient;
  ec2: EC2Client;
  cloudwatch: CloudWatchClient;
  events: EventBridgeClient;
  ec2In(region: string): EC2Client;
  /**
   * A client of `Client` on the endpoint with fast retries (what `overrides` sets replaces it: a region,
   * credentials, a request handler), destroyed when the endpoint closes.
   */
  client<C extends { destroy(): void }>(
    Client: new (config: ClientConfig) => C,
    overrides?: ClientOverrides,
  ): C;
  /** A client built elsewhere (with the service's own settings), destroyed when the endpoint closes. */
  track<C extends { destroy(): void }>(made: C): C;
  close(): Promise<void>;
}

async function openTestEndpoint(options: StartLocalAwsOptions): Promise<TestEndpoint> {
  const aws = await startLocalAws({ port: 0, ...options });
  const clients: Array<{ destroy(): void }> = [];
  const track: TestEndpoint['track'] = (made) => {
    clients.push(made);
    return made;
  };
  // A retry strategy outranks `maxAttempts` in the SDK: the count goes into the strategy.
  const client: TestEndpoint['client'] = (Client, overrides = {}) =>
    track(new Client({ ...fastRetryConfig(aws.url, overrides.region, overrides.maxAttempts), ...overrides }));
  return {
    aws,
    admin: new LocalAwsAdminClient(aws.url),
    ec2: client(EC2Client),
    cloudwatch: client(CloudWatchClient),
    events: client(EventBridgeClient),
    ec2In: (region) => client(EC2Client, { region }),
    client,
    track,
    close: async () => {
      for (const made of clients.splice(0)) made.destroy();
      await aws.close();
    },
  };
}

/** An endpoint for the test that calls it: it closes when the test finishes. */
export async function startTestEndpoint(options: StartLocalAwsOptions = {}): Promise<TestEndpoint> {
  const endpoint = await openTestEndpoint(options);
  onTestFinished(() => endpoint.close());
  return endpoint;
}

/** An endpoint for the test that calls it, holding only the trading source, which lends `interruptible`. */
export function startTradingEndpoint(
  interruptible: SeedInterruptible,
  settings: Partial<LocalAwsSettings>,
): Promise<TestEndpoint> {
  return startTestEndpoint({ settings, seed: { reservations: [tradingReservation({ interruptible })] } });
}

/** One endpoint for every test of the file, started before them and closed after them; the getter answers it. */
export function useTestEndpoint(options: StartLocalAwsOptions = {}): () => TestEndpoint {
  return endpointFor(beforeAll, afterAll, options);
}

/** A fresh endpoint for each test of the file, closed after it; the getter answers the current test's. */
export function useFreshTestEndpoint(options: StartLocalAwsOptions = {}): () => TestEndpoint {
  return endpointFor(beforeEach, afterEach, options);
}

function endpointFor(
  before: (start: () => Promise<void>) => void,
  after: (close: () => Promise<void>) => void,
  options: StartLocalAwsOptions,
): () => TestEndpoint {
  let current: TestEndpoint | undefined;
  before(async () => {
    current = await openTestEndpoint(options);
  });
  after(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (current === undefined)
      throw new Error('the test endpoint is used outside the tests it was started for');
    return current;
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

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Clock } from '../clock.ts';
import { SDK_CLIENT_SETTINGS } from '../gateways/aws-call.ts';
import { CloudWatchGateway } from '../gateways/cloudwatch.ts';
import { type CapacityGateway, createEc2ClientFrom, Ec2CapacityGateway } from '../gateways/ec2-capacity.ts';
import { Ec2RequestPacer } from '../gateways/ec2-pacer.ts';
import { EventBridgeGateway } from '../gateways/eventbridge.ts';
import type { Gateways } from '../gateways/index.ts';
import { DynamoDbLeaseGateway } from '../gateways/lease.ts';
import { MultiRegionCapacityGateway } from '../gateways/multi-region.ts';
import type { RuntimeEnvironment } from './environment.ts';

/** The resource names the gateways address: serverless.yml sets them in every function's environment. */
export type ServiceNames = Pick<
  RuntimeEnvironment,
  'eventBusName' | 'trackerRuleName' | 'leaseTableName' | 'metricsNamespace'
>;

/**
 * Where one SDK client points. `region` is set for EC2 in a region the config lists; absent, the client is
 * the service's own (the deploy region: the bus, the tracker's rule, the lease table, the metrics).
 */
export interface ClientScope {
  region?: string;
}

/** What an SDK client is built with: where it connects, how it signs, how it retries. */
export type ClientSettings = Pick<
  EC2ClientConfig,
  'region' | 'endpoint' | 'credentials' | 'maxAttempts' | 'retryMode' | 'retryStrategy' | 'requestHandler'
>;

/** Everything the gateways are built from; production, the sandbox, the CLIs and the tests differ only here. */
export interface GatewayWiring {
  names: ServiceNames;
  /** The config's `regions`: one EC2 client per region; the deploy region's alone when absent or empty. */
  regions?: readonly string[] | undefined;
  /** The settings of each client; production's are the service's retries and timeouts in AWS_REGION. */
  clientSettings?: (scope: ClientScope) => ClientSettings;
  /** How the event gateway waits between PutEvents attempts (a simulated clock's sleep in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Paces each region's EC2 requests to EC2's limits on this clock (EC2 throttles per region); unpaced without. */
  pacing?: Clock;
}

/** The service's settings in the scope's region (the function's own, AWS_REGION, when it names none). */
export function serviceClientSettings(scope: ClientScope): ClientSettings {
  return { ...SDK_CLIENT_SETTINGS, ...(scope.region === undefined ? {} : { region: scope.region }) };
}

/**
 * The one way the service's gateways are built. One CloudWatch adapter on one client serves alarms and, with a
 * namespace, metrics; the bus, the tracker's rule and the lease live in the deploy region, one for all regions.
 */
export function createGateways(wiring: GatewayWiring): Gateways {
  const settings = wiring.clientSettings ?? serviceClientSettings;
  const own = settings({});
  const { names } = wiring;
  const cloudWatch = new CloudWatchGateway({
    client: new CloudWatchClient(own),
    ...(names.metricsNamespace === undefined ? {} : { namespace: names.metricsNamespace }),
  });
  return {
    capacity: createCapacityGateway(wiring.regions, (scope) => {
      const client = createEc2ClientFrom(settings(scope));
      const pacing = wiring.pacing;
      return new Ec2CapacityGateway({
        client,
        ...(pacing === undefined ? {} : { pacer: new Ec2RequestPacer({ clock: pacing }) }),
      });
    }),
    alarms: cloudWatch,
    events: new EventBridgeGateway({
      client: new EventBridgeClient(own),
      busName: names.eventBusName,
      trackerRuleName: names.trackerRuleName,
      ...(wiring.sleep === undefined ? {} : { sleep: wiring.sleep }),
    }),
    lease: new DynamoDbLeaseGateway({ client: new DynamoDBClient(own), tableName: names.leaseTableName }),
    ...(names.metricsNamespace === undefined ? {} : { metrics: cloudWatch }),
  };
}

/**
 * EC2 in the function's own region, or in each region the config lists (one client per region, built once
 * per container): EC2 is regional, the service's events, alarms and tracker are not duplicated per region.
 */
function createCapacityGateway(
  regions: readonly string[] | undefined,
  regional: (scope: ClientScope) => CapacityGateway,
): CapacityGateway {
  if (regions === undefined || regions.length === 0) return regional({});
  return new MultiRegionCapacityGateway(new Map(regions.map((region) => [region, regional({ region })])));
}

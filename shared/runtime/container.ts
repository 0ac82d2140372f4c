import type { EC2Client } from '@aws-sdk/client-ec2';
import { type Clock, systemClock } from '../clock.ts';
import { loadConfigFile } from '../config/load-config.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { ConfigurationError } from '../errors/index.ts';
import { SDK_CLIENT_SETTINGS } from '../gateways/aws-call.ts';
import {
  accountsCapacityGateway,
  assumeRoleCredentials,
  type CapacityGateway,
  CloudWatchGateway,
  createCloudWatchClient,
  createDynamoDbClient,
  createEc2Client,
  createEc2ClientFrom,
  createEventBridgeClient,
  createStsClient,
  DynamoDbLeaseGateway,
  Ec2CapacityGateway,
  Ec2RequestPacer,
  EventBridgeGateway,
  type Gateways,
  MultiRegionCapacityGateway,
} from '../gateways/index.ts';
import { type Logger, logger } from '../logging/logger.ts';
import type { LeaseWait } from '../reconcile/sole-writer.ts';
import { type RuntimeEnvironment, readRuntimeEnvironment } from './environment.ts';

/** What every handler is built from: tests and the simulator build one pointing at the local endpoint. */
export interface HandlerDependencies {
  gateways: Gateways;
  config: PolicyConfig;
  clock: Clock;
  logger?: Logger;
  /** How acting runs wait for the writer's lease; the defaults (sole-writer.ts) unless a test shortens them. */
  leaseWait?: Partial<LeaseWait>;
}

/** The real gateways for an environment; SDK clients are built here once and reused by every invocation. */
export function createGateways(
  environment: Pick<
    RuntimeEnvironment,
    'eventBusName' | 'trackerRuleName' | 'metricsNamespace' | 'leaseTableName'
  >,
  regions?: readonly string[],
  accounts: Pick<PolicyConfig, 'accounts' | 'regions'> = { accounts: [] },
): Gateways {
  // One CloudWatch adapter on one client for both roles; without a namespace it only reads alarms.
  const cloudWatch = new CloudWatchGateway({
    client: createCloudWatchClient(),
    ...(environment.metricsNamespace === undefined ? {} : { namespace: environment.metricsNamespace }),
  });
  return {
    capacity: createAccountsGateway(accounts, regions),
    alarms: cloudWatch,
    events: new EventBridgeGateway({
      client: createEventBridgeClient(),
      busName: environment.eventBusName,
      trackerRuleName: environment.trackerRuleName,
    }),
    // The lease table lives in the deploy region, like the bus and the tracker: one lease for every region.
    lease: new DynamoDbLeaseGateway({
      client: createDynamoDbClient(),
      tableName: environment.leaseTableName,
    }),
    ...(environment.metricsNamespace === undefined ? {} : { metrics: cloudWatch }),
  };
}

/**
 * EC2 in the function's own region, or in each region the config lists (one client per region, built once
 * per container): EC2 is regional, the service's events, alarms and tracker are not duplicated per region.
 * `ec2Client` builds the client of a region (the function's own when undefined); the simulator passes one
 * that reaches the local endpoint, so it wires regions exactly as production does. Each region's client is
 * paced to EC2's request limits on `clock` (the simulator's simulated one): EC2 throttles per region.
 */
export function createCapacityGateway(
  regions?: readonly string[],
  ec2Client: (region?: string) => EC2Client = createEc2Client,
  clock: Clock = systemClock,
): CapacityGateway {
  const regional = (region?: string) =>
    new Ec2CapacityGateway({ client: ec2Client(region), pacer: new Ec2RequestPacer({ clock }) });
  if (regions === undefined || regions.length === 0) return regional();
  return new MultiRegionCapacityGateway(new Map(regions.map((region) => [region, regional(region)])));
}

/**
 * The hub's capacity gateway and one per spoke of the config's `accounts`: each spoke's EC2 clients (one per
 * region) sign with the credentials of its assumed spoke role. The one place spoke clients are made.
 */
export function createAccountsGateway(
  config: Pick<PolicyConfig, 'accounts' | 'regions'>,
  regions?: readonly string[],
): CapacityGateway {
  const hub = createCapacityGateway(regions);
  if (config.accounts.length === 0) return hub;
  const sts = createStsClient();
  return accountsCapacityGateway(config, hub, (access) => {
    const credentials = assumeRoleCredentials(sts, access, 'odcr-reclaimer');
    return createCapacityGateway(access.regions, (region) =>
      createEc2ClientFrom({
        ...SDK_CLIENT_SETTINGS,
        credentials,
        ...(region === undefined ? {} : { region }),
      }),
    );
  });
}

/** Loads the policy config file named by ODCR_CONFIG_FILE, naming the variable in the error if it fails. */
export function loadPolicyConfig(environment: Pick<RuntimeEnvironment, 'configFile'>): PolicyConfig {
  try {
    return loadConfigFile(environment.configFile);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(
      'ODCR_CONFIG_FILE',
      `ODCR_CONFIG_FILE (${environment.configFile}): ${reason}`,
      {
        cause: error,
      },
    );
  }
}

let production: HandlerDependencies | undefined;

/**
 * The production wiring, built on first use and then kept for the container's life: one set of SDK clients,
 * the config read and validated once. Lazy rather than at import so that importing a handler module (tests,
 * the simulator, the bundler's analysis) never needs the Lambda environment.
 */
export function productionDependencies(): HandlerDependencies {
  if (production === undefined) {
    const environment = readRuntimeEnvironment();
    const config = loadPolicyConfig(environment);
    production = {
      config,
      gateways: createGateways(environment, config.regions, config),
      clock: systemClock,
      logger,
    };
  }
  return production;
}

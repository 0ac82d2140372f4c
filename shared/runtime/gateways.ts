import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type Clock, systemClock } from '../clock.ts';
import type { PolicyConfig } from '../config/schema.ts';
import type { Ec2RequestLimits } from '../domain/ec2-request-limits.ts';
import { ConfigurationError } from '../errors/index.ts';
import { type SpokeAccess, spokeAccesses } from '../gateways/accounts.ts';
import { SDK_CLIENT_SETTINGS } from '../gateways/aws-call.ts';
import { type CapacityRoute, RoutingCapacityGateway } from '../gateways/capacity-routing.ts';
import { CloudWatchGateway } from '../gateways/cloudwatch.ts';
import { type CapacityGateway, createEc2ClientFrom, Ec2CapacityGateway } from '../gateways/ec2-capacity.ts';
import { Ec2RequestPacer } from '../gateways/ec2-pacer.ts';
import { EventBridgeGateway } from '../gateways/eventbridge.ts';
import type { Gateways } from '../gateways/index.ts';
import { DynamoDbLeaseGateway } from '../gateways/lease.ts';
import { EmfMetricsGateway, type MetricLogSink, stdoutMetricLog } from '../gateways/metrics.ts';
import { type SharingGateways, sharingGateways } from '../gateways/sharing.ts';
import { builtOnFirstUse } from '../util/built-on-first-use.ts';
import type { RuntimeEnvironment } from './environment.ts';

/** The resource names the gateways address: serverless.yml sets them in every function's environment. */
export type ServiceNames = Pick<
  RuntimeEnvironment,
  'eventBusName' | 'trackerRuleName' | 'leaseTableName' | 'metricsNamespace' | 'serviceName'
>;

/**
 * Where one SDK client points. `region` is set for EC2 in a region the config lists; absent, the client is
 * the service's own (the deploy region: the bus, the tracker's rule, the lease table, the metrics).
 */
export interface ClientScope {
  region?: string;
  /**
   * The spoke account an EC2 client acts in (one of the config's `accounts`); absent for the hub, whose
   * clients sign with the function's own credentials. A spoke's clients sign with its assumed role whatever
   * the settings say.
   */
  account?: string;
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
  /** The config's `accounts` (the spokes): EC2 clients per spoke and region, on its assumed role. */
  accounts?: PolicyConfig['accounts'] | undefined;
  /** The settings of each client; production's are the service's retries and timeouts in AWS_REGION. */
  clientSettings?: (scope: ClientScope) => ClientSettings;
  /** How the event gateway waits between PutEvents attempts (a simulated clock's sleep in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Paces each region's EC2 requests to EC2's limits on this clock (EC2 throttles per region); unpaced without. */
  pacing?: Clock;
  /** The account's EC2 request limits the pacing keeps to (the config's `ec2RequestLimits`); EC2's defaults without. */
  requestLimits?: Ec2RequestLimits;
  /** The clock a spoke's assumed credentials expire on: the endpoint's simulated one in the sandbox; the system's without. */
  clock?: Clock;
  /**
   * Where the metrics' EMF lines go: stdout in Lambda (the runtime ships them to CloudWatch Logs, which makes
   * them metrics); the sandbox and tests hand them to the local endpoint's log ingest instead.
   */
  metricLog?: MetricLogSink;
}

/** The service's settings in the scope's region (the function's own, AWS_REGION, when it names none). */
export function serviceClientSettings(scope: ClientScope): ClientSettings {
  return { ...SDK_CLIENT_SETTINGS, ...(scope.region === undefined ? {} : { region: scope.region }) };
}

/**
 * The one way the service's gateways are built. Each adapter and its SDK client are built when the gateway is
 * first read (still once per container), so that a cold start builds only the clients its path reaches: the
 * members below are getters, and a spread copy of the whole object (`{ ...gateways }`) builds every one. One
 * CloudWatch adapter on one client reads alarms and, with a namespace, the reclaim durations; metrics are
 * written as EMF to the function's log. The bus, the tracker's rule and the lease live in the deploy region,
 * one for all regions.
 */
export function createGateways(wiring: GatewayWiring): Gateways {
  const settings = wiring.clientSettings ?? serviceClientSettings;
  const own = settings({});
  const { names } = wiring;
  const cloudWatch = builtOnFirstUse(
    () =>
      new CloudWatchGateway({
        client: new CloudWatchClient(own),
        ...(names.metricsNamespace === undefined ? {} : { namespace: names.metricsNamespace }),
      }),
  );
  const events = builtOnFirstUse(
    () =>
      new EventBridgeGateway({
        client: new EventBridgeClient(own),
        busName: names.eventBusName,
        trackerRuleName: names.trackerRuleName,
        ...(wiring.sleep === undefined ? {} : { sleep: wiring.sleep }),
      }),
  );
  const lease = builtOnFirstUse(
    () => new DynamoDbLeaseGateway({ client: new DynamoDBClient(own), tableName: names.leaseTableName }),
  );
  const spokes = spokeCredentialsOf(wiring, settings);
  const capacity = capacityGatewayOf(wiring, settings, spokes);
  const metrics =
    names.metricsNamespace === undefined
      ? undefined
      : new EmfMetricsGateway({
          namespace: names.metricsNamespace,
          serviceName: names.serviceName,
          sink: wiring.metricLog ?? stdoutMetricLog,
          durations: { reclaimDurations: (since, until) => cloudWatch().reclaimDurations(since, until) },
        });
  return {
    get capacity() {
      return capacity();
    },
    get alarms() {
      return cloudWatch();
    },
    get events() {
      return events();
    },
    get lease() {
      return lease();
    },
    sharing: createSharingGateways(settings, spokes),
    ...(metrics === undefined ? {} : { metrics }),
  };
}

/**
 * EC2 alone, wired as `createGateways` wires it (every account and region of the config, spokes through
 * their assumed roles): for a reader that needs no other service, such as on-call following a change.
 */
export function createCapacityGateways(
  wiring: Pick<
    GatewayWiring,
    'regions' | 'accounts' | 'clientSettings' | 'pacing' | 'requestLimits' | 'clock'
  > & { names: Pick<ServiceNames, 'serviceName'> },
): CapacityGateway {
  const settings = wiring.clientSettings ?? serviceClientSettings;
  return capacityGatewayOf(wiring, settings, spokeCredentialsOf(wiring, settings))();
}

/**
 * EC2 in each account (the hub and every spoke) and each of its regions, one client per route built once per
 * container: EC2 is regional and each account's state is its own. The hub's routes are the config's regions
 * (the function's own region when it lists none); a spoke's are its own `regions`, else the config's. Each
 * client is paced to EC2's request limits, which EC2 applies per account and region. Each route's client is
 * built when the route is first used; the one gateway over them all, on its first read.
 */
function capacityGatewayOf(
  wiring: Pick<GatewayWiring, 'regions' | 'accounts' | 'pacing' | 'requestLimits'>,
  settings: (scope: ClientScope) => ClientSettings,
  spokes: readonly SpokeRoute[],
): () => CapacityGateway {
  const regional = (scope: ClientScope, credentials?: ClientSettings['credentials']) => {
    const client = createEc2ClientFrom({
      ...settings(scope),
      ...(credentials === undefined ? {} : { credentials }),
    });
    const pacing = wiring.pacing;
    return new Ec2CapacityGateway({
      client,
      ...(pacing === undefined
        ? {}
        : {
            pacer: new Ec2RequestPacer({
              clock: pacing,
              ...(wiring.requestLimits === undefined ? {} : { limits: wiring.requestLimits }),
            }),
          }),
    });
  };
  const routesIn = (regions: readonly string[] | undefined): (string | undefined)[] =>
    regions === undefined || regions.length === 0 ? [undefined] : [...regions];
  const route = (scope: ClientScope, credentials?: ClientSettings['credentials']): CapacityRoute => {
    const gateway = builtOnFirstUse(() => regional(scope, credentials));
    return {
      ...(scope.account === undefined ? {} : { accountId: scope.account }),
      ...(scope.region === undefined ? {} : { region: scope.region }),
      get gateway() {
        return gateway();
      },
    };
  };
  const routes: CapacityRoute[] = routesIn(wiring.regions).map((region) =>
    route(region === undefined ? {} : { region }),
  );
  for (const { access, credentials } of spokes) {
    for (const region of routesIn(access.regions)) {
      routes.push(
        route({ account: access.accountId, ...(region === undefined ? {} : { region }) }, credentials),
      );
    }
  }
  return builtOnFirstUse(() => {
    const [only] = routes;
    return routes.length === 1 && only !== undefined ? only.gateway : new RoutingCapacityGateway(routes);
  });
}

/** A spoke of the config with the credentials all its clients (EC2, RAM) sign with. */
interface SpokeRoute {
  access: SpokeAccess;
  credentials: ClientSettings['credentials'];
}

/**
 * Each spoke's credentials, made once per container: its role assumed with STS on the hub's own client. STS
 * and the AssumeRole code are imported when a spoke's credentials are first asked for, so a cold start (and
 * a fleet without spokes, always) neither compiles nor evaluates them.
 */
function spokeCredentialsOf(
  wiring: Pick<GatewayWiring, 'regions' | 'accounts' | 'clock'> & {
    names: Pick<ServiceNames, 'serviceName'>;
  },
  settings: (scope: ClientScope) => ClientSettings,
): SpokeRoute[] {
  const accesses = spokeAccesses({ accounts: wiring.accounts ?? [], regions: wiring.regions });
  if (accesses.length === 0) return [];
  const assumeRole = builtOnFirstUse(async () => {
    const { assumeRoleCredentials, createStsClient } = await import('../gateways/assume-role.ts');
    const sts = createStsClient(settings({}));
    return { assumeRoleCredentials, sts: () => sts };
  });
  const clock = wiring.clock ?? systemClock;
  const sessionName = wiring.names.serviceName;
  return accesses.map((access) => {
    const provider = builtOnFirstUse(async () => {
      const { assumeRoleCredentials, sts } = await assumeRole();
      // The session is named after the service, so a spoke's CloudTrail says who acted in it.
      return assumeRoleCredentials(sts, access, sessionName, () => clock.now().getTime());
    });
    return { access, credentials: async () => (await provider())() };
  });
}

/**
 * RAM per account and region, built on its first call: the hub's on its own credentials, a spoke's on its
 * assumed role's (a spoke shares its reservations from its own account). An account that is not a spoke of
 * the config is refused rather than served with the hub's rights. Only a fleet that lends to borrowers (or
 * once did) reaches RAM, so the adapter and its client are imported then, not on every cold start.
 */
function createSharingGateways(
  settings: (scope: ClientScope) => ClientSettings,
  spokes: readonly SpokeRoute[],
): SharingGateways {
  return sharingGateways(async (scope) => {
    const spoke =
      scope.accountId === undefined
        ? undefined
        : spokes.find((entry) => entry.access.accountId === scope.accountId);
    if (scope.accountId !== undefined && spoke === undefined)
      throw new ConfigurationError('accounts', `account ${scope.accountId} is not a spoke of the config`);
    const { createRamClient, RamSharingGateway } = await import('../gateways/ram.ts');
    const client =
      spoke === undefined
        ? createRamClient(settings({ region: scope.region }))
        : createRamClient({
            ...settings({ account: spoke.access.accountId, region: scope.region }),
            ...(spoke.credentials === undefined ? {} : { credentials: spoke.credentials }),
          });
    return new RamSharingGateway({ client });
  });
}

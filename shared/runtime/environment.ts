import { ConfigurationError } from '../errors/index.ts';

/** What a function needs from its environment; no defaults for resource names (STYLE: fail fast). */
export interface RuntimeEnvironment {
  /** Path of the policy config JSON bundled with the function. */
  configFile: string;
  eventBusName: string;
  trackerRuleName: string;
  /** DynamoDB table of the writer's lease (`LEASE_TABLE_NAME`). */
  leaseTableName: string;
  /** CloudWatch namespace of the service's metrics (`METRICS_NAMESPACE`); without it no metrics gateway is built. */
  metricsNamespace?: string;
  /**
   * The service's name (`POWERTOOLS_SERVICE_NAME`, serverless.yml's `service`): written beside each metric
   * document and the session name of every spoke role the hub assumes, so a spoke's CloudTrail names it.
   */
  serviceName: string;
}

const REQUIRED = {
  configFile: 'ODCR_CONFIG_FILE',
  eventBusName: 'EVENT_BUS_NAME',
  trackerRuleName: 'TRACKER_RULE_NAME',
  leaseTableName: 'LEASE_TABLE_NAME',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const satisfies Record<Exclude<keyof RuntimeEnvironment, 'metricsNamespace'>, string>;

/** Reads the function's environment; throws ConfigurationError naming every missing variable. */
export function readRuntimeEnvironment(env: NodeJS.ProcessEnv = process.env): RuntimeEnvironment {
  const missing = Object.values(REQUIRED).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigurationError(
      missing.join(', '),
      `missing environment variable(s): ${missing.join(', ')}`,
    );
  }
  return {
    configFile: env[REQUIRED.configFile] ?? '',
    eventBusName: env[REQUIRED.eventBusName] ?? '',
    trackerRuleName: env[REQUIRED.trackerRuleName] ?? '',
    leaseTableName: env[REQUIRED.leaseTableName] ?? '',
    serviceName: env[REQUIRED.serviceName] ?? '',
    ...(env['METRICS_NAMESPACE'] ? { metricsNamespace: env['METRICS_NAMESPACE'] } : {}),
  };
}

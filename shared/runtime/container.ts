import { type Clock, systemClock } from '../clock.ts';
import { loadShippedConfig } from '../config/load-shipped-config.ts';
import type { PolicyConfig } from '../config/schema.ts';
import { ec2RequestLimits } from '../domain/ec2-request-limits.ts';
import { ConfigurationError } from '../errors/index.ts';
import type { Gateways } from '../gateways/index.ts';
import { type Logger, logger } from '../logging/logger.ts';
import type { LeaseWait } from '../reconcile/sole-writer.ts';
import { type RuntimeEnvironment, readRuntimeEnvironment } from './environment.ts';
import { createGateways } from './gateways.ts';

/** What every handler is built from: tests and the simulator build one pointing at the local endpoint. */
export interface HandlerDependencies {
  gateways: Gateways;
  config: PolicyConfig;
  clock: Clock;
  logger?: Logger;
  /** How acting runs wait for the writer's lease; the defaults (sole-writer.ts) unless a test shortens them. */
  leaseWait?: Partial<LeaseWait>;
}

/** Loads the policy config file named by ODCR_CONFIG_FILE, naming the variable in the error if it fails. */
export async function loadPolicyConfig(
  environment: Pick<RuntimeEnvironment, 'configFile'>,
): Promise<PolicyConfig> {
  try {
    return await loadShippedConfig(environment.configFile);
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

let production: Promise<HandlerDependencies> | undefined;

/**
 * The production wiring, built on first use and then kept for the container's life: one set of SDK clients,
 * the config read and validated once. Lazy rather than at import so that importing a handler module (tests,
 * the simulator, the bundler's analysis) never needs the Lambda environment. A wiring that failed (a missing
 * variable, a bad config) is not kept: the next invocation tries again and fails the same way, by name.
 */
export function productionDependencies(): Promise<HandlerDependencies> {
  production ??= wireProduction().catch((error: unknown) => {
    production = undefined;
    throw error;
  });
  return production;
}

async function wireProduction(): Promise<HandlerDependencies> {
  const environment = readRuntimeEnvironment();
  const config = await loadPolicyConfig(environment);
  return {
    config,
    // Production's clients: the service's settings in AWS_REGION, EC2 paced on the real clock.
    gateways: createGateways({
      names: environment,
      regions: config.regions,
      accounts: config.accounts,
      pacing: systemClock,
      // The config states one account's limits; every owner account is paced to them.
      requestLimits: ec2RequestLimits(config.ec2RequestLimits),
    }),
    clock: systemClock,
    logger,
  };
}

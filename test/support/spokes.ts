/**
 * A hub and its spokes on ONE local endpoint, reached as production reaches them: the hub's functions sign
 * with their own roles (as deployed for the config, and enforced by the endpoint), and each spoke is entered
 * through STS AssumeRole into the role its spoke stack created (sandbox/spoke-roles.ts reads it from the spoke
 * template), so a spoke whose trust refuses the hub, or whose stack was never deployed, fails as in AWS.
 */
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { accessKeyIdFor } from '@odcr-reclaimer/local-aws/iam.ts';
import { startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import type { SeedReservation, SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import { onTestFinished } from 'vitest';
import { sandboxFunctionRoles } from '#sandbox/runner.ts';
import { spokeRoleSeed } from '#sandbox/spoke-roles.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import type { HandlerDependencies } from '#shared/runtime/container.ts';
import { HUB_ACCOUNT } from './accounts.ts';
import {
  ensureLeaseTable,
  type LocalGateways,
  type LocalService,
  localGateways,
  SERVICE_TRIGGERS,
} from './local-service.ts';

/** A spoke's stack: deployed as the hub's config expects, with another external id, or never deployed. */
export type SpokeStackState = { externalId?: string } | 'not deployed';

export interface SpokeSetup {
  accountId: string;
  /** The spoke stack's state in that account; deployed with no external id when absent. */
  stack?: SpokeStackState;
}

export interface HubAndSpokes extends LocalService {
  /** What `createHandler` takes for the function `functionName` of serverless.yml, signing with its role. */
  as(functionName: string): HandlerDependencies & { gateways: LocalGateways };
}

/** A spoke as the hub's config names it: its account, entered through its spoke role, in `region`. */
export function spokeAccountConfig(id: string, region: string, externalId?: string) {
  return {
    id,
    role: 'odcr-reclaimer-spoke',
    ...(externalId === undefined ? {} : { externalId }),
    regions: [region],
  };
}

/** A spoke's trading reservation in the hub's config: at most 60 lent, all needed in `market`'s sessions. */
export function spokeTradingConfig(id: string, name: string, market: string, zeroSizePreference?: 'retain') {
  return {
    id,
    name,
    market,
    tradingNeed: 'all',
    offHoursNeed: 40,
    ceiling: 60,
    ...(zeroSizePreference === undefined ? {} : { zeroSizePreference }),
  };
}

/** That reservation as its spoke account holds it: managed, 100 owned, 60 lent of which 20 borrowed. */
export function spokeReservationSeed(
  accountId: string,
  id: string,
  availabilityZone: string,
  zeroSizePreference?: 'retain',
): SeedReservation {
  return {
    accountId,
    id,
    instanceType: 'm7i.2xlarge',
    availabilityZone,
    totalInstanceCount: 100,
    tags: { 'odcr-reclaimer:managed': 'true' },
    interruptible: {
      instanceCount: 60,
      borrowed: 20,
      ...(zeroSizePreference === undefined ? {} : { zeroSizePreference }),
    },
  };
}

/**
 * Starts an endpoint at `now` with the example fleet in the hub, `reservations` (each naming its
 * `accountId`) and the spoke roles of `spokes`, IAM enforced with the functions' roles for `config`. The
 * returned dependencies are reclaim-on-schedule's. Called inside a test; closed when the test finishes.
 */
export async function startHubAndSpokes(options: {
  now: string;
  config: PolicyConfig;
  reservations: SeedReservation[];
  spokes: readonly SpokeSetup[];
}): Promise<HubAndSpokes> {
  const example = loadExampleFleet();
  const roles = options.spokes.flatMap(({ accountId, stack = {} }) =>
    stack === 'not deployed'
      ? []
      : [
          spokeRoleSeed({
            accountId,
            hubAccountId: HUB_ACCOUNT,
            hubStage: SERVICE_TRIGGERS.stage,
            hubRegion: SERVICE_TRIGGERS.region,
            ...(stack.externalId === undefined ? {} : { externalId: stack.externalId }),
          }),
        ],
  );
  const seed: SeedState = {
    ...example,
    now: options.now,
    reservations: [...(example.reservations ?? []), ...options.reservations],
    roles,
  };
  const functionRoles = sandboxFunctionRoles(options.config, HUB_ACCOUNT);
  const aws = await startLocalAws({
    port: 0,
    seed,
    settings: { start: options.now, accountId: HUB_ACCOUNT },
    iam: {
      enforce: true,
      principals: functionRoles.map((role) => ({
        name: role.roleName,
        accessKeyId: accessKeyIdFor(role.roleName),
        policies: role.policies,
      })),
    },
  });
  ensureLeaseTable(aws);
  const as = (functionName: string) => {
    const role = functionRoles.find((candidate) => candidate.functionName === functionName);
    if (role === undefined) throw new Error(`serverless.yml has no function ${functionName}`);
    const gateways = localGateways(aws.url, {
      sleep: (ms) => aws.clock.sleep(ms),
      maxAttempts: 1,
      clock: aws.clock,
      regions: options.config.regions,
      accounts: options.config.accounts,
      credentials: { accessKeyId: accessKeyIdFor(role.roleName), secretAccessKey: 'function-role-secret' },
    });
    return { gateways, config: options.config, clock: aws.clock, logger: createSilentLogger() };
  };
  const dependencies = as('reclaim-on-schedule');
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= aws.close();
    return closed;
  };
  onTestFinished(close);
  return { aws, config: options.config, gateways: dependencies.gateways, dependencies, as, close };
}

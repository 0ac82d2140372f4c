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
import { loadConfigFile } from '#shared/config/load-config.ts';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import type { HandlerDependencies } from '#shared/runtime/container.ts';
import { HUB_ACCOUNT } from './accounts.ts';
import {
  EXAMPLE_CONFIG_FILE,
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

/**
 * A spoke of the hub, described once: its account and region, how its stack stands, the external id the hub's
 * config sends, and the trading reservation it holds (managed, 100 owned, 60 lent of which 20 borrowed, all
 * needed in its market's sessions, 40 outside them).
 */
export interface SpokeFixture extends SpokeSetup {
  region: string;
  externalId?: string;
  reservation: {
    id: string;
    name: string;
    market: string;
    availabilityZone: string;
    zeroSizePreference?: 'retain';
  };
}

/** The reservation's zero-size preference, where it states one, for the config and the seed alike. */
function zeroSizeOf({ zeroSizePreference }: SpokeFixture['reservation']) {
  return zeroSizePreference === undefined ? {} : { zeroSizePreference };
}

/** The example config managing each spoke's trading reservation too, reached through its account. */
function configWithSpokes(
  spokes: readonly SpokeFixture[],
  lead: Partial<PolicyConfig['lead']>,
): PolicyConfig {
  const base = loadConfigFile(EXAMPLE_CONFIG_FILE);
  return parseConfig({
    ...JSON.parse(JSON.stringify(base)),
    lead: { ...base.lead, ...lead },
    reservations: [
      ...base.reservations,
      ...spokes.map(({ reservation }) => ({
        id: reservation.id,
        name: reservation.name,
        market: reservation.market,
        tradingNeed: 'all',
        offHoursNeed: 40,
        ceiling: 60,
        ...zeroSizeOf(reservation),
      })),
    ],
    accounts: spokes.map((spoke) => ({
      id: spoke.accountId,
      role: 'odcr-reclaimer-spoke',
      ...(spoke.externalId === undefined ? {} : { externalId: spoke.externalId }),
      regions: [spoke.region],
    })),
  });
}

/** The spoke's trading reservation as its account holds it. */
function spokeReservationSeed({ accountId, reservation }: SpokeFixture): SeedReservation {
  return {
    accountId,
    id: reservation.id,
    instanceType: 'm7i.2xlarge',
    availabilityZone: reservation.availabilityZone,
    totalInstanceCount: 100,
    tags: { 'odcr-reclaimer:managed': 'true' },
    interruptible: {
      instanceCount: 60,
      borrowed: 20,
      ...zeroSizeOf(reservation),
    },
  };
}

/**
 * Starts an endpoint at `now` with the example fleet in the hub and each of `spokes` in its account (its
 * reservation, its stack's role), IAM enforced with the functions' roles for the example config managing the
 * spokes too (with `lead` over the example's lead). The returned dependencies are reclaim-on-schedule's.
 * Called inside a test; closed when the test finishes.
 */
export async function startHubAndSpokes(options: {
  now: string;
  spokes: readonly SpokeFixture[];
  lead?: Partial<PolicyConfig['lead']>;
}): Promise<HubAndSpokes> {
  const config = configWithSpokes(options.spokes, options.lead ?? {});
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
    reservations: [...(example.reservations ?? []), ...options.spokes.map(spokeReservationSeed)],
    roles,
  };
  const functionRoles = sandboxFunctionRoles(config, HUB_ACCOUNT);
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
      regions: config.regions,
      accounts: config.accounts,
      credentials: { accessKeyId: accessKeyIdFor(role.roleName), secretAccessKey: 'function-role-secret' },
    });
    return { gateways, config: config, clock: aws.clock, logger: createSilentLogger() };
  };
  const dependencies = as('reclaim-on-schedule');
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= aws.close();
    return closed;
  };
  onTestFinished(close);
  return { aws, config: config, gateways: dependencies.gateways, dependencies, as, close };
}

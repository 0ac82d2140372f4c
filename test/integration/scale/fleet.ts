/**
 * A managed fleet across 3 regions and 6 AZs for the scale test and `npm run bench`: each
 * reservation owns 10, lends 6 off-hours (2 borrowed), and belongs to its AZ's fleet (a `fleet` tag the
 * config's selectors match). All XNYS: needs everything from the open (minus the lead), 4 outside sessions.
 */
import type { SeedReservation, SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import type { Clock } from '#shared/clock.ts';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import { ec2RequestLimits } from '#shared/domain/ec2-request-limits.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import type { HandlerDependencies } from '#shared/runtime/container.ts';
import {
  LEASE_TABLE,
  type LocalGateways,
  localGateways,
  TRACKER_RULE_NAME,
} from '../../support/local-service.ts';

export const SCALE_ZONES = [
  'us-east-1a',
  'us-east-1b',
  'eu-west-2a',
  'eu-west-2b',
  'ap-northeast-1a',
  'ap-northeast-1c',
] as const;
export const SCALE_REGIONS = ['us-east-1', 'eu-west-2', 'ap-northeast-1'] as const;
export const SCALE_ALARM = 'fleet-load-high';
export const OWNED = 10;
export const LENT_OFF_HOURS = 6;

/** Wednesday 2025-03-12, 22:00 UTC: after the XNYS close, everything lendable is lent. */
export const OFF_HOURS = '2025-03-12T22:00:00.000Z';
/** Thursday 13:00 UTC = 09:00 New York: inside the 30-minute lead before the 09:30 open. */
export const BEFORE_OPEN = '2025-03-13T13:00:00.000Z';

export function scaleReservationId(index: number): string {
  return `cr-${(0xa0000 + index).toString(16).padStart(17, '0')}`;
}

function fleetOf(zone: string): string {
  return `fleet-${zone}`;
}

/** The zones of `SCALE_ZONES` in one region: a fleet that meets one region's EC2 request limits. */
export function zonesIn(region: string): string[] {
  return SCALE_ZONES.filter((zone) => zone.slice(0, -1) === region);
}

export function scaleSeed(count: number, now: string, zones: readonly string[] = SCALE_ZONES): SeedState {
  const reservations: SeedReservation[] = Array.from({ length: count }, (_, index) => {
    const zone = zones[index % zones.length] ?? 'us-east-1a';
    return {
      id: scaleReservationId(index),
      instanceType: 'c7i.large',
      availabilityZone: zone,
      totalInstanceCount: OWNED,
      tags: { [TAG.managed]: MANAGED_TAG_VALUE, fleet: fleetOf(zone) },
      // As production creates them: reconcile's Create tags the new interruptible reservation managed too, so
      // the managed-tag Describe filter matches it as well as its source.
      interruptible: {
        instanceCount: LENT_OFF_HOURS,
        borrowed: 2,
        zeroSizePreference: 'retain',
        tags: { [TAG.managed]: MANAGED_TAG_VALUE },
      },
    };
  });
  return {
    now,
    reservations,
    alarms: [{ name: SCALE_ALARM, state: 'OK' }],
    rules: [{ name: TRACKER_RULE_NAME, state: 'DISABLED', scheduleExpression: 'rate(1 minute)' }],
    tables: [LEASE_TABLE],
  };
}

export function scaleConfig(zones: readonly string[] = SCALE_ZONES): PolicyConfig {
  return parseConfig({
    regions: [...new Set(zones.map((zone) => zone.slice(0, -1)))],
    reservations: zones.map((zone) => ({
      selector: { tags: { fleet: fleetOf(zone) } },
      name: fleetOf(zone),
      market: 'XNYS',
      tradingNeed: 'all',
      offHoursNeed: OWNED - LENT_OFF_HOURS,
    })),
    alarms: {
      [SCALE_ALARM]: {
        adjustment: { type: 'delta', value: 2 },
        scope: { reservations: zones.map(fleetOf) },
      },
    },
    lead: { minimumMinutes: 30, safetyMarginMinutes: 10, minSamples: 5 },
  });
}

/**
 * The service's gateways over every configured region, each region's EC2 client signing for its region. As in
 * production, one CloudWatch gateway with the metrics namespace serves alarms and metrics, so a heartbeat also
 * pays the learned lead's read of the measured reclaim durations.
 */
export function scaleGateways(
  url: string,
  config: PolicyConfig,
  sleep: (ms: number) => Promise<void>,
  /** Paces each region's EC2 calls on this clock, as production does (against a throttled endpoint). */
  pacing?: Clock,
): LocalGateways {
  return localGateways(url, {
    regions: config.regions,
    sleep,
    ...(pacing === undefined ? {} : { pacing, requestLimits: ec2RequestLimits(config.ec2RequestLimits) }),
  });
}

/**
 * What a function's `createHandler` takes over the scale fleet of `zones`: its EC2 calls paced on `clock` as
 * production paces them against a throttled endpoint, and a silent logger.
 */
export function pacedScaleDependencies(
  url: string,
  clock: Clock,
  zones: readonly string[],
): HandlerDependencies & { gateways: LocalGateways } {
  const config = scaleConfig(zones);
  return {
    config,
    gateways: scaleGateways(url, config, (ms) => clock.sleep(ms), clock),
    clock,
    logger: createSilentLogger(),
  };
}

import type { Clock } from '#shared/clock.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { parseWith } from '#shared/events/parse.ts';
import type { Gateways } from '#shared/gateways/index.ts';
import type { Logger } from '#shared/logging/logger.ts';
import { sendUntilOf } from '#shared/reconcile/send-budget.ts';
import { productionDependencies } from '#shared/runtime/container.ts';
import { type DependencySource, lambdaHandler } from '#shared/runtime/handler-kit.ts';
import type { TrackerSettings } from '#shared/tracker/assess.ts';
import { readMetricsNamespace, readTrackerSettings } from '#shared/tracker/settings.ts';
import {
  type TrackerGateways,
  type TrackerTrigger,
  type TrackResult,
  trackReclamation,
} from '#shared/tracker/track.ts';
import { type TrackerEvent, trackerEventSchema } from './schema.ts';

/**
 * What the tracker is built from; the service's HandlerDependencies fit it, so tests pass those. It needs the
 * config and every gateway the reconcile needs: a deferred change is decided again, not replayed.
 */
export interface TrackerDependencies {
  gateways: TrackerGateways;
  config: PolicyConfig;
  clock: Clock;
  logger?: Logger;
  settings?: TrackerSettings;
}

/**
 * Woken every minute by its own rule while something is in flight, or by EC2's completion event: validate,
 * then poll until nothing is in flight or the run's ~50 s are spent, on the injected clock.
 */
export function createHandler(source: DependencySource<TrackerDependencies>) {
  return lambdaHandler(source, async (event, deps, context): Promise<TrackResult> => {
    const trigger = toTrigger(parseWith(trackerEventSchema(), event));
    return trackReclamation({
      trigger,
      clock: deps.clock,
      gateways: deps.gateways,
      config: deps.config,
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...sendUntilOf(deps.clock, context),
      ...(deps.settings === undefined ? {} : { settings: deps.settings }),
    });
  });
}

function toTrigger(event: TrackerEvent): TrackerTrigger {
  const time = new Date(event.time);
  if (event.source === 'aws.events') return { kind: 'schedule', id: event.id, time };
  const reservationId = event.detail.sourceCapacityReservationId;
  return {
    kind: 'ec2-completion',
    id: event.id,
    time,
    ...(reservationId === undefined ? {} : { reservationId }),
  };
}

export const handler = createHandler(async () => {
  const base = await productionDependencies();
  // The tracker cannot work without its metrics: fail at cold start naming the variable, not mid-run.
  // With the namespace set, the container's one CloudWatch gateway already serves the metrics role.
  readMetricsNamespace();
  const { gateways } = base;
  if (!hasMetrics(gateways)) throw new Error('container built no metrics gateway');
  // The container's gateways themselves, not a copy: a spread would build every client at once.
  return { ...base, gateways, settings: readTrackerSettings() };
});

function hasMetrics(gateways: Gateways): gateways is TrackerGateways {
  return gateways.metrics !== undefined;
}

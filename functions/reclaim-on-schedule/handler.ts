import { scheduledEventSchema } from '#shared/events/incoming.ts';
import { parseWith } from '#shared/events/parse.ts';
import type { ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { sendUntilOf } from '#shared/reconcile/send-budget.ts';
import { reconcileAsSoleWriter } from '#shared/reconcile/sole-writer.ts';
import { productionDependencies } from '#shared/runtime/container.ts';
import { type DependencySource, lambdaHandler } from '#shared/runtime/handler-kit.ts';

/**
 * EventBridge Scheduler heartbeat around session boundaries: the policy knows the calendar, so the handler
 * only reconciles at the clock's now (the simulated clock in tests and the simulator).
 */
export function createHandler(dependencies: DependencySource) {
  return lambdaHandler(
    dependencies,
    async (event, { gateways, config, clock, logger, leaseWait }, context): Promise<ReconcileResult> => {
      const scheduled = parseWith(scheduledEventSchema(), event);
      return reconcileAsSoleWriter({
        trigger: {
          kind: 'schedule',
          id: scheduled.id,
          detail: { time: scheduled.time, resources: scheduled.resources },
        },
        clock,
        gateways,
        config,
        ...(logger ? { logger } : {}),
        ...(leaseWait ? { wait: leaseWait } : {}),
        ...sendUntilOf(clock, context),
      });
    },
  );
}

export const handler = createHandler(productionDependencies);

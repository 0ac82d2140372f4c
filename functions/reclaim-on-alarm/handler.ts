import { alarmStateChangeEventSchema } from '#shared/events/incoming.ts';
import { parseWith } from '#shared/events/parse.ts';
import { configuredAlarmNames, type ReconcileResult } from '#shared/reconcile/reconcile.ts';
import { sendUntilOf } from '#shared/reconcile/send-budget.ts';
import { reconcileAsSoleWriter } from '#shared/reconcile/sole-writer.ts';
import { productionDependencies } from '#shared/runtime/container.ts';
import { type DependencySource, lambdaHandler } from '#shared/runtime/handler-kit.ts';

/** The answer for an alarm the config does not know: logged and ignored, not an error (it may be new). */
export interface IgnoredAlarm {
  ignored: true;
  alarmName: string;
  reason: string;
}

/**
 * A configured alarm changed state. The event only wakes the reconcile, which reads every alarm's current
 * state from CloudWatch: a duplicate or out-of-order delivery (an OK before its ALARM) cannot lend back early.
 */
export function createHandler(dependencies: DependencySource) {
  return lambdaHandler(
    dependencies,
    async (event, deps, context): Promise<ReconcileResult | IgnoredAlarm> => {
      const change = parseWith(alarmStateChangeEventSchema(), event);
      const { alarmName, state } = change.detail;
      if (!configuredAlarmNames(deps.config).includes(alarmName)) {
        deps.logger?.warn('alarm not in config, ignored', {
          alarmName,
          state: state.value,
          eventId: change.id,
        });
        return { ignored: true, alarmName, reason: `alarm '${alarmName}' is not in the policy config` };
      }
      return reconcileAsSoleWriter({
        trigger: { kind: 'alarm', id: change.id, detail: { alarmName, state: state.value } },
        clock: deps.clock,
        gateways: deps.gateways,
        config: deps.config,
        ...(deps.logger ? { logger: deps.logger } : {}),
        ...(deps.leaseWait ? { wait: deps.leaseWait } : {}),
        ...sendUntilOf(deps.clock, context),
      });
    },
  );
}

export const handler = createHandler(productionDependencies);

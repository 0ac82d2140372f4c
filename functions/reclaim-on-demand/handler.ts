import { ValidationError } from '#shared/errors/index.ts';
import { type ErrorAnswer, toErrorAnswer } from '#shared/on-demand/answer.ts';
import { callerOf } from '#shared/on-demand/caller.ts';
import { parseOnDemandRequest } from '#shared/on-demand/payload.ts';
import { type OnDemandAnswer, runOnDemand } from '#shared/on-demand/run-on-demand.ts';
import { sendUntilOf } from '#shared/reconcile/send-budget.ts';
import { productionDependencies } from '#shared/runtime/container.ts';
import { type DependencySource, lambdaHandler } from '#shared/runtime/handler-kit.ts';

/**
 * On-call's entry point (direct invoke): validate the payload before any AWS call, run the request, and
 * answer with a structured result or a structured error (never a stack trace). See README.md beside this file.
 */
export function createHandler(dependencies: DependencySource) {
  return lambdaHandler(dependencies, async (event, deps, context): Promise<OnDemandAnswer | ErrorAnswer> => {
    const correlationId = context.awsRequestId ?? `on-demand-${deps.clock.now().getTime()}`;
    try {
      const now = deps.clock.now();
      const request = parseOnDemandRequest(event, now, deps.config);
      const caller = callerOf(context);
      return await runOnDemand(request, {
        ...deps,
        now,
        triggerId: correlationId,
        ...(caller === undefined ? {} : { caller }),
        ...sendUntilOf(deps.clock, context),
      });
    } catch (error: unknown) {
      const answer = toErrorAnswer(error, correlationId);
      if (error instanceof ValidationError)
        deps.logger?.warn('on-demand request rejected', { ...answer.error });
      else deps.logger?.error('on-demand request failed', { correlation_id: correlationId, error });
      return answer;
    }
  });
}

export const handler = createHandler(productionDependencies);

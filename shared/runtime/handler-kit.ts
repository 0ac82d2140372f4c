import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Logger, logger as serviceLogger } from '../logging/logger.ts';
import type { HandlerDependencies } from './container.ts';

/**
 * Dependencies, or a function giving them on first use (production builds them once per container, and
 * may load code to do so).
 */
export type DependencySource<Dependencies extends { logger?: Logger } = HandlerDependencies> =
  | Dependencies
  | (() => Dependencies | Promise<Dependencies>);

export type UseCase<Result, Dependencies extends { logger?: Logger } = HandlerDependencies> = (
  event: unknown,
  dependencies: Dependencies,
  context: Context,
) => Promise<Result>;

/**
 * Wraps a use case as a Lambda handler: middy with Powertools' Lambda context on the logger, dependencies
 * resolved once, and the injected logger handed to the use case. Every function is built through it, so
 * each gets the same logging and the same once-per-container wiring.
 */
export function lambdaHandler<Result, Dependencies extends { logger?: Logger } = HandlerDependencies>(
  source: DependencySource<Dependencies>,
  useCase: UseCase<Result, Dependencies>,
) {
  const log = typeof source === 'function' ? serviceLogger : (source.logger ?? serviceLogger);
  let resolved: Dependencies | undefined;
  const dependencies = async (): Promise<Dependencies> => {
    resolved ??= typeof source === 'function' ? await source() : source;
    return { ...resolved, logger: resolved.logger ?? log };
  };
  return middy(async (event: unknown, context: Context) => useCase(event, await dependencies(), context)).use(
    injectLambdaContext(log, { clearState: true }),
  );
}

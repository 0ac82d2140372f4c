import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger as serviceLogger } from '../logging/logger.ts';
import type { HandlerDependencies } from './container.ts';

/**
 * Dependencies, or a function giving them on first use (production builds them once per container, and
 * may load code to do so).
 */
export type DependencySource =
  | HandlerDependencies
  | (() => HandlerDependencies | Promise<HandlerDependencies>);

export type UseCase<Result> = (
  event: unknown,
  dependencies: HandlerDependencies,
  context: Context,
) => Promise<Result>;

/**
 * Wraps a use case as a Lambda handler: middy with Powertools' Lambda context on the logger, dependencies
 * resolved once, and the injected logger handed to the use case.
 */
export function lambdaHandler<Result>(source: DependencySource, useCase: UseCase<Result>) {
  const log = typeof source === 'function' ? serviceLogger : (source.logger ?? serviceLogger);
  let resolved: HandlerDependencies | undefined;
  const dependencies = async (): Promise<HandlerDependencies> => {
    resolved ??= typeof source === 'function' ? await source() : source;
    return { ...resolved, logger: resolved.logger ?? log };
  };
  return middy(async (event: unknown, context: Context) => useCase(event, await dependencies(), context)).use(
    injectLambdaContext(log, { clearState: true }),
  );
}

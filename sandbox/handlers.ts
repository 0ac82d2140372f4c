/**
 * The real handlers, built by their own factories (`createHandler(dependencies)`) against the sandbox's
 * gateways and simulated clock: the code that runs is the code that deploys, only the wiring differs.
 */
import type { Context } from 'aws-lambda';
import type { Clock } from '#shared/clock.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import type { Gateways } from '#shared/gateways/index.ts';
import type { Logger } from '#shared/logging/logger.ts';

export type SandboxHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface SandboxDependencies {
  gateways: Gateways;
  config: PolicyConfig;
  clock: Clock;
  logger: Logger;
}

/** The functions serverless.yml deploys, each `functions/<name>/handler.ts`. */
export const SANDBOX_FUNCTIONS = [
  'reclaim-on-schedule',
  'reclaim-on-alarm',
  'reclaim-on-demand',
  'track-reclamation',
] as const;

interface HandlerModule {
  createHandler?: (
    dependencies: SandboxDependencies,
  ) => (event: unknown, context: Context) => Promise<unknown>;
}

export class MissingHandlerError extends Error {
  override name = 'MissingHandlerError';
}

/**
 * Imports each function's module and builds its handler; names any function whose module has no factory.
 * Dependencies per function (a function of its name) give each its own clients, e.g. its role's credentials.
 */
export async function buildSandboxHandlers(
  dependencies: SandboxDependencies | ((functionName: string) => SandboxDependencies),
  functions: readonly string[] = SANDBOX_FUNCTIONS,
): Promise<Map<string, SandboxHandler>> {
  const handlers = new Map<string, SandboxHandler>();
  for (const name of functions) {
    const module = (await import(`../functions/${name}/handler.ts`)) as HandlerModule;
    if (typeof module.createHandler !== 'function') {
      throw new MissingHandlerError(`functions/${name}/handler.ts exports no createHandler(dependencies)`);
    }
    const handler = module.createHandler(
      typeof dependencies === 'function' ? dependencies(name) : dependencies,
    );
    handlers.set(name, (event, context) => handler(event, context));
  }
  return handlers;
}

import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of the service. Handlers attach the Lambda context with `injectLambdaContext`;
 * the reconcile use case derives a child carrying the trigger's id as `correlation_id`, so every line of one
 * run can be found together. Its service name, level and sampling come from Powertools' own environment
 * variables (serverless.yml sets POWERTOOLS_SERVICE_NAME from its `service`).
 */
export const logger = new Logger();

export type { Logger };

/** A logger that writes nothing, for tests and tools that print their own output. */
export function createSilentLogger(): Logger {
  return new Logger({ logLevel: 'SILENT' });
}

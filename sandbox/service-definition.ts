/**
 * The service as serverless.yml deploys it, for everything that runs the functions outside Lambda (the
 * sandbox, the CLIs, the tests, the bench): function names, triggers, reserved concurrency and each
 * function's environment, with the values the build derives from a config supplied in place of
 * dist/infra/derived.json. The resource names in that environment are read by the same reader the functions
 * use at cold start, so a name missing from serverless.yml is an error here too, never a default.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { type RuntimeEnvironment, readRuntimeEnvironment } from '#shared/runtime/environment.ts';
import {
  readServerlessTriggers,
  ServerlessConfigError,
  type ServerlessTriggers,
} from './serverless-triggers.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVERLESS_FILE = resolve(REPO_ROOT, 'serverless.yml');

export interface ServiceDefinitionOptions {
  /** serverless.yml to read; the repository's by default. */
  serverlessFile?: string;
  stage?: string;
  region?: string;
}

/** serverless.yml's functions and triggers for `config`, as `npm run package` would deploy them. */
export function readServiceTriggers(
  config: PolicyConfig,
  options: ServiceDefinitionOptions = {},
): ServerlessTriggers {
  return readServerlessTriggers(options.serverlessFile ?? SERVERLESS_FILE, {
    files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
    ...(options.stage === undefined ? {} : { stage: options.stage }),
    ...(options.region === undefined ? {} : { region: options.region }),
  });
}

/** The resource names serverless.yml gives `functionName` (bus, tracker rule, lease table, namespace). */
export function serviceNames(
  triggers: ServerlessTriggers,
  functionName: string,
): Omit<RuntimeEnvironment, 'configFile'> {
  const environment = triggers.environment[functionName];
  if (environment === undefined) {
    throw new ServerlessConfigError(`serverless.yml defines no function '${functionName}'`);
  }
  const { configFile: _configFile, ...names } = readRuntimeEnvironment(environment);
  return names;
}

/** serverless.yml's name of each function, in its order (the functions/<name>/handler.ts folders). */
export function functionKeys(triggers: ServerlessTriggers): string[] {
  return Object.keys(triggers.functionNames);
}

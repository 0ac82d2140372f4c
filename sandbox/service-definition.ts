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
  deployedFunctionName,
  functionTimeout,
  readServerlessDefinitions,
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

/**
 * The functions serverless.yml defines and the environment each gets (the provider's, then its own), without
 * the build's derived values: enough for a CLI that needs names but no triggers.
 */
export function readFunctionEnvironments(
  options: ServiceDefinitionOptions = {},
): Record<string, Record<string, string>> {
  const definitions = definitionsWithoutConfig(options);
  const provider = asStrings(definitions.provider.environment);
  return Object.fromEntries(
    Object.entries(definitions.functions).map(([key, definition]) => [
      key,
      { ...provider, ...asStrings(definition.environment) },
    ]),
  );
}

/**
 * The name `key` (serverless.yml's function key, e.g. `reclaim-on-demand`) is deployed under for the stage;
 * an error naming it when serverless.yml defines no such function.
 */
export function deployedNameOf(key: string, options: ServiceDefinitionOptions = {}): string {
  const definitions = definitionsWithoutConfig(options);
  const definition = definitions.functions[key];
  if (definition === undefined)
    throw new ServerlessConfigError(`serverless.yml defines no function '${key}'`);
  return deployedFunctionName(definitions.service, definitions.stage, key, definition.name);
}

/** The region serverless.yml deploys to (its `provider.region`, `--region` unless given). */
export function deployedRegion(options: ServiceDefinitionOptions = {}): string {
  return definitionsWithoutConfig(options).region;
}

/** Each function's timeout in seconds as serverless.yml deploys it, without the build's derived values. */
export function readFunctionTimeouts(options: ServiceDefinitionOptions = {}): Record<string, number> {
  const definitions = definitionsWithoutConfig(options);
  const provider = definitions.provider as { timeout?: unknown };
  return Object.fromEntries(
    Object.entries(definitions.functions).map(([key, definition]) => [
      key,
      functionTimeout(key, definition.timeout ?? provider.timeout),
    ]),
  );
}

/** No config: the resources that use derived values are left out; the functions' names and environments need none. */
function definitionsWithoutConfig(options: ServiceDefinitionOptions) {
  return readServerlessDefinitions(options.serverlessFile ?? SERVERLESS_FILE, {
    files: { [DERIVED_VALUES_SOURCE]: {} },
    ...(options.stage === undefined ? {} : { stage: options.stage }),
    ...(options.region === undefined ? {} : { region: options.region }),
  });
}

function asStrings(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([name, text]) => [name, String(text)]));
}

import { namingFile, readConfigJson } from './config-file.ts';
import { type PolicyConfig, parseConfig } from './schema.ts';
import { configFileContent } from './validated-config.ts';

/**
 * Reads and validates the policy config file once (cold start); a missing file or bad JSON is a ConfigError too.
 * The file the build ships (validated-config.ts) is used as the build validated it.
 */
export function loadConfigFile(path: string): PolicyConfig {
  const json = readConfigJson(path);
  return namingFile(path, () => configFromFile(json));
}

/**
 * The policy config a parsed config file holds: the build's validated config as it is when its digest matches,
 * else the file's content validated in full (ConfigError naming each bad field).
 */
export function configFromFile(json: unknown): PolicyConfig {
  const content = configFileContent(json);
  return 'validated' in content ? content.validated : parseConfig(content.toValidate);
}

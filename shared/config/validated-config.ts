/**
 * The config as the build validated it, shipped in each function's zip so that a cold start uses it as it is
 * instead of running the whole schema again: the build writes the schema's output (defaults filled in) with a
 * digest of it. A file whose digest matches is that output unchanged; any other file (a config as written, or
 * one edited after the build) is validated in full, so a bad config still fails naming its field.
 */
import { createHash } from 'node:crypto';
import { type PolicyConfig, parseConfig } from './schema.ts';

/** What the build writes: the validated config and the SHA-256 of its JSON text. */
interface ValidatedConfigFile {
  validatedConfig: unknown;
  sha256: string;
}

function digestOf(jsonText: string): string {
  return createHash('sha256').update(jsonText).digest('hex');
}

/** The file the build ships for `config` (already validated by parseConfig). */
export function validatedConfigFileText(config: PolicyConfig): string {
  const jsonText = JSON.stringify(config);
  const file: ValidatedConfigFile = { validatedConfig: JSON.parse(jsonText), sha256: digestOf(jsonText) };
  return `${JSON.stringify(file)}\n`;
}

function isValidatedConfigFile(json: unknown): json is ValidatedConfigFile {
  return (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    Object.keys(json).length === 2 &&
    'validatedConfig' in json &&
    'sha256' in json &&
    typeof json.sha256 === 'string'
  );
}

/**
 * The policy config a parsed config file holds: the build's validated config as it is when its digest matches,
 * else the file's content validated in full (ConfigError naming each bad field).
 */
export function configFromFile(json: unknown): PolicyConfig {
  if (!isValidatedConfigFile(json)) return parseConfig(json);
  if (digestOf(JSON.stringify(json.validatedConfig)) === json.sha256) {
    return json.validatedConfig as PolicyConfig;
  }
  return parseConfig(json.validatedConfig);
}

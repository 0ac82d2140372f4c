/**
 * The config as the build validated it, shipped in each function's zip so that a cold start uses it as it is
 * instead of running the whole schema again: the build writes the schema's output (defaults filled in) with a
 * digest of it. A file whose digest matches is that output unchanged; any other file (a config as written, or
 * one edited after the build) is validated in full, so a bad config still fails naming its field. Nothing
 * here needs the schema: a cold start that finds the build's file never loads it (load-shipped-config.ts).
 */
import { createHash } from 'node:crypto';
import type { PolicyConfig } from './schema.ts';

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
 * What a parsed config file holds: the build's validated config, to use as it is, when its digest matches;
 * else what the schema must validate in full (the file's content, or the config inside a file edited since).
 */
export type ConfigFileContent = { validated: PolicyConfig } | { toValidate: unknown };

export function configFileContent(json: unknown): ConfigFileContent {
  if (!isValidatedConfigFile(json)) return { toValidate: json };
  if (digestOf(JSON.stringify(json.validatedConfig)) === json.sha256) {
    return { validated: json.validatedConfig as PolicyConfig };
  }
  return { toValidate: json.validatedConfig };
}

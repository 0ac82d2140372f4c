import { readFileSync } from 'node:fs';
import { ConfigError, type PolicyConfig } from './schema.ts';
import { configFromFile } from './validated-config.ts';

/**
 * Reads and validates the policy config file once (cold start); a missing file or bad JSON is a ConfigError too.
 * The file the build ships (validated-config.ts) is used as the build validated it.
 */
export function loadConfigFile(path: string): PolicyConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${reason}` }], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '(file)', message: `${path} is not valid JSON: ${reason}` }], {
      cause: error,
    });
  }
  try {
    return configFromFile(json);
  } catch (error: unknown) {
    // Said with the file's name, as the command that was given several files (config, scenario) prints it.
    if (error instanceof ConfigError) throw new ConfigError(error.issues, { cause: error, file: path });
    throw error;
  }
}

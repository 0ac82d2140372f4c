import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';
import type { PolicyConfig } from './schema.ts';
import { configFileContent } from './validated-config.ts';

/**
 * The functions' config loader: the file the build shipped is used as the build validated it, and the schema
 * (with zod's classic build, which it is written in) is imported only for a file that is not that file, such
 * as one edited after the build. A cold start then neither compiles nor evaluates the schema, while a bad file
 * still fails as loadConfigFile (load-config.ts) fails: a ConfigError naming each bad field and the file.
 */
export async function loadShippedConfig(path: string): Promise<PolicyConfig> {
  const content = configFileContent(readConfigJson(path));
  if ('validated' in content) return content.validated;
  const { parseConfig } = await import('./schema.ts');
  return namingFile(path, () => parseConfig(content.toValidate));
}

/**
 * `validate`'s answer, or its ConfigError said with the file's name, as a command given several files
 * (config, scenario) prints it.
 */
export function namingFile<T>(path: string, validate: () => T): T {
  try {
    return validate();
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues, { cause: error, file: path });
    throw error;
  }
}

/** The config file's JSON; a missing file or bad JSON is a ConfigError naming the file. */
export function readConfigJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${reason}` }], { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ path: '(file)', message: `${path} is not valid JSON: ${reason}` }], {
      cause: error,
    });
  }
}

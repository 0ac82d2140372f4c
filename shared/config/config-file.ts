/** Reading a config file, for both loaders: its JSON, and a validation error said with the file's name. */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';

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

import { namingFile, readConfigJson } from './config-file.ts';
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

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFile, loadConfigFile } from '#shared/config/load-config.ts';
import { loadShippedConfig } from '#shared/config/load-shipped-config.ts';
import { ConfigError } from '#shared/config/schema.ts';
import { validatedConfigFileText } from '#shared/config/validated-config.ts';

const CONFIGS = ['config/example.json', 'config/global-fleet.json'];

function writtenFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'validated-config-')), 'config.json');
  writeFileSync(file, text);
  return file;
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the config file the build ships', () => {
  it.each(CONFIGS)('loads as the very config the schema makes of %s', (path) => {
    const validated = loadConfigFile(path);

    const shipped = loadConfigFile(writtenFile(validatedConfigFileText(validated)));

    expect(shipped).toStrictEqual(validated);
  });

  it('is validated in full once edited after the build, naming the bad field', () => {
    const file = JSON.parse(validatedConfigFileText(loadConfigFile(CONFIGS[0] ?? ''))) as {
      validatedConfig: { reservations: Record<string, unknown>[] };
    };
    const [first] = file.validatedConfig.reservations;
    if (first === undefined) throw new Error('the example has reservations');
    first['tradingNeed'] = 'most';

    const error = configErrorOf(() => configFromFile(file));

    expect(error.issues.map((issue) => issue.path)).toContain('reservations[0].tradingNeed');
  });

  it('is validated in full when its digest is not of its config, even if the config was not changed', () => {
    const raw = JSON.parse(readFileSync(CONFIGS[0] ?? '', 'utf8')) as Record<string, unknown>;
    // A config as written (no defaults filled in) under a made-up digest: the schema still fills the defaults.
    const config = configFromFile({ validatedConfig: raw, sha256: '0'.repeat(64) });

    expect(config).toStrictEqual(loadConfigFile(CONFIGS[0] ?? ''));
  });

  it('leaves a config as written to the schema, however it is shaped', () => {
    const error = configErrorOf(() => configFromFile({ validatedConfig: {}, sha256: 'x', extra: 1 }));

    expect(error.issues.map((issue) => issue.path)).toContain('validatedConfig');
  });

  it.each(CONFIGS)("is what a function's cold start loads of %s, without the schema", async (path) => {
    const validated = loadConfigFile(path);

    const loaded = await loadShippedConfig(writtenFile(validatedConfigFileText(validated)));

    expect(loaded).toStrictEqual(validated);
  });

  it("fails a function's cold start naming the file and the bad field once edited after the build", async () => {
    const file = JSON.parse(validatedConfigFileText(loadConfigFile(CONFIGS[0] ?? ''))) as {
      validatedConfig: { reservations: Record<string, unknown>[] };
    };
    const [first] = file.validatedConfig.reservations;
    if (first === undefined) throw new Error('the example has reservations');
    first['tradingNeed'] = 'most';
    const edited = writtenFile(JSON.stringify(file));

    const failure = loadShippedConfig(edited);

    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(`invalid policy config ${edited}: reservations[0].tradingNeed`);
  });
});

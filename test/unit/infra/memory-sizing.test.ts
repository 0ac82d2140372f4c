import { describe, expect, it } from 'vitest';
import {
  derivedTemplateValues,
  functionMemorySizes,
  functionsFromServerlessYml,
  MEMORY_SIZING,
} from '#infra/build.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';

const config = loadConfigFile('config/example.json');

describe('functionMemorySizes', () => {
  it('sizes every function serverless.yml deploys, and derived.json carries the sizes', () => {
    const names = functionsFromServerlessYml().map((fn) => fn.name);
    expect(Object.keys(functionMemorySizes(config)).sort()).toEqual([...names].sort());
    expect(derivedTemplateValues(config).memorySize).toEqual(functionMemorySizes(config));
  });

  it('grows with the fleet the config describes, in steps, with the headroom above the measured line', () => {
    const small = functionMemorySizes({ ...config, managedReservations: 1_000 });
    const large = functionMemorySizes({ ...config, managedReservations: 10_000 });
    for (const [name, { baseMb, perThousandMb }] of Object.entries(MEMORY_SIZING.perFunction)) {
      const size = large[name] ?? 0;
      expect(size).toBeGreaterThan(small[name] ?? 0);
      expect(size % MEMORY_SIZING.stepMb).toBe(0);
      expect(size).toBeGreaterThanOrEqual((baseMb + 10 * perThousandMb) * MEMORY_SIZING.headroom);
      expect(size).toBeLessThan(
        (baseMb + 10 * perThousandMb) * MEMORY_SIZING.headroom + MEMORY_SIZING.stepMb,
      );
    }
  });

  it('counts one reservation per entry without managedReservations, and stays within Lambda', () => {
    expect(functionMemorySizes(config)).toEqual(
      functionMemorySizes({ ...config, managedReservations: config.reservations.length }),
    );
    const huge = functionMemorySizes({ ...config, managedReservations: 10_000_000 });
    expect(Object.values(huge).every((size) => size === MEMORY_SIZING.maximumMb)).toBe(true);
  });
});

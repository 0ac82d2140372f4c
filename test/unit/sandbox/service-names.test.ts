import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { describe, expect, it } from 'vitest';
import { readServerlessTriggers } from '#sandbox/serverless-triggers.ts';
import {
  deployedNameOf,
  deployedRegion,
  readFunctionEnvironments,
  SERVERLESS_FILE,
} from '#sandbox/service-definition.ts';
import { SERVICE_NAMES, SERVICE_TRIGGERS } from '../../support/local-service.ts';

describe("the service's names, read from serverless.yml", () => {
  it("gives each function its deployed name for the stage, as the triggers' reader does", () => {
    for (const [key, name] of Object.entries(SERVICE_TRIGGERS.functionNames)) {
      expect(deployedNameOf(key)).toBe(name);
    }
    expect(deployedNameOf('reclaim-on-demand', { stage: 'prod' })).toBe(
      'odcr-reclaimer-prod-reclaim-on-demand',
    );
    expect(deployedRegion({ region: 'eu-west-2' })).toBe('eu-west-2');
  });

  it('names the function serverless.yml does not define', () => {
    expect(() => deployedNameOf('reclaim-on-whim')).toThrow(
      "serverless.yml defines no function 'reclaim-on-whim'",
    );
  });

  it('takes every resource name of a stage from serverless.yml, for every function alike', () => {
    const environments = Object.values(readFunctionEnvironments({ stage: 'prod' }));
    expect(new Set(environments.map((environment) => environment.EVENT_BUS_NAME))).toEqual(
      new Set(['odcr-reclaimer-prod']),
    );
  });

  it('refuses a serverless.yml without a stage, naming provider.stage, rather than guessing one', () => {
    expect(() => readServerlessTriggers(SERVERLESS_FILE, { stage: '' })).toThrow('provider.stage');
  });

  it("seeds the endpoint's example fleet with the rule and table serverless.yml names", () => {
    const seed = loadExampleFleet();
    expect(seed.rules?.map((rule) => rule.name)).toEqual([SERVICE_NAMES.trackerRuleName]);
    expect(seed.tables?.map((table) => table.name)).toEqual([SERVICE_NAMES.leaseTableName]);
  });
});

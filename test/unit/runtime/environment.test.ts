import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/errors/index.ts';
import { readRuntimeEnvironment } from '#shared/runtime/environment.ts';

const DEPLOYED = {
  ODCR_CONFIG_FILE: 'config.json',
  EVENT_BUS_NAME: 'odcr-reclaimer-dev',
  TRACKER_RULE_NAME: 'odcr-reclaimer-dev-track-reclamation',
  LEASE_TABLE_NAME: 'odcr-reclaimer-dev-writer-lease',
  POWERTOOLS_SERVICE_NAME: 'odcr-reclaimer',
};

describe('readRuntimeEnvironment', () => {
  it('reads the service name the function is deployed under', () => {
    expect(readRuntimeEnvironment(DEPLOYED).serviceName).toBe('odcr-reclaimer');
  });

  it('fails naming POWERTOOLS_SERVICE_NAME when the service name is missing, rather than guess one', () => {
    const { POWERTOOLS_SERVICE_NAME: _serviceName, ...withoutServiceName } = DEPLOYED;
    expect(() => readRuntimeEnvironment(withoutServiceName)).toThrow(ConfigurationError);
    expect(() => readRuntimeEnvironment(withoutServiceName)).toThrow(
      'missing environment variable(s): POWERTOOLS_SERVICE_NAME',
    );
  });
});

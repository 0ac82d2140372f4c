import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/errors/index.ts';
import { CloudWatchGateway } from '#shared/gateways/cloudwatch.ts';
import { createGateways } from '#shared/runtime/container.ts';

const NAMES = {
  eventBusName: 'odcr-reclaimer-dev',
  trackerRuleName: 'odcr-reclaimer-dev-track-reclamation',
  leaseTableName: 'odcr-reclaimer-dev-writer-lease',
};

describe('CloudWatchGateway', () => {
  it('serves both roles from one adapter in the production wiring', () => {
    const gateways = createGateways({ ...NAMES, metricsNamespace: 'OdcrReclaimer' });

    expect(gateways.alarms).toBeInstanceOf(CloudWatchGateway);
    expect(gateways.metrics).toBe(gateways.alarms);
  });

  it('leaves the metrics role out without a namespace', () => {
    const gateways = createGateways({ ...NAMES, metricsNamespace: undefined });

    expect(gateways.alarms).toBeInstanceOf(CloudWatchGateway);
    expect(gateways.metrics).toBeUndefined();
  });

  it('refuses metric calls without a namespace, naming METRICS_NAMESPACE, before any AWS call', async () => {
    const alarmsOnly = new CloudWatchGateway();

    await expect(alarmsOnly.put([])).rejects.toThrow(ConfigurationError);
    await expect(alarmsOnly.reclaimDurations(new Date(0), new Date(1))).rejects.toThrow('METRICS_NAMESPACE');
  });
});

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/errors/index.ts';
import { CloudWatchGateway } from '#shared/gateways/cloudwatch.ts';
import { EmfMetricsGateway } from '#shared/gateways/metrics.ts';
import { createGateways } from '#shared/runtime/gateways.ts';
import { SERVICE_NAMES } from '../../support/local-service.ts';

describe('CloudWatchGateway', () => {
  it('reads alarms on CloudWatch and writes metrics as EMF in the production wiring', () => {
    const gateways = createGateways({ names: SERVICE_NAMES });

    expect(gateways.alarms).toBeInstanceOf(CloudWatchGateway);
    expect(gateways.metrics).toBeInstanceOf(EmfMetricsGateway);
  });

  it('leaves the metrics role out without a namespace', () => {
    const gateways = createGateways({ names: { ...SERVICE_NAMES, metricsNamespace: undefined } });

    expect(gateways.alarms).toBeInstanceOf(CloudWatchGateway);
    expect(gateways.metrics).toBeUndefined();
  });

  it('refuses to read durations without a namespace, naming METRICS_NAMESPACE, before any AWS call', async () => {
    const alarmsOnly = new CloudWatchGateway({ client: new CloudWatchClient({}) });

    await expect(alarmsOnly.reclaimDurations(new Date(0), new Date(1))).rejects.toThrow(ConfigurationError);
    await expect(alarmsOnly.reclaimDurations(new Date(0), new Date(1))).rejects.toThrow('METRICS_NAMESPACE');
  });
});

import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchGateway } from '#shared/gateways/cloudwatch.ts';
import { METRIC, type ServiceMetric } from '#shared/metrics/metric-names.ts';
import { localSdkConfig } from '../../support/local-service.ts';

const NOW = '2026-03-02T14:00:00.000Z';

let aws: LocalAws;
let client: CloudWatchClient;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, settings: { start: NOW } });
  client = new CloudWatchClient(localSdkConfig(aws.url));
});

afterAll(async () => {
  client.destroy();
  await aws.close();
});

describe("the service's PutMetricData batches against the endpoint's limits", () => {
  it('puts 2,001 datums in requests of at most 1000, each accepted', async () => {
    const gateway = new CloudWatchGateway({ client, namespace: 'OdcrReclaimer' });
    const metrics: ServiceMetric[] = Array.from({ length: 2001 }, (_, index) => ({
      name: METRIC.reclaimDurationSeconds,
      reservationId: `cr-${index.toString(16).padStart(17, '0')}`,
      value: index,
      unit: 'Seconds',
      timestamp: new Date(NOW),
    }));
    await gateway.put(metrics);
    const calls = aws.admin.calls({ service: 'cloudwatch', action: 'PutMetricData' }).calls;
    expect(calls.map((call) => call.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(calls.map((call) => (call.params as { MetricData: unknown[] }).MetricData.length)).toEqual([
      1000, 1000, 1,
    ]);
    expect(aws.admin.metrics({ namespace: 'OdcrReclaimer' }).metrics).toHaveLength(2001);
  });
});

import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/reclaim-on-schedule/handler.ts';
import { calendarDataDaysLeft } from '#shared/calendar/index.ts';
import { METRIC } from '#shared/metrics/metric-names.ts';
import {
  lambdaContext,
  METRICS_NAMESPACE,
  scheduledEvent,
  startLocalService,
} from '../../support/local-service.ts';

describe('reclaim-on-schedule: calendar data metric', () => {
  it('puts CalendarDataDaysLeft, the fewest days of data left among the configured markets', async () => {
    const now = '2025-03-12T22:00:00Z';
    const service = await startLocalService({ now });

    await createHandler(service.dependencies)(scheduledEvent(service.aws), lambdaContext());

    const datums = service.aws.admin.metrics({ metricName: METRIC.calendarDataDaysLeft }).metrics;
    expect(datums).toHaveLength(1);
    expect(datums[0]).toMatchObject({
      namespace: METRICS_NAMESPACE,
      value: calendarDataDaysLeft('XNYS', new Date(now)),
    });
  });
});

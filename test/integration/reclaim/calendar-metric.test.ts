import { describe, expect, it } from 'vitest';
import { calendarDataDaysLeft } from '#shared/calendar/index.ts';
import { METRIC } from '#shared/metrics/metric-names.ts';
import { OFF_HOURS } from '../../support/example-week.ts';
import { METRICS_NAMESPACE, startLocalService } from '../../support/local-service.ts';
import { runSchedule } from './runs.ts';

describe('reclaim-on-schedule: calendar data metric', () => {
  it('puts CalendarDataDaysLeft, the fewest days of data left among the configured markets', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    await runSchedule(service);

    const datums = service.aws.admin.metrics({ metricName: METRIC.calendarDataDaysLeft }).metrics;
    expect(datums).toHaveLength(1);
    expect(datums[0]).toMatchObject({
      namespace: METRICS_NAMESPACE,
      value: calendarDataDaysLeft('XNYS', new Date(OFF_HOURS)),
    });
  });
});

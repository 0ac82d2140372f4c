import type { PolicyConfig } from '../config/schema.ts';
import { errorMessage } from '../errors/index.ts';
import type { Gateways } from '../gateways/index.ts';
import type { Logger } from '../logging/logger.ts';
import { METRIC } from '../metrics/metric-names.ts';
import { leastCalendarDataLeft } from '../policy/calendar-data.ts';

/**
 * Puts `CalendarDataDaysLeft` (the fleet series: the fewest days of built-in calendar data left among the
 * configured markets) for the calendar-data alarm. Heartbeats are enough for a figure that moves once a day;
 * a failed put is logged and never stops a reconcile.
 */
export async function publishCalendarDataDaysLeft(
  gateways: Pick<Gateways, 'metrics'>,
  config: Pick<PolicyConfig, 'reservations'>,
  now: Date,
  log: Logger,
): Promise<void> {
  if (gateways.metrics === undefined) return;
  const least = leastCalendarDataLeft(config, now);
  if (least === undefined) return;
  try {
    await gateways.metrics.put([
      {
        name: METRIC.calendarDataDaysLeft,
        // A fleet datum has no dimension; this only says where the value came from.
        reservationId: `market:${least.market}`,
        value: least.days,
        unit: 'Count',
        timestamp: now,
        series: 'fleet',
      },
    ]);
  } catch (error: unknown) {
    log.warn('calendar data metric not put', { market: least.market, error: errorMessage(error) });
  }
}

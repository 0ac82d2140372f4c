/**
 * The tracker's CloudWatch metrics. The dashboard and alarms in `infra/` and the policy's learned lead read
 * them by these names (namespace from `METRICS_NAMESPACE`, dimension `ReservationId`), so they are a contract.
 * `ReclaimDurationSeconds` is also put without dimensions: the fleet series (see `MetricSeries`).
 */
export const METRIC = {
  owned: 'Owned',
  lent: 'Lent',
  target: 'Target',
  inFlight: 'InFlight',
  reclaimDurationSeconds: 'ReclaimDurationSeconds',
  stalls: 'Stalls',
  deadlineMarginSeconds: 'DeadlineMarginSeconds',
  deadlineAtRisk: 'DeadlineAtRisk',
  /** The fewest days of built-in calendar data left among the configured markets (the reconcile's). */
  calendarDataDaysLeft: 'CalendarDataDaysLeft',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export const METRIC_DIMENSION = 'ReservationId';

export type MetricUnit = 'Count' | 'Seconds';

/**
 * The series a datum is put to: its reservation's (dimension `ReservationId`), or the deployment's fleet
 * series (no dimensions). The fleet series of `ReclaimDurationSeconds` is what the learned lead reads back in
 * one query, and what the dashboard takes true percentiles over, whatever the fleet's size.
 */
export type MetricSeries = 'reservation' | 'fleet';

/** One value of one metric for one reservation, in the service's terms (no SDK types). */
export interface ReservationMetric {
  name: MetricName;
  /** The reservation the value was measured on (also for a fleet datum: it says where the value came from). */
  reservationId: string;
  value: number;
  unit: MetricUnit;
  timestamp: Date;
  /** The reservation's series when absent. */
  series?: MetricSeries;
}

/**
 * The tracker's CloudWatch metrics. The dashboard and alarms in `infra/` and the policy's learned lead read
 * them by these names (namespace from `METRICS_NAMESPACE`, dimension `ReservationId`), so they are a contract.
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
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export const METRIC_DIMENSION = 'ReservationId';

export type MetricUnit = 'Count' | 'Seconds';

/** One value of one metric for one reservation, in the service's terms (no SDK types). */
export interface ReservationMetric {
  name: MetricName;
  reservationId: string;
  value: number;
  unit: MetricUnit;
  timestamp: Date;
}

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

/**
 * Fleet series (no dimensions) of what went wrong, so that every failure pages: each has an alarm that
 * notifies the alarm topic (infra/alarms/failure-alarms.yml names them; a template test holds the two equal).
 * They are counts put only when non-zero, by the run that saw the failure.
 */
export const FAILURE_METRIC = {
  /** An allocation change (create, update, or a deferred target's record) EC2 or the run refused. */
  changesFailed: 'ChangesFailed',
  /** A request record, desired target or tracker memory not written to the reservation's tags. */
  recordsNotWritten: 'RecordsNotWritten',
  /** Something was in flight and EnableRule failed: nothing may be polling it. */
  trackerNotEnabled: 'TrackerNotEnabled',
  /** A deferred target fell due and the tracker could not decide or apply it. */
  deferredNotApplied: 'DeferredNotApplied',
  /** Calls IAM refused (AccessDenied, UnauthorizedOperation), counted by the gateways. */
  callsDenied: 'CallsDenied',
  /** Events PutEvents did not take: their page through the bus's rule is missing. */
  eventsNotPublished: 'EventsNotPublished',
  /** Owner accounts (spokes) a run could not read: their role not assumed, or their EC2 refusing. */
  accountsUnreachable: 'AccountsUnreachable',
  /** A RAM share was found changed by hand (a principal added or removed) and put back to the config's. */
  sharingDrift: 'SharingDrift',
  /** A RAM share could not be read or put in step with the config: borrowers may lack (or keep) access. */
  sharesNotInStep: 'SharesNotInStep',
} as const;

export type FailureMetricName = (typeof FAILURE_METRIC)[keyof typeof FAILURE_METRIC];

/**
 * Reservations seen in flight (fleet gauge): put by every poll of the tracker, 0 included, and by a reconcile
 * that sees any. The tracker-not-running alarm pairs it with the tracker's invocations: it stays raised
 * while the tracker does not run, since only a poll brings it back to 0.
 */
export const IN_FLIGHT_RESERVATIONS = 'InFlightReservations';

export type MetricName =
  | (typeof METRIC)[keyof typeof METRIC]
  | FailureMetricName
  | typeof IN_FLIGHT_RESERVATIONS;

export const METRIC_DIMENSION = 'ReservationId';
/** The second dimension of a spoke reservation's series: its owner account (the hub's own go without). */
export const ACCOUNT_DIMENSION = 'AccountId';

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
  /** Its owner account, for a spoke's reservation: the datum's series is then `ReservationId` + `AccountId`. */
  accountId?: string;
  value: number;
  unit: MetricUnit;
  timestamp: Date;
  /** The reservation's series when absent. */
  series?: MetricSeries;
}

/** A value of the deployment's fleet series (no dimensions): failures and the in-flight gauge. */
export interface FleetMetric {
  name: MetricName;
  value: number;
  unit: MetricUnit;
  timestamp: Date;
  series: 'fleet';
  reservationId?: undefined;
}

/** What the metrics gateway puts. */
export type ServiceMetric = ReservationMetric | FleetMetric;

/** A run's failure counts, put as fleet datums (failureMetrics) at its end so that each failure pages. */
export type FailureCounts = Partial<Record<FailureMetricName, number>>;

export function countFailure(counts: FailureCounts, name: FailureMetricName, howMany = 1): void {
  if (howMany > 0) counts[name] = (counts[name] ?? 0) + howMany;
}

/** The non-zero failure counts as fleet datums at `timestamp`. */
export function failureMetrics(counts: FailureCounts, timestamp: Date): FleetMetric[] {
  return Object.entries(counts)
    .filter((entry): entry is [FailureMetricName, number] => (entry[1] ?? 0) > 0)
    .map(([name, value]) => ({ name, value, unit: 'Count', timestamp, series: 'fleet' }));
}

/** The in-flight gauge (IN_FLIGHT_RESERVATIONS) as a fleet datum. */
export function inFlightGauge(reservations: number, timestamp: Date): FleetMetric {
  return { name: IN_FLIGHT_RESERVATIONS, value: reservations, unit: 'Count', timestamp, series: 'fleet' };
}

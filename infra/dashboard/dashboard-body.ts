import { ACCOUNT_DIMENSION, METRIC, METRIC_DIMENSION } from '#shared/metrics/metric-names.ts';

/**
 * The CloudWatch dashboard body (JSON) for the tracker's metrics. SEARCH expressions give one series per
 * reservation, so the dashboard follows the fleet without being regenerated when reservations are added; the
 * reclaim duration percentiles read the fleet series instead (see `fleetSeries`).
 * `region` is left as the literal `${AWS::Region}`: the template wraps the body in `Fn::Sub`.
 */
export interface DashboardOptions {
  namespace: string;
  /** Deployed name of the tracker function, for its invocation and error graph. */
  trackerFunctionName: string;
  /** Deployed name of the async on-failure queue. */
  failureQueueName: string;
}

/** CloudFormation's Fn::Sub variable for the region (not a JavaScript template placeholder). */
const REGION = `\${AWS::Region}`;
const WIDTH = 12;
const HEIGHT = 6;

/** A row of a widget's `metrics`: `[{ expression, id, label }]` or `[namespace, name, dim, value, { stat }]`. */
type MetricRow = readonly unknown[];

interface MetricWidget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title: string;
    region: string;
    view: 'timeSeries';
    stat?: string;
    period: number;
    metrics: MetricRow[];
    yAxis?: { left: { min: number; label?: string } };
    annotations?: { horizontal: { value: number; label: string }[] };
  };
}

function search(
  namespace: string,
  metricName: string,
  stat: string,
  period: number,
  schema: readonly string[] = [METRIC_DIMENSION],
): string {
  return `SEARCH('{${[namespace, ...schema].join(',')}} MetricName="${metricName}"', '${stat}', ${period})`;
}

/**
 * One series per reservation, the hub's and the spokes': a spoke reservation's series also carries its owner
 * account (dimension AccountId), so it is its own SEARCH schema, labelled with the account.
 */
function perReservation(
  namespace: string,
  series: { id: string; metric: string; stat: string; period: number; label: string },
): { id: string; expression: string; label: string }[] {
  const { id, metric, stat, period, label } = series;
  return [
    { id, expression: search(namespace, metric, stat, period), label },
    {
      id: `${id}Spokes`,
      expression: search(namespace, metric, stat, period, [ACCOUNT_DIMENSION, METRIC_DIMENSION]),
      label: `${label} (spoke accounts)`,
    },
  ];
}

/**
 * A metric of the fleet series (no dimensions), `[namespace, name, { stat, id, label }]`. For the duration
 * percentiles: a percentile over the fleet series is the true percentile over every completion, where a SEARCH
 * over the ReservationId dimension draws one percentile per reservation and stops at 500 series.
 */
function fleetSeries(
  namespace: string,
  metricName: string,
  options: { stat: string; id: string; label: string },
): MetricRow {
  return [namespace, metricName, options];
}

function timeSeriesWidget(
  title: string,
  series: ({ id: string; expression: string; label: string } | MetricRow)[],
  position: { x: number; y: number },
  options: WidgetOptions = { period: 60 },
): MetricWidget {
  return {
    type: 'metric',
    ...position,
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title,
      region: REGION,
      view: 'timeSeries',
      period: options.period,
      metrics: series.map((entry) => (Array.isArray(entry) ? entry : [entry])),
      yAxis: { left: { min: 0, ...(options.yLabel ? { label: options.yLabel } : {}) } },
      ...(options.zeroLine ? { annotations: { horizontal: [{ value: 0, label: options.zeroLine }] } } : {}),
    },
  };
}

type WidgetOptions = { period: number; yLabel?: string; zeroLine?: string };

/** A graph of per-reservation series, each read at the widget's own period so the two cannot disagree. */
function reservationWidget(
  namespace: string,
  title: string,
  series: readonly { id: string; metric: string; stat: string; label: string }[],
  position: { x: number; y: number },
  options: WidgetOptions = { period: 60 },
): MetricWidget {
  const rows = series.flatMap((entry) => perReservation(namespace, { ...entry, period: options.period }));
  return timeSeriesWidget(title, rows, position, options);
}

/** Builds the dashboard body as a JSON string (CloudFormation's `DashboardBody`). */
export function dashboardBody(options: DashboardOptions): string {
  const { namespace } = options;
  const widgets: MetricWidget[] = [
    reservationWidget(
      namespace,
      'Owned vs lent vs target, per reservation',
      [
        { id: 'owned', metric: METRIC.owned, stat: 'Maximum', label: 'owned' },
        { id: 'lent', metric: METRIC.lent, stat: 'Maximum', label: 'lent' },
        { id: 'target', metric: METRIC.target, stat: 'Maximum', label: 'target' },
      ],
      { x: 0, y: 0 },
      { period: 60, yLabel: 'instances' },
    ),
    reservationWidget(
      namespace,
      'In flight, per reservation',
      [{ id: 'inflight', metric: METRIC.inFlight, stat: 'Maximum', label: 'in flight' }],
      { x: WIDTH, y: 0 },
    ),
    timeSeriesWidget(
      'Reclaim duration p50 / p95 (seconds)',
      [
        fleetSeries(namespace, METRIC.reclaimDurationSeconds, { stat: 'p50', id: 'p50', label: 'p50' }),
        fleetSeries(namespace, METRIC.reclaimDurationSeconds, { stat: 'p95', id: 'p95', label: 'p95' }),
      ],
      { x: 0, y: HEIGHT },
      { period: 3600, yLabel: 'seconds' },
    ),
    reservationWidget(
      namespace,
      'Deadline margin before the open (seconds)',
      [{ id: 'margin', metric: METRIC.deadlineMarginSeconds, stat: 'Minimum', label: 'margin' }],
      { x: WIDTH, y: HEIGHT },
      { period: 300, yLabel: 'seconds', zeroLine: 'the bell' },
    ),
    reservationWidget(
      namespace,
      'Stalls and deadlines at risk',
      [
        { id: 'stalls', metric: METRIC.stalls, stat: 'Sum', label: 'stalls' },
        { id: 'risk', metric: METRIC.deadlineAtRisk, stat: 'Maximum', label: 'at risk' },
      ],
      { x: 0, y: 2 * HEIGHT },
      { period: 300 },
    ),
    {
      type: 'metric',
      x: WIDTH,
      y: 2 * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: 'Tracker runs, errors and async failures',
        region: REGION,
        view: 'timeSeries',
        period: 300,
        metrics: [
          [
            'AWS/Lambda',
            'Invocations',
            'FunctionName',
            options.trackerFunctionName,
            { stat: 'Sum', label: 'tracker runs' },
          ],
          [
            'AWS/Lambda',
            'Errors',
            'FunctionName',
            options.trackerFunctionName,
            { stat: 'Sum', label: 'tracker errors' },
          ],
          [
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            'QueueName',
            options.failureQueueName,
            { stat: 'Maximum', label: 'failed async invocations' },
          ],
        ],
      },
    },
  ];
  return JSON.stringify({ widgets });
}

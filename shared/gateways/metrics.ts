import { Metrics } from '@aws-lambda-powertools/metrics';
import { ACCOUNT_DIMENSION, METRIC_DIMENSION, type ServiceMetric } from '../metrics/metric-names.ts';

/**
 * The service's own metrics: the use cases put them (dashboard, alarms) and the policy's learned lead reads
 * the measured reclaim durations back, so a fleet that reclaims slowly is reclaimed earlier.
 */
export interface MetricsGateway {
  /** Writes the values; once this resolves they are out of the function (in its log). */
  put(metrics: readonly ServiceMetric[]): Promise<void>;
  /**
   * The fleet's measured reclaim durations (seconds) between `since` and `until`, oldest first: one sample per
   * minute that saw reclaims complete, the slowest of them (CloudWatchGateway.reclaimDurations says why).
   */
  reclaimDurations(since: Date, until: Date): Promise<number[]>;
}

/**
 * Where a function's EMF lines go. In Lambda, stdout: the runtime ships each line to the function's log group
 * and CloudWatch Logs turns the documents into metrics. The sandbox and tests hand them to the local
 * endpoint, which does what CloudWatch Logs does.
 */
export type MetricLogSink = (lines: readonly string[]) => void | Promise<void>;

/** Lambda's stdout, bypassing any console patching, one document per line. */
export const stdoutMetricLog: MetricLogSink = (lines) => {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
};

/**
 * The EMF specification's limits (CloudWatch_Embedded_Metric_Format_Specification.html): at most 100 metric
 * definitions per directive, 100 values per metric, 30 keys per dimension set.
 */
export const EMF_MAX_METRICS_PER_DOCUMENT = 100;
export const EMF_MAX_VALUES_PER_METRIC = 100;
export const EMF_MAX_DIMENSIONS = 30;

export interface EmfMetricsOptions {
  /** METRICS_NAMESPACE, as serverless.yml sets it. */
  namespace: string;
  /** The service's name (POWERTOOLS_SERVICE_NAME), written beside the values, not as a dimension. */
  serviceName?: string | undefined;
  sink: MetricLogSink;
  /** Reads the durations back: CloudWatch's GetMetricData over what the documents became. */
  durations: Pick<MetricsGateway, 'reclaimDurations'>;
}

/**
 * The metrics as embedded metric format in the function's log, rendered by Powertools Metrics. Nothing here
 * calls CloudWatch, so metrics still arrive when PutMetricData would be denied or throttled, and cost no call.
 * Each `put` is written at once rather than at the end of the invocation: a run that dies or times out later
 * has already written what it measured.
 */
export class EmfMetricsGateway implements MetricsGateway {
  private readonly options: EmfMetricsOptions;

  constructor(options: EmfMetricsOptions) {
    this.options = options;
  }

  async put(metrics: readonly ServiceMetric[]): Promise<void> {
    const lines = renderEmfDocuments(metrics, this.options);
    if (lines.length > 0) await this.options.sink(lines);
  }

  reclaimDurations(since: Date, until: Date): Promise<number[]> {
    return this.options.durations.reclaimDurations(since, until);
  }
}

/** Powertools warns to the console; a rendering problem here surfaces as the error `put` throws instead. */
const SILENT = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * One EMF document per series and timestamp (a document's dimensions and timestamp hold for all its values),
 * split so that none exceeds the specification's limits: each line is one JSON document.
 */
export function renderEmfDocuments(
  metrics: readonly ServiceMetric[],
  options: Pick<EmfMetricsOptions, 'namespace' | 'serviceName'>,
): string[] {
  const writer = new Metrics({
    namespace: options.namespace,
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    logger: SILENT,
  });
  // Powertools adds a `service` dimension by default; the alarms and the dashboard read the series without it.
  writer.clearDefaultDimensions();
  const lines: string[] = [];
  for (const document of documentsOf(metrics)) {
    for (const [name, value] of Object.entries(document.dimensions)) writer.addDimension(name, value);
    if (options.serviceName !== undefined) writer.addMetadata('service', options.serviceName);
    for (const metric of document.metrics) writer.addMetric(metric.name, metric.unit, metric.value);
    writer.setTimestamp(document.timestampMs);
    const rendered = writer.serializeMetrics();
    writer.clearMetrics();
    writer.clearDimensions();
    writer.clearMetadata();
    for (const directive of rendered._aws.CloudWatchMetrics) {
      // Powertools types it as one set but writes none when there are no dimensions: one empty set names the
      // metric's series without dimensions explicitly.
      const sets: string[][] = directive.Dimensions;
      if (sets.length === 0) sets.push([]);
    }
    lines.push(JSON.stringify(rendered));
  }
  return lines;
}

interface Document {
  dimensions: Record<string, string>;
  timestampMs: number;
  metrics: ServiceMetric[];
  /** Values per metric name, to keep each below EMF_MAX_VALUES_PER_METRIC. */
  values: Map<string, number>;
}

function dimensionsOf(metric: ServiceMetric): Record<string, string> {
  if (metric.series === 'fleet' || metric.reservationId === undefined) return {};
  return {
    [METRIC_DIMENSION]: metric.reservationId,
    ...(metric.accountId === undefined ? {} : { [ACCOUNT_DIMENSION]: metric.accountId }),
  };
}

/** Groups the values by series and timestamp, in order, opening a new document where a limit would be passed. */
function documentsOf(metrics: readonly ServiceMetric[]): Document[] {
  const documents: Document[] = [];
  const open = new Map<string, Document>();
  for (const metric of metrics) {
    const dimensions = dimensionsOf(metric);
    const timestampMs = metric.timestamp.getTime();
    const key = JSON.stringify([timestampMs, dimensions]);
    let document = open.get(key);
    const values = document?.values.get(metric.name) ?? 0;
    // Powertools flushes to stdout by itself when a value would pass either limit (a 101st name, a 100th
    // value): the document closes first, so every value goes through the sink.
    const full =
      document !== undefined &&
      (values >= EMF_MAX_VALUES_PER_METRIC - 1 || document.values.size >= EMF_MAX_METRICS_PER_DOCUMENT);
    if (document === undefined || full) {
      document = { dimensions, timestampMs, metrics: [], values: new Map() };
      open.set(key, document);
      documents.push(document);
    }
    document.metrics.push(metric);
    document.values.set(metric.name, (document.values.get(metric.name) ?? 0) + 1);
  }
  return documents;
}

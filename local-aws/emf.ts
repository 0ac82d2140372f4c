/**
 * CloudWatch Logs' extraction of the embedded metric format (EMF): a log event that is a JSON object with an
 * `_aws` member becomes metric datums, as the specification says
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * A document that breaks a rule records nothing: CloudWatch keeps the log event and extracts no metric from it.
 */
import { z } from 'zod';
import { DATAPOINT_LIMIT, FUTURE_LIMIT_MS, namespace, PAST_LIMIT_MS, STANDARD_UNITS } from './cloudwatch.ts';
import type { MetricRecord } from './types.ts';

/** "A DimensionSet MUST NOT contain more than 30 dimension keys." */
export const EMF_MAX_DIMENSIONS_PER_SET = 30;
/** "The Metrics array MUST NOT contain more than 100 MetricDefinition objects" per directive. */
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100;
/** A metric's target member may hold an array of at most 100 values. */
export const EMF_MAX_VALUES_PER_METRIC = 100;
/** EMF documents share CloudWatch Logs' event limits, at most 1 MB each. */
export const EMF_MAX_EVENT_BYTES = 1_048_576;
/** A dimension's value, 1–1024 characters as PutMetricData takes it (API_Dimension.html). */
const MAX_DIMENSION_VALUE = 1024;

/** Members the specification does not name are ignored, so the objects are not strict. */
const metricDefinition = z.object({
  Name: z.string().min(1).max(255),
  Unit: z.enum(STANDARD_UNITS).optional(),
  StorageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
});

const metricDirective = z.object({
  Namespace: namespace.refine((text) => !text.startsWith('AWS/'), { error: 'AWS/ is reserved' }),
  Dimensions: z.array(z.array(z.string().min(1)).max(EMF_MAX_DIMENSIONS_PER_SET)),
  Metrics: z.array(metricDefinition).max(EMF_MAX_METRICS_PER_DIRECTIVE),
});

const metadata = z.object({
  Timestamp: z.int().min(0),
  CloudWatchMetrics: z.array(metricDirective),
});

export interface ExtractedDatum {
  record: MetricRecord;
  timestampMs: number;
}

/** What one log event is to CloudWatch Logs: plain text, an EMF document's datums, or a rejected document. */
export type EmfExtraction =
  | { kind: 'text' }
  | { kind: 'metrics'; datums: ExtractedDatum[] }
  | { kind: 'rejected'; reason: string };

/** Reads one log event's message at the simulated `nowMs`; every datum or none. */
export function extractEmf(message: string, nowMs: number): EmfExtraction {
  let root: unknown;
  try {
    root = JSON.parse(message);
  } catch {
    // Not JSON: an ordinary log line, unless it meant to be a document.
    return message.includes('"_aws"') ? rejected('the event is not valid JSON') : { kind: 'text' };
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root) || !('_aws' in root)) {
    return { kind: 'text' };
  }
  if (Buffer.byteLength(message, 'utf8') > EMF_MAX_EVENT_BYTES) {
    return rejected(`the event exceeds ${EMF_MAX_EVENT_BYTES} bytes`);
  }
  const members = root as Record<string, unknown>;
  const parsed = metadata.safeParse(members['_aws']);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return rejected(`_aws.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const { Timestamp: timestampMs, CloudWatchMetrics: directives } = parsed.data;
  if (timestampMs < nowMs - PAST_LIMIT_MS || timestampMs > nowMs + FUTURE_LIMIT_MS) {
    return rejected('_aws.Timestamp is more than two weeks before or two hours after now');
  }
  const timestamp = new Date(timestampMs).toISOString();
  const datums: ExtractedDatum[] = [];
  for (const [index, directive] of directives.entries()) {
    const where = `_aws.CloudWatchMetrics.${index}`;
    const dimensionSets: Record<string, string>[] = [];
    for (const keys of directive.Dimensions) {
      const dimensions: Record<string, string> = {};
      for (const key of keys) {
        const value = members[key];
        if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DIMENSION_VALUE) {
          return rejected(
            `${where}.Dimensions: the member ${key} must be a string of 1-${MAX_DIMENSION_VALUE} characters`,
          );
        }
        dimensions[key] = value;
      }
      dimensionSets.push(dimensions);
    }
    // No dimension set at all asks for the metric's series without dimensions, as an empty set does.
    if (dimensionSets.length === 0) dimensionSets.push({});
    for (const definition of directive.Metrics) {
      const values = metricValues(members[definition.Name]);
      if (typeof values === 'string')
        return rejected(`${where}.Metrics: the member ${definition.Name} ${values}`);
      for (const dimensions of dimensionSets) {
        for (const value of values) {
          const record: MetricRecord = {
            namespace: directive.Namespace,
            metricName: definition.Name,
            dimensions: { ...dimensions },
            timestamp,
            value,
          };
          if (definition.Unit !== undefined) record.unit = definition.Unit;
          if (definition.StorageResolution === 1) record.storageResolution = 1;
          datums.push({ record, timestampMs });
        }
      }
    }
  }
  return { kind: 'metrics', datums };
}

/** A metric's target member: a number or 1–100 numbers, each finite within ±2^360; else why not. */
function metricValues(member: unknown): number[] | string {
  const values = Array.isArray(member) ? member : [member];
  if (member === undefined) return 'is missing';
  if (values.length === 0 || values.length > EMF_MAX_VALUES_PER_METRIC) {
    return `must hold 1-${EMF_MAX_VALUES_PER_METRIC} values`;
  }
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > DATAPOINT_LIMIT) {
      return 'must be a number or an array of numbers within ±2^360';
    }
  }
  return values as number[];
}

function rejected(reason: string): EmfExtraction {
  return { kind: 'rejected', reason };
}

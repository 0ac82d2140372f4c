/**
 * CloudWatch over awsJson1_0 in query-compatible mode: DescribeAlarms, SetAlarmState,
 * PutMetricData and GetMetricData over the stored datums. Errors carry the JSON type and the legacy query code.
 */
import { AwsServiceError } from './errors.ts';
import type { MetricRecord } from './types.ts';
import { type LocalAwsWorld, metricKey } from './world.ts';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const MAX_DATUMS_PER_CALL = 1000;
const MAX_QUERIES = 500;

/** Legacy query code → JSON shape name, as CloudWatch's JSON protocol reports them. */
const JSON_TYPE_OF_QUERY_CODE: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  InternalServiceError: 'InternalServiceFault',
  InvalidNextToken: 'InvalidNextToken',
  ResourceNotFound: 'ResourceNotFound',
  InvalidFormat: 'InvalidFormatFault',
};

export function cloudWatchErrorType(code: string): string {
  return JSON_TYPE_OF_QUERY_CODE[code] ?? code;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message);
}

function missing(name: string): AwsServiceError {
  return new AwsServiceError('MissingParameter', `The parameter ${name} is required.`);
}

function epochMs(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw invalid(`The parameter ${name} must be a timestamp.`);
}

function dimensionsOf(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) throw invalid(`${where}.Dimensions must be a list.`);
  if (value.length > 30) throw invalid(`${where}.Dimensions has more than 30 dimensions.`);
  const dimensions: Record<string, string> = {};
  for (const dimension of value) {
    if (!isObject(dimension) || typeof dimension.Name !== 'string' || typeof dimension.Value !== 'string') {
      throw invalid(`${where}.Dimensions members need Name and Value.`);
    }
    dimensions[dimension.Name] = dimension.Value;
  }
  return dimensions;
}

export function handleCloudWatch(world: LocalAwsWorld, action: string, body: Json): Json {
  switch (action) {
    case 'DescribeAlarms':
      return describeAlarms(world, body);
    case 'PutMetricData':
      return putMetricData(world, body);
    case 'GetMetricData':
      return getMetricData(world, body);
    case 'SetAlarmState':
      return setAlarmState(world, body);
    default:
      throw new AwsServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

function describeAlarms(world: LocalAwsWorld, body: Json): Json {
  const names = body.AlarmNames;
  if (names !== undefined && (!Array.isArray(names) || names.some((name) => typeof name !== 'string'))) {
    throw invalid('AlarmNames must be a list of strings.');
  }
  if (Array.isArray(names) && names.length > 100) throw invalid('AlarmNames has more than 100 names.');
  const state = body.StateValue;
  if (state !== undefined && state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') {
    throw invalid(`StateValue ${String(state)} is not one of OK, ALARM, INSUFFICIENT_DATA.`);
  }
  const prefix = typeof body.AlarmNamePrefix === 'string' ? body.AlarmNamePrefix : undefined;
  const types = Array.isArray(body.AlarmTypes) ? body.AlarmTypes : undefined;
  const wantsMetricAlarms = types === undefined || types.includes('MetricAlarm');
  const maxRecords = typeof body.MaxRecords === 'number' ? body.MaxRecords : 50;
  if (maxRecords < 1 || maxRecords > 100) throw invalid('MaxRecords must be between 1 and 100.');
  const offset = typeof body.NextToken === 'string' ? Number(body.NextToken) : 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new AwsServiceError('InvalidNextToken', 'The NextToken is not valid.');
  }
  const wanted = new Set(Array.isArray(names) ? (names as string[]) : []);
  const matching = wantsMetricAlarms
    ? [...world.alarms.values()].filter(
        (alarm) =>
          (wanted.size === 0 || wanted.has(alarm.name)) &&
          (state === undefined || alarm.state === state) &&
          (prefix === undefined || alarm.name.startsWith(prefix)),
      )
    : [];
  const page = matching.slice(offset, offset + maxRecords);
  const answer: Json = {
    MetricAlarms: page.map((alarm) => ({
      AlarmName: alarm.name,
      AlarmArn: alarm.arn,
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
      StateValue: alarm.state,
      StateReason: alarm.reason,
      StateUpdatedTimestamp: alarm.updatedAtMs / 1000,
      StateTransitionedTimestamp: alarm.updatedAtMs / 1000,
      Dimensions: [],
    })),
    CompositeAlarms: [],
  };
  if (offset + maxRecords < matching.length) answer.NextToken = String(offset + maxRecords);
  return answer;
}

/**
 * SetAlarmState, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html:
 * AlarmName 1–255, StateReason 0–1023 (both required), StateValue one of the three states, StateReasonData
 * optional JSON of at most 4000 characters (InvalidFormat otherwise); an unknown alarm is ResourceNotFound.
 */
function setAlarmState(world: LocalAwsWorld, body: Json): Json {
  const name = body.AlarmName;
  if (typeof name !== 'string') throw missing('AlarmName');
  if (name.length < 1 || name.length > 255) throw invalid('AlarmName must be 1 to 255 characters long.');
  const state = body.StateValue;
  if (state === undefined) throw missing('StateValue');
  if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') {
    throw invalid(`StateValue ${String(state)} is not one of OK, ALARM, INSUFFICIENT_DATA.`);
  }
  const reason = body.StateReason;
  if (typeof reason !== 'string') throw missing('StateReason');
  if (reason.length > 1023) throw invalid('StateReason must be at most 1023 characters long.');
  const data = body.StateReasonData;
  if (data !== undefined) {
    if (typeof data !== 'string' || data.length > 4000) {
      throw invalid('StateReasonData must be a string of at most 4000 characters.');
    }
    try {
      JSON.parse(data);
    } catch {
      throw new AwsServiceError('InvalidFormat', 'StateReasonData is not valid JSON.');
    }
  }
  world.setAlarmStateFromApi(name, state, reason);
  return {};
}

function putMetricData(world: LocalAwsWorld, body: Json): Json {
  const namespace = body.Namespace;
  if (typeof namespace !== 'string' || namespace === '') throw missing('Namespace');
  if (namespace.startsWith('AWS/')) throw invalid('The value AWS/ for parameter Namespace is reserved.');
  const datums: unknown[] = [];
  if (body.MetricData !== undefined) {
    if (!Array.isArray(body.MetricData)) throw invalid('MetricData must be a list.');
    datums.push(...body.MetricData);
  }
  if (Array.isArray(body.EntityMetricData)) {
    for (const entityData of body.EntityMetricData) {
      if (isObject(entityData) && Array.isArray(entityData.MetricData)) datums.push(...entityData.MetricData);
    }
  }
  if (datums.length === 0) throw missing('MetricData');
  if (datums.length > MAX_DATUMS_PER_CALL) {
    throw invalid(`The collection MetricData must not have a size greater than ${MAX_DATUMS_PER_CALL}.`);
  }
  const nowMs = world.nowMs();
  const records = datums.map((datum, index) => {
    const where = `MetricData.member.${index + 1}`;
    if (!isObject(datum)) throw invalid(`${where} must be an object.`);
    if (typeof datum.MetricName !== 'string' || datum.MetricName === '') throw missing(`${where}.MetricName`);
    if (datum.Value !== undefined && datum.StatisticValues !== undefined) {
      throw new AwsServiceError(
        'InvalidParameterCombination',
        `The parameters ${where}.Value and ${where}.StatisticValues are mutually exclusive.`,
      );
    }
    if (datum.Value !== undefined && (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value))) {
      throw invalid(`${where}.Value must be a finite number.`);
    }
    const timestampMs =
      datum.Timestamp === undefined ? nowMs : epochMs(`${where}.Timestamp`, datum.Timestamp);
    const record: MetricRecord = {
      namespace,
      metricName: datum.MetricName,
      dimensions: dimensionsOf(datum.Dimensions, where),
      timestamp: new Date(timestampMs).toISOString(),
    };
    if (typeof datum.Value === 'number') record.value = datum.Value;
    if (Array.isArray(datum.Values)) {
      if (!datum.Values.every((value) => typeof value === 'number'))
        throw invalid(`${where}.Values must be numbers.`);
      record.values = datum.Values as number[];
      if (Array.isArray(datum.Counts)) {
        if (datum.Counts.length !== datum.Values.length) {
          throw invalid(`${where}.Counts must have as many members as ${where}.Values.`);
        }
        record.counts = datum.Counts as number[];
      }
    }
    if (isObject(datum.StatisticValues)) {
      const { SampleCount, Sum, Minimum, Maximum } = datum.StatisticValues;
      if (
        typeof SampleCount !== 'number' ||
        typeof Sum !== 'number' ||
        typeof Minimum !== 'number' ||
        typeof Maximum !== 'number'
      ) {
        throw missing(`${where}.StatisticValues members`);
      }
      record.statisticValues = { SampleCount, Sum, Minimum, Maximum };
    }
    if (typeof datum.Unit === 'string') record.unit = datum.Unit;
    return { record, timestampMs };
  });
  // Validated as a whole first: CloudWatch stores nothing of a rejected call.
  for (const { record, timestampMs } of records) world.storeDatum(record, timestampMs);
  return {};
}

interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
  samples: number[];
}

function addSample(bucket: Bucket, value: number, count: number): void {
  bucket.sum += value * count;
  bucket.count += count;
  bucket.min = Math.min(bucket.min, value);
  bucket.max = Math.max(bucket.max, value);
  for (let index = 0; index < Math.min(count, 10_000); index++) bucket.samples.push(value);
}

function statistic(stat: string): (bucket: Bucket) => number {
  switch (stat) {
    case 'Average':
      return (bucket) => bucket.sum / bucket.count;
    case 'Sum':
      return (bucket) => bucket.sum;
    case 'Minimum':
      return (bucket) => bucket.min;
    case 'Maximum':
      return (bucket) => bucket.max;
    case 'SampleCount':
      return (bucket) => bucket.count;
  }
  const percentile = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat);
  if (!percentile) throw invalid(`The statistic ${stat} is not supported.`);
  const rank = Number(percentile[1]) / 100;
  return (bucket) => {
    if (bucket.samples.length === 0) return bucket.sum / bucket.count;
    const sorted = [...bucket.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1))]!;
  };
}

function getMetricData(world: LocalAwsWorld, body: Json): Json {
  const queries = body.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0) throw missing('MetricDataQueries');
  if (queries.length > MAX_QUERIES) throw invalid(`MetricDataQueries has more than ${MAX_QUERIES} members.`);
  if (body.StartTime === undefined) throw missing('StartTime');
  if (body.EndTime === undefined) throw missing('EndTime');
  const startMs = epochMs('StartTime', body.StartTime);
  const endMs = epochMs('EndTime', body.EndTime);
  if (endMs <= startMs) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const ascending = body.ScanBy === 'TimestampAscending';
  const results = queries.map((query, index) => {
    if (!isObject(query) || typeof query.Id !== 'string' || !/^[a-z][a-zA-Z0-9_]*$/.test(query.Id)) {
      throw invalid(`MetricDataQueries.member.${index + 1}.Id must start with a lowercase letter.`);
    }
    if (query.Expression !== undefined) {
      throw invalid(
        `MetricDataQueries.member.${index + 1}: metric math expressions are not supported locally.`,
      );
    }
    const metricStat = query.MetricStat;
    if (!isObject(metricStat) || !isObject(metricStat.Metric)) {
      throw missing(`MetricDataQueries.member.${index + 1}.MetricStat`);
    }
    const metric = metricStat.Metric;
    if (typeof metric.Namespace !== 'string' || typeof metric.MetricName !== 'string') {
      throw missing(`MetricDataQueries.member.${index + 1}.MetricStat.Metric.MetricName`);
    }
    const period = metricStat.Period;
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1) {
      throw invalid(`MetricDataQueries.member.${index + 1}.MetricStat.Period must be a positive integer.`);
    }
    if (typeof metricStat.Stat !== 'string')
      throw missing(`MetricDataQueries.member.${index + 1}.MetricStat.Stat`);
    const compute = statistic(metricStat.Stat);
    const unit = typeof metricStat.Unit === 'string' ? metricStat.Unit : undefined;
    const key = metricKey(
      metric.Namespace,
      metric.MetricName,
      dimensionsOf(metric.Dimensions, `MetricDataQueries.member.${index + 1}`),
    );
    const periodMs = period * 1000;
    const buckets = new Map<number, Bucket>();
    for (const { record, timestampMs } of world.datumsByMetric.get(key) ?? []) {
      if (timestampMs < startMs || timestampMs >= endMs) continue;
      if (unit !== undefined && record.unit !== undefined && record.unit !== unit) continue;
      const bucketStart = startMs + Math.floor((timestampMs - startMs) / periodMs) * periodMs;
      let bucket = buckets.get(bucketStart);
      if (!bucket) {
        bucket = {
          sum: 0,
          count: 0,
          min: Number.POSITIVE_INFINITY,
          max: Number.NEGATIVE_INFINITY,
          samples: [],
        };
        buckets.set(bucketStart, bucket);
      }
      if (record.value !== undefined) addSample(bucket, record.value, 1);
      for (const [position, value] of (record.values ?? []).entries()) {
        addSample(bucket, value, record.counts?.[position] ?? 1);
      }
      if (record.statisticValues) {
        const statistics = record.statisticValues;
        bucket.sum += statistics.Sum;
        bucket.count += statistics.SampleCount;
        bucket.min = Math.min(bucket.min, statistics.Minimum);
        bucket.max = Math.max(bucket.max, statistics.Maximum);
      }
    }
    const starts = [...buckets.keys()]
      .filter((start) => buckets.get(start)!.count > 0)
      .sort((a, b) => (ascending ? a - b : b - a));
    return {
      Id: query.Id,
      Label: typeof query.Label === 'string' ? query.Label : metric.MetricName,
      Timestamps: starts.map((start) => start / 1000),
      Values: starts.map((start) => compute(buckets.get(start)!)),
      StatusCode: 'Complete',
      Messages: [],
      returnData: query.ReturnData !== false,
    };
  });
  return {
    MetricDataResults: results
      .filter((result) => result.returnData)
      .map(({ returnData: _returnData, ...result }) => result),
    Messages: [],
  };
}

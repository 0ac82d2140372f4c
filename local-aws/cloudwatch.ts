/**
 * CloudWatch over awsJson1_0 in query-compatible mode: DescribeAlarms, SetAlarmState, PutMetricData,
 * GetMetricData and ListMetrics over the stored datums. Each action's limits are a zod schema beside its API reference page
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/); errors carry the JSON type and the
 * legacy query code (`x-amzn-query-error`), as CloudWatch answers both.
 */
import { z } from 'zod';
import { type AccountState, type Alarm, metricKey } from './account.ts';
import { AwsServiceError } from './errors.ts';
import {
  type JsonErrorCodes,
  memberPath,
  parseJsonRequest,
  queryPath,
  ruleIssue,
  timestamp,
} from './json-rules.ts';
import type { MetricRecord } from './types.ts';
import type { LocalAwsWorld } from './world.ts';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';

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

/** The `__type` of an error: request validation is the shared coral one, the rest CloudWatch's own. */
export function cloudWatchErrorType(code: string): string {
  if (code === 'ValidationError') return 'com.amazon.coral.validate#ValidationException';
  return `com.amazonaws.cloudwatch#${JSON_TYPE_OF_QUERY_CODE[code] ?? code}`;
}

type Json = Record<string, unknown>;

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message);
}

/** CloudWatch's answers to a request its schema refuses. */
const CODES: JsonErrorCodes = {
  missing: (path) => new AwsServiceError('MissingParameter', `The parameter ${queryPath(path)} is required.`),
  mistyped: (path, message) => invalid(`The parameter ${queryPath(path)} is invalid: ${message}.`),
  validation: (message) => new AwsServiceError('ValidationError', message),
};

// ---------------------------------------------------------------- shared shapes (API reference, Data Types)

const STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
/** StandardUnit (API_MetricDatum.html). */
export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

const alarmName = z.string().min(1).max(255);
/** Namespace 1–255, not starting with `:` (API_PutMetricData.html); `AWS/` is reserved for AWS's own. */
export const namespace = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^:].*$/s);
/** Dimensions: at most 30, names 1–255, values 1–1024 (API_Dimension.html). */
const MAX_DIMENSIONS = 30;
const dimensions = z
  .array(z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024) }))
  .superRefine((list, context) => {
    if (list.length > MAX_DIMENSIONS) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          `The collection Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`,
        ),
      );
    }
  });

/** "Values must be in the range of -2^360 to 2^360 ... NaN, +Infinity, -Infinity are not supported." */
export const DATAPOINT_LIMIT = 2 ** 360;
const datapointValue = z
  .number()
  .refine((value) => Number.isFinite(value) && Math.abs(value) <= DATAPOINT_LIMIT, {
    params: { code: 'InvalidParameterValue' },
    error: 'Values must be in the range of -2^360 to 2^360',
  });

function dimensionMap(list: readonly { Name: string; Value: string }[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const dimension of list ?? []) map[dimension.Name] = dimension.Value;
  return map;
}

// ---------------------------------------------------------------- the actions

export function handleCloudWatch(
  world: LocalAwsWorld,
  account: AccountState,
  action: string,
  body: Json,
): Json {
  switch (action) {
    case 'DescribeAlarms':
      return describeAlarms(account, body);
    case 'PutMetricData':
      return putMetricData(world, account, body);
    case 'GetMetricData':
      return getMetricData(world, account, body);
    case 'ListMetrics':
      return listMetrics(world, account, body);
    case 'SetAlarmState':
      return setAlarmState(world, account, body);
    default:
      throw new AwsServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

/** CloudWatch's refusal of two parameters given together, in its words. */
function refuseBoth<T extends object>(
  context: z.RefinementCtx,
  input: T,
  first: keyof T & string,
  second: keyof T & string,
) {
  if (input[first] === undefined || input[second] === undefined) return;
  context.addIssue(
    ruleIssue('InvalidParameterCombination', `The parameters ${first} and ${second} are mutually exclusive.`),
  );
}

/**
 * DescribeAlarms (API_DescribeAlarms.html): AlarmNames at most 100, MaxRecords 1–100, AlarmNamePrefix
 * excludes AlarmNames, ChildrenOfAlarmName / ParentsOfAlarmName exclude everything but MaxRecords and NextToken
 * ("you receive a validation error"). Without AlarmTypes only metric alarms are returned.
 */
const describeAlarmsSchema = z
  .object({
    AlarmNames: z.array(alarmName).max(100).optional(),
    AlarmNamePrefix: z.string().min(1).max(255).optional(),
    AlarmTypes: z.array(z.enum(['CompositeAlarm', 'MetricAlarm', 'LogAlarm'])).optional(),
    ChildrenOfAlarmName: alarmName.optional(),
    ParentsOfAlarmName: alarmName.optional(),
    StateValue: z.enum(STATE_VALUES).optional(),
    ActionPrefix: z.string().min(1).max(1024).optional(),
    MaxRecords: z.int().min(1).max(100).optional(),
    NextToken: z.string().optional(),
  })
  .superRefine((input, context) => {
    refuseBoth(context, input, 'AlarmNames', 'AlarmNamePrefix');
    for (const family of ['ChildrenOfAlarmName', 'ParentsOfAlarmName'] as const) {
      if (input[family] === undefined) continue;
      const others = Object.entries(input).filter(
        ([key, value]) => value !== undefined && ![family, 'MaxRecords', 'NextToken'].includes(key),
      );
      if (others.length > 0) {
        context.addIssue(
          ruleIssue(
            'ValidationError',
            `${family} cannot be combined with ${others.map(([key]) => key).join(', ')}; only MaxRecords and NextToken.`,
          ),
        );
      }
    }
  });

function metricAlarmView(alarm: Alarm): Json {
  const { metric } = alarm;
  return {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    ...(metric.description !== undefined ? { AlarmDescription: metric.description } : {}),
    AlarmConfigurationUpdatedTimestamp: alarm.configuredAtMs / 1000,
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    StateValue: alarm.state,
    StateReason: alarm.reason,
    StateUpdatedTimestamp: alarm.updatedAtMs / 1000,
    StateTransitionedTimestamp: alarm.updatedAtMs / 1000,
    MetricName: metric.metricName,
    Namespace: metric.namespace,
    Statistic: metric.statistic,
    Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Period: metric.period,
    EvaluationPeriods: metric.evaluationPeriods,
    DatapointsToAlarm: metric.datapointsToAlarm,
    Threshold: metric.threshold,
    ComparisonOperator: metric.comparisonOperator,
    TreatMissingData: metric.treatMissingData,
  };
}

function describeAlarms(account: AccountState, body: Json): Json {
  const input = parseJsonRequest(describeAlarmsSchema, body, CODES);
  const wantsMetricAlarms = input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm');
  const maxRecords = input.MaxRecords ?? 50;
  const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(offset) || offset < 0) {
    throw new AwsServiceError('InvalidNextToken', 'The NextToken is not valid.');
  }
  const wanted = new Set(input.AlarmNames ?? []);
  // The endpoint holds metric alarms only: a composite alarm's children or parents are none of them.
  const family = input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined;
  const matching =
    wantsMetricAlarms && !family
      ? [...account.alarms.values()].filter(
          (alarm) =>
            (wanted.size === 0 || wanted.has(alarm.name)) &&
            (input.StateValue === undefined || alarm.state === input.StateValue) &&
            (input.AlarmNamePrefix === undefined || alarm.name.startsWith(input.AlarmNamePrefix)) &&
            // No alarm here has actions, so an action prefix matches none.
            input.ActionPrefix === undefined,
        )
      : [];
  const answer: Json = {
    MetricAlarms: matching.slice(offset, offset + maxRecords).map(metricAlarmView),
    CompositeAlarms: [],
  };
  if (offset + maxRecords < matching.length) answer.NextToken = String(offset + maxRecords);
  return answer;
}

/**
 * SetAlarmState (API_SetAlarmState.html): AlarmName 1–255, StateReason 0–1023 (both required), StateValue one
 * of the three states, StateReasonData optional JSON of at most 4000 characters (InvalidFormat otherwise); an
 * unknown alarm is ResourceNotFound.
 */
const setAlarmStateSchema = z.object({
  AlarmName: alarmName,
  StateValue: z.enum(STATE_VALUES),
  StateReason: z.string().max(1023),
  StateReasonData: z
    .string()
    .max(4000)
    .refine(
      (data) => {
        try {
          JSON.parse(data);
          return true;
        } catch {
          return false;
        }
      },
      { params: { code: 'InvalidFormat' }, error: 'StateReasonData is not valid JSON.' },
    )
    .optional(),
});

function setAlarmState(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(setAlarmStateSchema, body, CODES);
  world.setAlarmStateFromApi(account, input.AlarmName, input.StateValue, input.StateReason);
  return {};
}

/**
 * PutMetricData (API_PutMetricData.html): at most 1000 datums per request (MetricData and EntityMetricData
 * together), at most 150 Values per datum with as many Counts, Value exclusive of StatisticValues,
 * StorageResolution 1 or 60, timestamps "as much as two weeks before the current date, and as much as 2 hours
 * after", values within ±2^360.
 */
const MAX_DATUMS_PER_CALL = 1000;
const MAX_VALUES_PER_DATUM = 150;
export const PAST_LIMIT_MS = 14 * 24 * 3600_000;
export const FUTURE_LIMIT_MS = 2 * 3600_000;

const metricDatum = z
  .object({
    MetricName: z.string().min(1).max(255),
    Dimensions: dimensions.optional(),
    Timestamp: timestamp.optional(),
    Value: datapointValue.optional(),
    StatisticValues: z
      .object({
        SampleCount: datapointValue,
        Sum: datapointValue,
        Minimum: datapointValue,
        Maximum: datapointValue,
      })
      .optional(),
    Values: z.array(datapointValue).optional(),
    Counts: z.array(datapointValue).optional(),
    Unit: z.enum(STANDARD_UNITS).optional(),
    StorageResolution: z.int().min(1).optional(),
  })
  .superRefine((datum, context) => {
    refuseBoth(context, datum, 'Value', 'StatisticValues');
    if (datum.Values !== undefined && datum.Values.length > MAX_VALUES_PER_DATUM) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          `The collection Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`,
        ),
      );
    }
    if (datum.Counts !== undefined && datum.Counts.length !== (datum.Values?.length ?? 0)) {
      context.addIssue(ruleIssue('InvalidParameterValue', 'Counts must have as many members as Values.'));
    }
    if (
      datum.StorageResolution !== undefined &&
      datum.StorageResolution !== 1 &&
      datum.StorageResolution !== 60
    ) {
      context.addIssue(ruleIssue('InvalidParameterValue', 'StorageResolution must be 1 or 60.'));
    }
  });

const putMetricDataSchema = z
  .object({
    Namespace: namespace,
    MetricData: z.array(metricDatum).optional(),
    EntityMetricData: z.array(z.object({ MetricData: z.array(metricDatum).optional() })).optional(),
    StrictEntityValidation: z.boolean().optional(),
  })
  .superRefine((input, context) => {
    if (input.Namespace.startsWith('AWS/')) {
      context.addIssue(
        ruleIssue('InvalidParameterValue', 'The value AWS/ for parameter Namespace is reserved.'),
      );
    }
    const count =
      (input.MetricData?.length ?? 0) +
      (input.EntityMetricData ?? []).reduce((sum, entity) => sum + (entity.MetricData?.length ?? 0), 0);
    if (count === 0) context.addIssue(ruleIssue('MissingParameter', 'The parameter MetricData is required.'));
    if (count > MAX_DATUMS_PER_CALL) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          `The collection MetricData must not have a size greater than ${MAX_DATUMS_PER_CALL}.`,
        ),
      );
    }
  });

function putMetricData(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(putMetricDataSchema, body, CODES);
  const nowMs = world.nowMs();
  const datums = [
    ...(input.MetricData ?? []),
    ...(input.EntityMetricData ?? []).flatMap((entity) => entity.MetricData ?? []),
  ];
  const records = datums.map((datum, index) => {
    const where = `MetricData.member.${index + 1}`;
    const timestampMs = datum.Timestamp ?? nowMs;
    if (timestampMs < nowMs - PAST_LIMIT_MS) {
      throw invalid(
        `The parameter ${where}.Timestamp must specify a time no more than two weeks in the past.`,
      );
    }
    if (timestampMs > nowMs + FUTURE_LIMIT_MS) {
      throw invalid(
        `The parameter ${where}.Timestamp must specify a time no more than two hours in the future.`,
      );
    }
    const record: MetricRecord = {
      namespace: input.Namespace,
      metricName: datum.MetricName,
      dimensions: dimensionMap(datum.Dimensions),
      timestamp: new Date(timestampMs).toISOString(),
    };
    if (datum.Value !== undefined) record.value = datum.Value;
    if (datum.Values !== undefined) {
      record.values = datum.Values;
      if (datum.Counts !== undefined) record.counts = datum.Counts;
    }
    if (datum.StatisticValues !== undefined) record.statisticValues = datum.StatisticValues;
    if (datum.Unit !== undefined) record.unit = datum.Unit;
    if (datum.StorageResolution !== undefined) record.storageResolution = datum.StorageResolution;
    return { record, timestampMs };
  });
  // Validated as a whole first: CloudWatch stores nothing of a rejected call.
  for (const { record, timestampMs } of records) account.storeDatum(record, timestampMs);
  return {};
}

// ---------------------------------------------------------------- ListMetrics

/**
 * ListMetrics (API_ListMetrics.html): Namespace and MetricName 1–255, at most 10 dimension filters (Name 1–255,
 * Value 1–1024, a filter without Value matches any value), RecentlyActive `PT3H` (datums in the past three
 * hours only), 500 metrics a page with NextToken. A metric matches when it has every filtered dimension.
 */
const LIST_METRICS_PAGE = 500;
const RECENTLY_ACTIVE_MS = 3 * 3600_000;

const listMetricsSchema = z.object({
  Namespace: namespace.optional(),
  MetricName: z.string().min(1).max(255).optional(),
  Dimensions: z
    .array(z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024).optional() }))
    .max(10)
    .optional(),
  NextToken: z.string().optional(),
  RecentlyActive: z.enum(['PT3H']).optional(),
  IncludeLinkedAccounts: z.boolean().optional(),
  OwningAccount: z.string().min(1).max(255).optional(),
});

function listMetrics(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(listMetricsSchema, body, CODES);
  const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(offset) || offset < 0) {
    throw new AwsServiceError('InvalidNextToken', 'The NextToken is not valid.');
  }
  const activeSince = input.RecentlyActive === undefined ? undefined : world.nowMs() - RECENTLY_ACTIVE_MS;
  const matching: Json[] = [];
  for (const stored of account.datumsByMetric.values()) {
    const { record } = stored[0]!;
    if (input.Namespace !== undefined && record.namespace !== input.Namespace) continue;
    if (input.MetricName !== undefined && record.metricName !== input.MetricName) continue;
    const filters = input.Dimensions ?? [];
    if (
      !filters.every(
        (filter) =>
          Object.hasOwn(record.dimensions, filter.Name) &&
          (filter.Value === undefined || record.dimensions[filter.Name] === filter.Value),
      )
    )
      continue;
    if (activeSince !== undefined && !stored.some((datum) => datum.timestampMs >= activeSince)) continue;
    matching.push({
      Namespace: record.namespace,
      MetricName: record.metricName,
      Dimensions: Object.entries(record.dimensions).map(([Name, Value]) => ({ Name, Value })),
    });
  }
  const answer: Json = { Metrics: matching.slice(offset, offset + LIST_METRICS_PAGE) };
  if (offset + LIST_METRICS_PAGE < matching.length) answer.NextToken = String(offset + LIST_METRICS_PAGE);
  return answer;
}

// ---------------------------------------------------------------- GetMetricData

/**
 * GetMetricData (API_GetMetricData.html): 1–500 queries with unique ids (a lowercase letter, then letters,
 * digits, underscores), each with MetricStat or Expression but not both; a period of 1, 5, 10, 20, 30 or a
 * multiple of 60 seconds (MetricStat.Period); EndTime after StartTime; MaxDatapoints (100,800 when absent)
 * pages the data points with NextToken.
 */
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const HIGH_RESOLUTION_PERIODS: ReadonlySet<number> = new Set([1, 5, 10, 20, 30]);

const metricStat = z.object({
  Metric: z.object({
    Namespace: namespace,
    MetricName: z.string().min(1).max(255),
    Dimensions: dimensions.optional(),
  }),
  Period: z
    .int()
    .min(1)
    .refine((period) => HIGH_RESOLUTION_PERIODS.has(period) || period % 60 === 0, {
      params: { code: 'InvalidParameterValue' },
      error: 'The period must be 1, 5, 10, 20, 30 or a multiple of 60 seconds.',
    }),
  Stat: z.string().min(1),
  Unit: z.enum(STANDARD_UNITS).optional(),
});

const metricDataQuery = z
  .object({
    Id: z
      .string()
      .min(1)
      .max(255)
      .refine((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id), {
        params: { code: 'InvalidParameterValue' },
        error: 'A query Id must start with a lowercase letter and hold only letters, digits and underscores.',
      }),
    MetricStat: metricStat.optional(),
    Expression: z.string().min(1).max(2048).optional(),
    Label: z.string().optional(),
    ReturnData: z.boolean().optional(),
    Period: z.int().min(1).optional(),
    AccountId: z.string().min(1).max(255).optional(),
  })
  .superRefine((query, context) => {
    if ((query.MetricStat === undefined) === (query.Expression === undefined)) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterCombination',
          'A query must specify either Expression or MetricStat but not both.',
        ),
      );
    }
  });

const getMetricDataSchema = z
  .object({
    MetricDataQueries: z.array(metricDataQuery).min(1),
    StartTime: timestamp,
    EndTime: timestamp,
    NextToken: z.string().optional(),
    ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
    MaxDatapoints: z.int().min(1).optional(),
    LabelOptions: z
      .object({
        Timezone: z
          .string()
          .regex(/^[+-]\d{4}$/)
          .optional(),
      })
      .optional(),
  })
  .superRefine((input, context) => {
    if (input.MetricDataQueries.length > MAX_QUERIES) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
        ),
      );
    }
    const ids = input.MetricDataQueries.map((query) => query.Id);
    if (new Set(ids).size !== ids.length) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          'The values for parameter Id in MetricDataQueries are not unique.',
        ),
      );
    }
    if (input.EndTime <= input.StartTime) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          'The parameter StartTime must be less than the parameter EndTime.',
        ),
      );
    }
    if (input.MetricDataQueries.some((query) => query.Expression !== undefined)) {
      context.addIssue(
        ruleIssue(
          'InvalidParameterValue',
          'Metric math expressions are not supported by the local endpoint.',
        ),
      );
    }
  });

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

function statistic(stat: string, where: string): (bucket: Bucket) => number {
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
  if (!percentile) throw invalid(`The statistic ${stat} of ${where} is not supported.`);
  const rank = Number(percentile[1]) / 100;
  return (bucket) => {
    if (bucket.samples.length === 0) return bucket.sum / bucket.count;
    const sorted = [...bucket.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1))]!;
  };
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;

function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/**
 * StartTime as CloudWatch rounds it (GetMetricData, StartTime): down to the period for periods of 5, 10, 20 or 30
 * seconds; otherwise by age: the minute within 15 days, 5 minutes within 63 days, else the hour. Periods then
 * count from the rounded start.
 */
function roundedStart(startMs: number, nowMs: number, periodSeconds: number): number {
  if (HIGH_RESOLUTION_PERIODS.has(periodSeconds)) return floorTo(startMs, periodSeconds * 1000);
  const age = nowMs - startMs;
  if (age < 15 * DAY_MS) return floorTo(startMs, MINUTE_MS);
  if (age < 63 * DAY_MS) return floorTo(startMs, 5 * MINUTE_MS);
  return floorTo(startMs, 60 * MINUTE_MS);
}

/**
 * Whether data older than the retention of a finer period can be read at this period (MetricStat.Period): a
 * start more than 3 hours ago needs a multiple of 60 s, more than 15 days a multiple of 300 s, more than 63
 * days a multiple of 3600 s, "or no data points in that time range is returned".
 */
function periodReadable(startMs: number, nowMs: number, periodSeconds: number): boolean {
  const age = nowMs - startMs;
  if (age > 63 * DAY_MS) return periodSeconds % 3600 === 0;
  if (age > 15 * DAY_MS) return periodSeconds % 300 === 0;
  if (age > 3 * 3600_000) return periodSeconds % 60 === 0;
  return true;
}

interface Series {
  id: string;
  label: string;
  timestamps: number[];
  values: number[];
}

/** The page cursor: how many points of each returned query earlier pages handed out. */
function encodeCursor(offsets: readonly number[]): string {
  return Buffer.from(JSON.stringify({ v: 1, offsets })).toString('base64url');
}

function decodeCursor(token: string, queries: number): number[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offsets = (parsed as { offsets?: unknown }).offsets;
    if (
      Array.isArray(offsets) &&
      offsets.length === queries &&
      offsets.every((offset) => Number.isInteger(offset) && offset >= 0)
    ) {
      return offsets as number[];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AwsServiceError('InvalidNextToken', 'The NextToken is not valid for this request.');
}

function getMetricData(world: LocalAwsWorld, account: AccountState, body: Json): Json {
  const input = parseJsonRequest(getMetricDataSchema, body, CODES);
  const nowMs = world.nowMs();
  const ascending = input.ScanBy === 'TimestampAscending';
  const series: Series[] = [];
  for (const [index, query] of input.MetricDataQueries.entries()) {
    if (query.ReturnData === false) continue;
    const stat = query.MetricStat!;
    const where = memberPath(['MetricDataQueries', index]);
    const compute = statistic(stat.Stat, where);
    const periodMs = stat.Period * 1000;
    const startMs = roundedStart(input.StartTime, nowMs, stat.Period);
    const buckets = new Map<number, Bucket>();
    const key = metricKey(
      stat.Metric.Namespace,
      stat.Metric.MetricName,
      dimensionMap(stat.Metric.Dimensions),
    );
    const readable = periodReadable(startMs, nowMs, stat.Period);
    for (const { record, timestampMs } of readable ? (account.datumsByMetric.get(key) ?? []) : []) {
      // A regular-resolution datum is stored at its minute; only StorageResolution 1 keeps the second.
      const storedMs = record.storageResolution === 1 ? timestampMs : floorTo(timestampMs, MINUTE_MS);
      if (storedMs < startMs || storedMs >= input.EndTime) continue;
      // "If you specify a unit, the operation returns only data that was collected with that unit"; a datum
      // sent without one is stored as None.
      if (stat.Unit !== undefined && (record.unit ?? 'None') !== stat.Unit) continue;
      const bucketStart = startMs + Math.floor((storedMs - startMs) / periodMs) * periodMs;
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
    series.push({
      id: query.Id,
      label: query.Label ?? stat.Metric.MetricName,
      timestamps: starts.map((start) => start / 1000),
      values: starts.map((start) => compute(buckets.get(start)!)),
    });
  }
  // MaxDatapoints bounds the points of one answer across its queries; NextToken carries on where it stopped.
  const offsets =
    input.NextToken === undefined ? series.map(() => 0) : decodeCursor(input.NextToken, series.length);
  let budget = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  const nextOffsets: number[] = [];
  const results = series.map((entry, index) => {
    const from = Math.min(offsets[index]!, entry.timestamps.length);
    const to = Math.min(entry.timestamps.length, from + budget);
    budget -= to - from;
    nextOffsets.push(to);
    return {
      Id: entry.id,
      Label: entry.label,
      Timestamps: entry.timestamps.slice(from, to),
      Values: entry.values.slice(from, to),
      StatusCode: to < entry.timestamps.length ? 'PartialData' : 'Complete',
      Messages: [],
    };
  });
  const more = series.some((entry, index) => nextOffsets[index]! < entry.timestamps.length);
  return {
    MetricDataResults: results,
    Messages: [],
    ...(more ? { NextToken: encodeCursor(nextOffsets) } : {}),
  };
}

import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState } from '../domain/reservation.ts';
import { ConfigurationError } from '../errors/index.ts';
import { ACCOUNT_DIMENSION, METRIC, METRIC_DIMENSION, type ServiceMetric } from '../metrics/metric-names.ts';
import { callAws } from './aws-call.ts';

/**
 * CloudWatch, the one service behind two roles: the alarms the policy reads, and the service's own metrics
 * (the tracker writes them; the learned lead reads the reclaim durations back). One adapter on one client
 * implements both interfaces, so the use cases still ask only for the role they need.
 */

/** CloudWatch alarms as the policy reads them. */
export interface AlarmGateway {
  /** The current state of each named alarm; an alarm that does not exist is absent from the answer. */
  alarmStates(names: readonly string[]): Promise<Record<string, AlarmState>>;
}

/**
 * The service's own CloudWatch metrics: the tracker writes them (dashboard, alarms) and the policy's learned
 * lead reads the measured reclaim durations back, so a fleet that reclaims slowly is reclaimed earlier.
 */
export interface MetricsGateway {
  /** Puts the values, as few PutMetricData calls as CloudWatch's limits allow. */
  put(metrics: readonly ServiceMetric[]): Promise<void>;
  /**
   * The fleet's measured reclaim durations (seconds) between `since` and `until`, oldest first: one sample per
   * minute that saw reclaims complete, the slowest of them (see `reclaimDurations` below for why).
   */
  reclaimDurations(since: Date, until: Date): Promise<number[]>;
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;
/** PutMetricData takes at most 1000 datums and a 1 MB body per request. */
export const MAX_DATUMS_PER_PUT = 1000;
export const MAX_PUT_BYTES = 1_000_000;
/** Room for the request envelope (namespace, JSON framing) around the datums. */
const ENVELOPE_BYTES = 1_000;
/** One-minute data is kept 15 days: the finest period that still reads back individual reclaims. */
const DURATION_PERIOD_SECONDS = 60;

export interface CloudWatchGatewayOptions {
  client: CloudWatchClient;
  /**
   * The metrics namespace (METRICS_NAMESPACE). Only the metrics role needs it: a gateway built without one
   * reads alarms and refuses metric calls, naming the missing setting.
   */
  namespace?: string;
}

export class CloudWatchGateway implements AlarmGateway, MetricsGateway {
  private readonly client: CloudWatchClient;
  private readonly namespace: string | undefined;

  constructor(options: CloudWatchGatewayOptions) {
    this.client = options.client;
    this.namespace = options.namespace;
  }

  async alarmStates(names: readonly string[]): Promise<Record<string, AlarmState>> {
    const states: Record<string, AlarmState> = {};
    const unique = [...new Set(names)];
    for (let start = 0; start < unique.length; start += NAMES_PER_CALL) {
      const chunk = unique.slice(start, start + NAMES_PER_CALL);
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const answer = await callAws('cloudwatch', 'DescribeAlarms', () =>
          this.client.send(
            new DescribeAlarmsCommand({
              AlarmNames: chunk,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        );
        for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName !== undefined && isAlarmState(alarm.StateValue)) {
            states[alarm.AlarmName] = alarm.StateValue;
          }
        }
        nextToken = answer.NextToken;
      } while (nextToken);
    }
    return states;
  }

  async put(metrics: readonly ServiceMetric[]): Promise<void> {
    const namespace = this.metricsNamespace();
    for (const batch of batchDatums(metrics.map(toDatum))) {
      await callAws('cloudwatch', 'PutMetricData', () =>
        this.client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch })),
      );
    }
  }

  /**
   * One GetMetricData query over the fleet series (`ReclaimDurationSeconds` without dimensions, which the
   * tracker puts beside each reservation's datum), `Maximum` per minute, whatever the fleet's size. Reading it
   * per reservation would cost one query per reservation on every heartbeat, in calls, money and time.
   * Each minute's slowest completion is also the sample the lead wants: the lead must get the *slowest*
   * reservation back by the bell, and each sample is never below any reservation that completed in its minute.
   * A wave of reservations reclaimed together counts once per minute it took, not as one sample per reservation of
   * one event that swamp every other reclaim. The p95 is therefore one over minutes, not reservations: usually
   * at or above the old per-reservation p95, though not always (a slow wave finishing within one minute now
   * weighs as much as one lone fast completion). So the policy's `minSamples` counts minutes that saw reclaims
   * complete. 14 days at 60 s is at most 20,160 points, within one answer; NextToken is still followed.
   */
  async reclaimDurations(since: Date, until: Date): Promise<number[]> {
    const namespace = this.metricsNamespace();
    const query: MetricDataQuery = {
      Id: 'fleet',
      ReturnData: true,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: METRIC.reclaimDurationSeconds },
        Period: DURATION_PERIOD_SECONDS,
        Stat: 'Maximum',
      },
    };
    const samples: { at: number; value: number }[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const answer = await callAws('cloudwatch', 'GetMetricData', () =>
        this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: [query],
            StartTime: since,
            EndTime: until,
            ScanBy: 'TimestampAscending',
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      );
      for (const result of answer.MetricDataResults ?? []) {
        const values = result.Values ?? [];
        const timestamps = result.Timestamps ?? [];
        values.forEach((value, index) => {
          samples.push({ at: timestamps[index]?.getTime() ?? 0, value });
        });
      }
      nextToken = answer.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return samples.sort((a, b) => a.at - b.at).map((sample) => sample.value);
  }

  private metricsNamespace(): string {
    if (this.namespace === undefined || this.namespace === '') {
      throw new ConfigurationError(
        'METRICS_NAMESPACE',
        'CloudWatch metrics need METRICS_NAMESPACE (no namespace given)',
      );
    }
    return this.namespace;
  }
}

function isAlarmState(value: string | undefined): value is AlarmState {
  return value === 'OK' || value === 'ALARM' || value === 'INSUFFICIENT_DATA';
}

function toDatum(metric: ServiceMetric): MetricDatum {
  return {
    MetricName: metric.name,
    ...(metric.series === 'fleet' || metric.reservationId === undefined
      ? {}
      : {
          Dimensions: [
            { Name: METRIC_DIMENSION, Value: metric.reservationId },
            ...(metric.accountId === undefined ? [] : [{ Name: ACCOUNT_DIMENSION, Value: metric.accountId }]),
          ],
        }),
    Timestamp: metric.timestamp,
    Value: metric.value,
    Unit: metric.unit,
  };
}

/**
 * Splits datums into requests within both of PutMetricData's limits. Each datum's size is bounded from above
 * arithmetically (`datumBytesAtMost`) rather than serialized: a poll over a large fleet puts four per reservation.
 */
export function batchDatums(
  datums: readonly MetricDatum[],
  limits: { maxDatums: number; maxBytes: number } = {
    maxDatums: MAX_DATUMS_PER_PUT,
    maxBytes: MAX_PUT_BYTES,
  },
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let batch: MetricDatum[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const datum of datums) {
    const size = datumBytesAtMost(datum) + 1;
    if (batch.length > 0 && (batch.length >= limits.maxDatums || bytes + size > limits.maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = ENVELOPE_BYTES;
    }
    batch.push(datum);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The longest JSON a finite number serializes to: 17 significant digits, sign, point and leading zeros
 * (`-0.0000012345678901234567`) or an exponent (`-2.2250738585072014e-308`), 25 at most; with room to spare.
 */
const NUMBER_BYTES = 32;
/** A Date serialized as JSON: `"+275760-09-13T00:00:00.000Z"` at the farthest, 29 bytes (the SDK sends epoch seconds). */
const TIMESTAMP_BYTES = 32;
/** `"key":` and the comma before the next field. */
const fieldBytes = (key: keyof MetricDatum | 'Name' | 'SampleCount' | 'Sum' | 'Minimum' | 'Maximum') =>
  key.length + 4;
const STATISTIC_VALUES_BYTES =
  2 +
  fieldBytes('SampleCount') +
  fieldBytes('Sum') +
  fieldBytes('Minimum') +
  fieldBytes('Maximum') +
  4 * NUMBER_BYTES;
/** `{"Name":…,"Value":…}` without the two strings, and the comma after it in the list. */
const DIMENSION_FRAME_BYTES = 2 + fieldBytes('Name') + fieldBytes('Value') + 1;
/** Printable ASCII but `"` and `\`: the characters JSON writes as they are, one byte each. */
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * At least the bytes of the datum in the JSON the SDK sends (epoch-second timestamps, then gzipped): a safe
 * bound, from lengths and fixed overheads only. Numbers get NUMBER_BYTES each, which also covers the SDK
 * writing a non-finite value as a string (`"-Infinity"`, 11 bytes) where `JSON.stringify` would write `null`.
 */
export function datumBytesAtMost(datum: MetricDatum): number {
  let bytes = 2;
  if (datum.MetricName !== undefined) bytes += fieldBytes('MetricName') + textBytesAtMost(datum.MetricName);
  if (datum.Dimensions !== undefined) {
    bytes += fieldBytes('Dimensions') + 2;
    for (const dimension of datum.Dimensions) {
      bytes +=
        DIMENSION_FRAME_BYTES +
        textBytesAtMost(dimension.Name ?? '') +
        textBytesAtMost(dimension.Value ?? '');
    }
  }
  if (datum.Timestamp !== undefined) bytes += fieldBytes('Timestamp') + TIMESTAMP_BYTES;
  if (datum.Value !== undefined) bytes += fieldBytes('Value') + NUMBER_BYTES;
  if (datum.StatisticValues !== undefined) bytes += fieldBytes('StatisticValues') + STATISTIC_VALUES_BYTES;
  if (datum.Values !== undefined)
    bytes += fieldBytes('Values') + 2 + datum.Values.length * (NUMBER_BYTES + 1);
  if (datum.Counts !== undefined)
    bytes += fieldBytes('Counts') + 2 + datum.Counts.length * (NUMBER_BYTES + 1);
  if (datum.Unit !== undefined) bytes += fieldBytes('Unit') + textBytesAtMost(datum.Unit);
  if (datum.StorageResolution !== undefined) bytes += fieldBytes('StorageResolution') + NUMBER_BYTES;
  return bytes;
}

/**
 * A JSON string's bytes, quotes included: plain ASCII as is; otherwise at most 6 bytes per UTF-16 unit
 * (a control character or a lone surrogate is written `\uXXXX`, anything else takes at most 3 UTF-8 bytes).
 */
function textBytesAtMost(text: string): number {
  return 2 + (PLAIN_TEXT.test(text) ? text.length : 6 * text.length);
}

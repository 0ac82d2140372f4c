import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmState } from '../domain/reservation.ts';
import { ConfigurationError } from '../errors/index.ts';
import { METRIC } from '../metrics/metric-names.ts';
import { callAws } from './aws-call.ts';
import type { MetricsGateway } from './metrics.ts';

/**
 * CloudWatch, read: the alarms the policy reads, and the reclaim durations the learned lead reads back from the
 * service's metrics. The metrics themselves are written as EMF to the function's log (metrics.ts), not here.
 */

/** CloudWatch alarms as the policy reads them. */
export interface AlarmGateway {
  /** The current state of each named alarm; an alarm that does not exist is absent from the answer. */
  alarmStates(names: readonly string[]): Promise<Record<string, AlarmState>>;
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;
/** One-minute data is kept 15 days: the finest period that still reads back individual reclaims. */
const DURATION_PERIOD_SECONDS = 60;

export interface CloudWatchGatewayOptions {
  client: CloudWatchClient;
  /**
   * The metrics namespace (METRICS_NAMESPACE). Only the durations need it: a gateway built without one reads
   * alarms and refuses to read durations, naming the missing setting.
   */
  namespace?: string;
}

export class CloudWatchGateway implements AlarmGateway, Pick<MetricsGateway, 'reclaimDurations'> {
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
      await everyPage(
        (next) =>
          callAws('cloudwatch', 'DescribeAlarms', () =>
            this.client.send(
              new DescribeAlarmsCommand({
                AlarmNames: chunk,
                AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
                ...next,
              }),
            ),
          ),
        (answer) => {
          for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName !== undefined && isAlarmState(alarm.StateValue)) {
              states[alarm.AlarmName] = alarm.StateValue;
            }
          }
        },
      );
    }
    return states;
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
    await everyPage(
      (next) =>
        callAws('cloudwatch', 'GetMetricData', () =>
          this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: [query],
              StartTime: since,
              EndTime: until,
              ScanBy: 'TimestampAscending',
              ...next,
            }),
          ),
        ),
      (answer) => {
        for (const result of answer.MetricDataResults ?? []) {
          const values = result.Values ?? [];
          const timestamps = result.Timestamps ?? [];
          values.forEach((value, index) => {
            samples.push({ at: timestamps[index]?.getTime() ?? 0, value });
          });
        }
      },
    );
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

/** Asks for each page in turn, passing the previous answer's NextToken, until CloudWatch gives none. */
async function everyPage<T extends { NextToken?: string | undefined }>(
  page: (next: { NextToken?: string }) => Promise<T>,
  take: (answer: T) => void,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const answer = await page(nextToken === undefined ? {} : { NextToken: nextToken });
    take(answer);
    nextToken = answer.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
}

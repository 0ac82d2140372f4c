import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmState } from '../domain/reservation.ts';
import { callAws, SDK_RETRY_SETTINGS } from './aws-call.ts';

/** CloudWatch as the service reads it. Metrics (PutMetricData, GetMetricData) join this interface later. */
export interface AlarmGateway {
  /** The current state of each named alarm; an alarm that does not exist is absent from the answer. */
  alarmStates(names: readonly string[]): Promise<Record<string, AlarmState>>;
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;

export function createCloudWatchClient(): CloudWatchClient {
  return new CloudWatchClient({ ...SDK_RETRY_SETTINGS });
}

export class CloudWatchAlarmGateway implements AlarmGateway {
  private readonly client: CloudWatchClient;

  constructor(options: { client?: CloudWatchClient } = {}) {
    this.client = options.client ?? createCloudWatchClient();
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
}

function isAlarmState(value: string | undefined): value is AlarmState {
  return value === 'OK' || value === 'ALARM' || value === 'INSUFFICIENT_DATA';
}

/**
 * One AWS account's state in the local endpoint: its capacity reservations (and their ClientTokens), alarms,
 * metrics, event rules and bus policies, and DynamoDB tables. Every request is served from the state of the
 * account its credentials belong to (world.ts), so two accounts never see each other's resources unless AWS
 * would show them (a reservation shared through RAM, an event sent to another account's bus).
 */
import type { BusPolicy } from './bus-policy.ts';
import { type CapacityDependencies, CapacityModel } from './capacity.ts';
import { DynamoDbModel } from './dynamodb.ts';
import type { AlarmMetric, AlarmState, MetricRecord } from './types.ts';

export interface Alarm {
  name: string;
  arn: string;
  state: AlarmState;
  reason: string;
  updatedAtMs: number;
  /** When the alarm was created (AlarmConfigurationUpdatedTimestamp). */
  configuredAtMs: number;
  metric: Required<Omit<AlarmMetric, 'description'>> & { description?: string };
}

/** Where a rule sends what it matches (PutTargets): an ARN, here most often another account's event bus. */
export interface RuleTarget {
  id: string;
  arn: string;
}

export interface Rule {
  name: string;
  state: 'ENABLED' | 'DISABLED';
  eventBusName: string;
  scheduleExpression?: string;
  eventPattern?: string;
  description?: string;
  targets: RuleTarget[];
  /** The account that created the rule (PutRule on another account's bus by its ARN); the bus owner's when absent. */
  createdBy?: string;
}

/** A stored datum, indexed by metric identity for GetMetricData. */
export interface StoredDatum {
  record: MetricRecord;
  timestampMs: number;
}

export function metricKey(namespace: string, metricName: string, dimensions: Record<string, string>): string {
  const dims = Object.keys(dimensions)
    .sort()
    .map((name) => `${name}=${dimensions[name]}`)
    .join(',');
  return `${namespace}\u0000${metricName}\u0000${dims}`;
}

export class AccountState {
  readonly capacity: CapacityModel;
  readonly alarms = new Map<string, Alarm>();
  /** Keyed by `<bus>/<rule name>`. */
  readonly rules = new Map<string, Rule>();
  /** Bus name → its resource policy (PutPermission), absent while it has none. */
  readonly busPolicies = new Map<string, BusPolicy>();
  readonly dynamoDb: DynamoDbModel;
  readonly datums: StoredDatum[] = [];
  readonly datumsByMetric = new Map<string, StoredDatum[]>();

  constructor(
    readonly id: string,
    deps: Omit<CapacityDependencies, 'accountId'> & { defaultRegion: () => string },
  ) {
    this.capacity = new CapacityModel({ ...deps, accountId: id });
    this.dynamoDb = new DynamoDbModel(deps.defaultRegion);
  }

  storeDatum(record: MetricRecord, timestampMs: number): void {
    const stored = { record, timestampMs };
    this.datums.push(stored);
    const key = metricKey(record.namespace, record.metricName, record.dimensions);
    let list = this.datumsByMetric.get(key);
    if (!list) {
      list = [];
      this.datumsByMetric.set(key, list);
    }
    list.push(stored);
  }

  reset(): void {
    this.capacity.reset();
    this.alarms.clear();
    this.rules.clear();
    this.busPolicies.clear();
    this.dynamoDb.reset();
    this.datums.length = 0;
    this.datumsByMetric.clear();
  }
}

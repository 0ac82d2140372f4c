/**
 * What reaches the alarm topic, as SNS would deliver it to on-call: the sandbox plays EventBridge's and
 * CloudWatch's part for the template's paging paths, read from serverless.yml's resources so they cannot drift:
 * - every `AWS::Events::Rule` that targets an `AWS::SNS::Topic`: each event on its bus that matches its
 *   pattern is a message on the topic;
 * - every `AWS::CloudWatch::Alarm` / `AWS::CloudWatch::CompositeAlarm` whose actions name the topic: evaluated
 *   each minute on what the functions put to the endpoint (the service's namespace, also through Metrics
 *   Insights `SELECT SUM|MAX(m) FROM ...`, its series selected as CloudWatch selects them) and on what Lambda would count (`AWS/Lambda` Errors and
 *   Invocations per function); a change of state is a message, as an alarm action publishes one.
 * Alarms on metrics the sandbox does not simulate (the async failure queue) are listed, never evaluated.
 */

import { matchesEventPattern } from '@odcr-reclaimer/local-aws/event-pattern.ts';
import type { MetricRecord } from '@odcr-reclaimer/local-aws/types.ts';
import { normalizedFunctionName, type ServerlessDefinitions } from './serverless-triggers.ts';

/** One message published to the alarm topic. */
export interface Page {
  /** Simulated ISO time of the publish. */
  at: string;
  /** The rule or alarm that published it. */
  from: string;
  kind: 'event' | 'alarm';
  /** An alarm's new state; an event's detail-type. */
  subject: string;
  /** What on-call reads: the event's reason and error, or the alarm's description. */
  message: string;
  /** Reservations the message names (an event's). */
  reservationIds: string[];
}

type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
type Statistic = 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount' | 'Average';
type Missing = 'notBreaching' | 'breaching' | 'ignore' | 'missing';

interface MetricSource {
  kind: 'service' | 'lambda' | 'unsimulated';
  namespace: string;
  metricName: string;
  statistic: Statistic;
  /** Lambda's: the serverless.yml function key. */
  functionName?: string;
  /** The service's: which of the metric's series the alarm reads (a plain alarm: the dimensionless one). */
  series?: SeriesSelection;
}

/**
 * Which series of a metric an alarm aggregates, as CloudWatch selects them: a Metrics Insights query `FROM
 * namespace` reads every series whatever its dimensions, `FROM SCHEMA(namespace, k1, ...)` only those whose
 * dimension names are exactly k1, ... (none: the dimensionless series), and an alarm on a metric the series
 * of exactly its `Dimensions`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html).
 */
type SeriesSelection =
  | { kind: 'every' }
  | { kind: 'schema'; keys: readonly string[] }
  | { kind: 'exact'; dimensions: Readonly<Record<string, string>> };

function selects(
  selection: SeriesSelection | undefined,
  dimensions: Readonly<Record<string, string>>,
): boolean {
  const names = Object.keys(dimensions);
  if (selection === undefined) return names.length === 0;
  if (selection.kind === 'every') return true;
  if (selection.kind === 'schema')
    return names.length === selection.keys.length && selection.keys.every((key) => key in dimensions);
  const wanted = Object.entries(selection.dimensions);
  return names.length === wanted.length && wanted.every(([name, value]) => dimensions[name] === value);
}

const INSIGHTS_FUNCTIONS: Readonly<Record<string, Statistic>> = {
  SUM: 'Sum',
  MAX: 'Maximum',
  MIN: 'Minimum',
  AVG: 'Average',
  COUNT: 'SampleCount',
};

/** An identifier of a query: `"quoted"` (any characters) or bare (letters, digits, underscores). */
function identifier(text: string, expression: string): string {
  const trimmed = text.trim();
  const quoted = /^"([^"]+)"$/.exec(trimmed);
  if (quoted) return quoted[1] ?? '';
  if (/^\w+$/.test(trimmed)) return trimmed;
  throw new Error(`unsimulated alarm expression (identifier ${trimmed}): ${expression}`);
}

/**
 * `SELECT FUNCTION(metric) FROM namespace | SCHEMA(namespace[, key, ...])`, keywords in any case; a query with
 * more (WHERE, GROUP BY, ORDER BY, LIMIT) is refused rather than evaluated as something else.
 */
export function readInsightsQuery(expression: string): {
  namespace: string;
  metricName: string;
  statistic: Statistic;
  series: SeriesSelection;
} {
  const match = /^\s*SELECT\s+(\w+)\(\s*(\w+)\s*\)\s+FROM\s+(?:SCHEMA\s*\(([^)]*)\)|("[^"]+"|\w+))\s*$/i.exec(
    expression,
  );
  const statistic = INSIGHTS_FUNCTIONS[(match?.[1] ?? '').toUpperCase()];
  if (match === null || statistic === undefined)
    throw new Error(`unsimulated alarm expression: ${expression}`);
  const metricName = match[2] ?? '';
  if (match[4] !== undefined)
    return { namespace: identifier(match[4], expression), metricName, statistic, series: { kind: 'every' } };
  const [namespace = '', ...keys] = (match[3] ?? '').split(',').map((part) => identifier(part, expression));
  return { namespace, metricName, statistic, series: { kind: 'schema', keys } };
}

interface MetricAlarm {
  kind: 'metric';
  logicalId: string;
  name: string;
  description: string;
  source: MetricSource;
  periodMs: number;
  /** Breaching datapoints (`DatapointsToAlarm`) among the last `EvaluationPeriods`. */
  datapointsToAlarm: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: string;
  missing: Missing;
  notifies: { alarm: boolean; ok: boolean };
}

interface CompositeAlarm {
  kind: 'composite';
  logicalId: string;
  name: string;
  description: string;
  /** Every named alarm must be in ALARM (the template's rules are conjunctions). */
  allOf: string[];
  notifies: { alarm: boolean; ok: boolean };
}

interface PagingRule {
  name: string;
  eventBusName: string;
  pattern: Record<string, unknown>;
}

export interface PagingPaths {
  rules: PagingRule[];
  alarms: (MetricAlarm | CompositeAlarm)[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}

/** The topic's paging paths in the template. */
export function readPagingPaths(definitions: ServerlessDefinitions): PagingPaths {
  const resources = definitions.resources;
  const topics = new Set(
    Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')
      .map(([logicalId]) => logicalId),
  );
  const namesTopic = (list: unknown) =>
    Array.isArray(list) && list.some((item) => topics.has(refOf(item) ?? ''));
  const functionOf = new Map(
    Object.keys(definitions.functions).map((key) => [`${normalizedFunctionName(key)}LambdaFunction`, key]),
  );
  const nameOf = (logicalId: string): string => {
    const properties = resources[logicalId]?.Properties;
    return isRecord(properties) ? String(properties.AlarmName ?? properties.Name ?? logicalId) : logicalId;
  };
  const rules: PagingRule[] = [];
  const alarms: (MetricAlarm | CompositeAlarm)[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = isRecord(resource.Properties) ? resource.Properties : {};
    if (resource.Type === 'AWS::Events::Rule') {
      const targets = Array.isArray(properties.Targets) ? properties.Targets : [];
      if (!targets.some((target) => isRecord(target) && topics.has(refOf(target.Arn) ?? ''))) continue;
      if (!isRecord(properties.EventPattern)) continue;
      const bus = refOf(properties.EventBusName);
      rules.push({
        name: String(properties.Name ?? logicalId),
        eventBusName: bus === undefined ? String(properties.EventBusName ?? 'default') : nameOf(bus),
        pattern: properties.EventPattern,
      });
      continue;
    }
    const notifies = { alarm: namesTopic(properties.AlarmActions), ok: namesTopic(properties.OKActions) };
    const common = {
      logicalId,
      name: String(properties.AlarmName ?? logicalId),
      description: String(properties.AlarmDescription ?? ''),
      notifies,
    };
    if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      const rule = properties.AlarmRule;
      const text = isRecord(rule) ? String(rule['Fn::Sub'] ?? '') : String(rule ?? '');
      const allOf = [...text.matchAll(/ALARM\("\$\{(\w+)\}"\)/g)].map((match) => match[1] ?? '');
      if (/\bOR\b|\bNOT\b/.test(text)) throw new Error(`${logicalId}: only AND of ALARM(...) is simulated`);
      alarms.push({ kind: 'composite', ...common, allOf });
      continue;
    }
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    const source = metricSource(properties, functionOf);
    alarms.push({
      kind: 'metric',
      ...common,
      source,
      periodMs: Number(periodOf(properties)) * 1000,
      evaluationPeriods: Number(properties.EvaluationPeriods ?? 1),
      datapointsToAlarm: Number(properties.DatapointsToAlarm ?? properties.EvaluationPeriods ?? 1),
      threshold: Number(properties.Threshold),
      comparison: String(properties.ComparisonOperator),
      missing: (properties.TreatMissingData as Missing | undefined) ?? 'missing',
    });
  }
  return { rules, alarms };
}

function periodOf(properties: Record<string, unknown>): unknown {
  if (properties.Period !== undefined) return properties.Period;
  const metrics = Array.isArray(properties.Metrics) ? properties.Metrics : [];
  return metrics.find((metric) => isRecord(metric) && metric.ReturnData !== false)?.Period ?? 60;
}

function metricSource(
  properties: Record<string, unknown>,
  functionOf: ReadonlyMap<string, string>,
): MetricSource {
  const metrics = Array.isArray(properties.Metrics) ? properties.Metrics : [];
  const query = metrics.find((metric) => isRecord(metric) && typeof metric.Expression === 'string');
  if (isRecord(query)) {
    return { kind: 'service', ...readInsightsQuery(String(query.Expression)) };
  }
  const namespace = String(properties.Namespace);
  const metricName = String(properties.MetricName);
  const statistic = String(properties.Statistic ?? 'Sum') as Statistic;
  if (namespace === 'AWS/Lambda') {
    const dimensions = Array.isArray(properties.Dimensions) ? properties.Dimensions : [];
    const target = dimensions.find((dimension) => isRecord(dimension) && dimension.Name === 'FunctionName');
    const functionName = isRecord(target) ? functionOf.get(refOf(target.Value) ?? '') : undefined;
    return { kind: 'lambda', namespace, metricName, statistic, ...(functionName ? { functionName } : {}) };
  }
  if (namespace.startsWith('AWS/')) return { kind: 'unsimulated', namespace, metricName, statistic };
  const dimensions = Array.isArray(properties.Dimensions) ? properties.Dimensions : [];
  return {
    kind: 'service',
    namespace,
    metricName,
    statistic,
    series: {
      kind: 'exact',
      dimensions: Object.fromEntries(
        dimensions.flatMap((dimension) =>
          isRecord(dimension) ? [[String(dimension.Name), String(dimension.Value)]] : [],
        ),
      ),
    },
  };
}

/** An invocation as Lambda counts it: it ran (Invocations), and it threw (Errors). */
export interface LambdaInvocation {
  at: number;
  functionName: string;
  error: boolean;
}

/**
 * Evaluates the paging paths as time passes: `events` with each batch of new events on the endpoint,
 * `minute` once a minute with the datums put since the last call and the invocations made.
 */
export class Pager {
  readonly pages: Page[] = [];
  private readonly states = new Map<string, AlarmState>();
  /** Datums of the alarms' metrics by `namespace/metricName`, oldest first, pruned past the longest period. */
  private readonly datums = new Map<string, { at: number; record: MetricRecord }[]>();
  private readonly watched: ReadonlySet<string>;
  private readonly invocations: LambdaInvocation[] = [];
  private readonly longestPeriod: number;

  constructor(private readonly paths: PagingPaths) {
    this.watched = new Set(
      paths.alarms.flatMap((alarm) =>
        alarm.kind === 'metric' && alarm.source.kind === 'service'
          ? [`${alarm.source.namespace}/${alarm.source.metricName}`]
          : [],
      ),
    );
    this.longestPeriod = Math.max(
      60_000,
      ...paths.alarms.map((alarm) => (alarm.kind === 'metric' ? alarm.periodMs : 0)),
    );
  }

  /** Events as EventBridge delivers them (envelopes), on `bus`. */
  events(envelopes: readonly { bus: string; event: Record<string, unknown> }[], now: number): void {
    for (const { bus, event } of envelopes) {
      for (const rule of this.paths.rules) {
        if (rule.eventBusName !== bus || !matchesEventPattern(rule.pattern, event)) continue;
        const detail = isRecord(event.detail) ? event.detail : {};
        const words = [detail.reason, detail.errorCode, detail.errorMessage, detail.message].filter(
          (part): part is string => typeof part === 'string' && part !== '',
        );
        this.pages.push({
          at: new Date(now).toISOString(),
          from: rule.name,
          kind: 'event',
          subject: String(event['detail-type']),
          message: words.join(' | '),
          reservationIds: typeof detail.reservationId === 'string' ? [detail.reservationId] : [],
        });
      }
    }
  }

  /** Evaluates every alarm at `now` on the datums and invocations seen so far. */
  minute(now: number, datums: readonly MetricRecord[], invocations: readonly LambdaInvocation[]): void {
    for (const record of datums) {
      const key = `${record.namespace}/${record.metricName}`;
      if (!this.watched.has(key)) continue;
      const list = this.datums.get(key) ?? [];
      list.push({ at: Date.parse(record.timestamp), record });
      this.datums.set(key, list);
    }
    this.invocations.push(...invocations);
    const horizon = now - this.longestPeriod;
    for (const list of this.datums.values()) {
      let old = 0;
      while (old < list.length && (list[old]?.at ?? 0) < horizon) old++;
      if (old > 0) list.splice(0, old);
    }
    while ((this.invocations[0]?.at ?? Number.POSITIVE_INFINITY) < horizon) this.invocations.shift();
    for (const alarm of this.paths.alarms) {
      if (alarm.kind !== 'metric' || alarm.source.kind === 'unsimulated') continue;
      this.transition(alarm, this.metricState(alarm, now), now);
    }
    for (const alarm of this.paths.alarms) {
      if (alarm.kind !== 'composite') continue;
      const state = alarm.allOf.every((part) => this.stateOf(part) === 'ALARM') ? 'ALARM' : 'OK';
      this.transition(alarm, state, now);
    }
  }

  /** Alarms the sandbox cannot evaluate (metrics it does not simulate). */
  unsimulated(): string[] {
    return this.paths.alarms.flatMap((alarm) =>
      alarm.kind === 'metric' && alarm.source.kind === 'unsimulated' ? [alarm.name] : [],
    );
  }

  private stateOf(logicalId: string): AlarmState {
    const alarm = this.paths.alarms.find((candidate) => candidate.logicalId === logicalId);
    return alarm === undefined ? 'INSUFFICIENT_DATA' : (this.states.get(alarm.name) ?? 'INSUFFICIENT_DATA');
  }

  /**
   * CloudWatch's M out of N: the last N periods ending now, missing ones as TreatMissingData says; with
   * `ignore` or `missing` the most recent datapoints before the range stand in for missing ones
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "Configuring how
   * CloudWatch alarms treat missing data"), as far back as the pager keeps data.
   */
  private metricState(alarm: MetricAlarm, now: number): AlarmState | undefined {
    const points: (boolean | undefined)[] = [];
    const lookback = alarm.missing === 'ignore' || alarm.missing === 'missing';
    const furthest = lookback ? Math.floor(this.longestPeriod / alarm.periodMs) : alarm.evaluationPeriods;
    let present = 0;
    for (let back = 0; back < Math.max(furthest, alarm.evaluationPeriods); back++) {
      const to = now - back * alarm.periodMs;
      const values = this.valuesIn(alarm.source, to - alarm.periodMs, to);
      const point =
        values === undefined || values.length === 0
          ? undefined
          : breaches(alarm.comparison, aggregate(alarm.source.statistic, values), alarm.threshold);
      if (point !== undefined) present++;
      if (back < alarm.evaluationPeriods || (lookback && point !== undefined)) points.push(point);
      if (lookback && present >= alarm.evaluationPeriods) break;
    }
    let considered: boolean[];
    if (lookback) {
      considered = points
        .filter((point): point is boolean => point !== undefined)
        .slice(0, alarm.evaluationPeriods);
      if (considered.length === 0) return undefined;
    } else {
      considered = points
        .slice(0, alarm.evaluationPeriods)
        .map((point) => point ?? alarm.missing === 'breaching');
    }
    const breaching = considered.filter(Boolean).length;
    return breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
  }

  private valuesIn(source: MetricSource, from: number, to: number): number[] | undefined {
    if (source.kind === 'lambda') {
      const runs = this.invocations.filter(
        (run) => run.at >= from && run.at < to && run.functionName === source.functionName,
      );
      if (source.metricName === 'Invocations') return runs.length === 0 ? [] : [runs.length];
      if (source.metricName === 'Errors')
        return runs.length === 0 ? [] : runs.map((run) => (run.error ? 1 : 0));
      return undefined;
    }
    const values: number[] = [];
    for (const { at, record } of this.datums.get(`${source.namespace}/${source.metricName}`) ?? []) {
      if (at < from || at >= to) continue;
      if (!selects(source.series, record.dimensions)) continue;
      values.push(...valuesOf(record, source.statistic));
    }
    return values;
  }

  private transition(alarm: MetricAlarm | CompositeAlarm, state: AlarmState | undefined, now: number): void {
    if (state === undefined) return;
    const previous = this.states.get(alarm.name);
    if (previous === state) return;
    this.states.set(alarm.name, state);
    // An alarm created OK notifies nobody; its first ALARM does.
    if (previous === undefined && state !== 'ALARM') return;
    if ((state === 'ALARM' && !alarm.notifies.alarm) || (state === 'OK' && !alarm.notifies.ok)) return;
    this.pages.push({
      at: new Date(now).toISOString(),
      from: alarm.name,
      kind: 'alarm',
      subject: state,
      message: alarm.description,
      reservationIds: [],
    });
  }
}

function valuesOf(record: MetricRecord, statistic: Statistic): number[] {
  if (record.statisticValues !== undefined) {
    const stats = record.statisticValues;
    return [statistic === 'Maximum' ? stats.Maximum : statistic === 'Minimum' ? stats.Minimum : stats.Sum];
  }
  if (record.values !== undefined) {
    const counts = record.counts ?? record.values.map(() => 1);
    return record.values.flatMap((value, index) =>
      statistic === 'Sum' ? [value * (counts[index] ?? 1)] : [value],
    );
  }
  return record.value === undefined ? [] : [record.value];
}

function aggregate(statistic: Statistic, values: readonly number[]): number {
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    default:
      return values.reduce((sum, value) => sum + value, 0);
  }
}

function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      throw new Error(`unsimulated ComparisonOperator ${comparison}`);
  }
}

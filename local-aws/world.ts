/**
 * Everything the local endpoint holds: the simulated clock, the capacity model, alarms, rules, metrics,
 * the event and call logs, and the injected faults. It implements the admin operations (admin-api.ts) in
 * process; the `/_local/` routes are a thin JSON layer over them, answering exactly the admin API's shapes.
 */

import { AccountState, type Alarm, type Rule, type StoredDatum } from './account.ts';
import type { LocalAwsAdminApi } from './admin-api.ts';
import type { AdminSettingsUpdate } from './admin-schemas.ts';
import type { CapacityModel, DescribeEntry } from './capacity.ts';
import type { DynamoDbModel, SeedTable, TableView } from './dynamodb.ts';
import { extractEmf } from './emf.ts';
import { AdminRequestError, AwsServiceError, errorCodeForStatus, statusForErrorCode } from './errors.ts';
import { type DeliveryFilter, type DeliveryRecord, route } from './event-delivery.ts';
import { IamDenial, IamEnforcer, type IamRequest, type IamView, unauthenticated } from './iam.ts';
import { PolicyDocumentError } from './iam-policy.ts';
import { type OrganizationSeed, RamModel, type ShareView } from './ram.ts';
import { ClockMovedBackwardsError, SimulatedTime } from './simulated-time.ts';
import { type Caller, type RoleView, type SeedRole, StsModel } from './sts.ts';
import { Ec2RequestThrottle } from './throttle.ts';
import type {
  AlarmMetric,
  AlarmState,
  AlarmView,
  CallFilter,
  CallRecord,
  ClockAnswer,
  EventFilter,
  EventRecord,
  FaultRequest,
  FaultView,
  LocalAwsSettings,
  LogLinesAnswer,
  LogLinesRequest,
  MetricFilter,
  MetricRecord,
  ReservationView,
  RuleView,
  SeedAlarm,
  SeededReservation,
  SeedReservation,
  SeedRule,
  SeedState,
  ServiceName,
  SetAlarmRequest,
  SetClockRequest,
} from './types.ts';

export type { Alarm, Rule, StoredDatum } from './account.ts';
export { metricKey } from './account.ts';

const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const SERVICES: readonly ServiceName[] = ['ec2', 'cloudwatch', 'events', 'dynamodb', 'sts', 'ram'];

export function defaultSettings(overrides: Partial<LocalAwsSettings> = {}): LocalAwsSettings {
  const roundedNow = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  return {
    updateWhileUpdating: 'reject',
    shutdownSeconds: 60,
    shutdownSpreadSeconds: 30,
    seed: 'local-aws',
    start: roundedNow,
    defaultRegion: 'us-east-1',
    maxResults: { min: 5, max: 1000, default: 1000 },
    cancelSeconds: 30,
    pendingSeconds: 0,
    accountId: '123456789012',
    requestRateScale: 0,
    ...overrides,
  };
}

/** A metric alarm's configuration with the defaults filled in. */
function alarmMetric(name: string, metric: AlarmMetric = {}): Alarm['metric'] {
  const evaluationPeriods = metric.evaluationPeriods ?? 1;
  return {
    namespace: metric.namespace ?? 'OdcrReclaimer/Local',
    metricName: metric.metricName ?? name,
    dimensions: metric.dimensions ?? {},
    statistic: metric.statistic ?? 'Maximum',
    period: metric.period ?? 60,
    evaluationPeriods,
    datapointsToAlarm: metric.datapointsToAlarm ?? evaluationPeriods,
    threshold: metric.threshold ?? 0,
    comparisonOperator: metric.comparisonOperator ?? 'GreaterThanThreshold',
    treatMissingData: metric.treatMissingData ?? 'missing',
    ...(metric.description !== undefined ? { description: metric.description } : {}),
  };
}

/** A logged call as the world keeps it: the admin API's record, timed in milliseconds. */
export type StoredCall = Omit<CallRecord, 'at'> & { atMs: number };

interface StoredEvent {
  timeMs: number;
  record: EventRecord;
}

export interface TakenFault {
  error?: { code: string; status: number };
  latencyMs: number;
}

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new AdminRequestError('InvalidParameterValue', `${name} is not an ISO time: ${value}`);
  return ms;
}

function ruleKey(bus: string, name: string): string {
  return `${bus}/${name}`;
}

/** EventBridge accepts a bus name or its ARN; the rules are keyed by name. */
export function busName(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  const slash = nameOrArn.lastIndexOf('/');
  return nameOrArn.startsWith('arn:') && slash >= 0 ? nameOrArn.slice(slash + 1) : nameOrArn;
}

export class LocalAwsWorld implements LocalAwsAdminApi {
  settings: LocalAwsSettings;
  readonly time: SimulatedTime;
  /** Each account's own state, created when first named (the hub's, `settings.accountId`, at once). */
  private readonly accountStates = new Map<string, AccountState>();
  /** The hub's account: the one requests with unrecognized credentials and admin calls without an account serve. */
  readonly hubAccountId: string;
  /** IAM enforcement: off (any credentials pass) until principals are loaded. */
  readonly iam = new IamEnforcer();
  /** Roles other accounts' principals may assume, and the sessions STS issued (sts.ts). */
  readonly sts = new StsModel();
  /** RAM's resource shares and the organization they may name (ram.ts). */
  readonly ram = new RamModel();
  /** EC2's token buckets, used while `settings.requestRateScale` is above 0. */
  readonly ec2Throttle = new Ec2RequestThrottle();
  private readonly eventLog: StoredEvent[] = [];
  private readonly callLog: StoredCall[] = [];
  private readonly deliveryLog: DeliveryRecord[] = [];
  private faultList: FaultView[] = [];
  private nextFaultId = 1;
  private nextEventId = 1;

  constructor(settings: LocalAwsSettings) {
    this.settings = settings;
    const startMs = Date.parse(settings.start);
    if (Number.isNaN(startMs))
      throw new AdminRequestError('InvalidParameterValue', `bad start time ${settings.start}`);
    this.time = new SimulatedTime(startMs, settings.speed);
    this.hubAccountId = settings.accountId;
    this.account(this.hubAccountId);
  }

  /** An account's state; any well-formed account id names one (created empty when first used). */
  account(accountId: string = this.hubAccountId): AccountState {
    let state = this.accountStates.get(accountId);
    if (state === undefined) {
      if (!/^\d{12}$/.test(accountId)) {
        throw new AdminRequestError('InvalidParameterValue', `accountId must be 12 digits, not ${accountId}`);
      }
      const hub = accountId === this.hubAccountId;
      state = new AccountState(accountId, {
        time: this.time,
        settings: () => this.settings,
        // The hub keeps the plain seed, so its ids are those of a single-account endpoint.
        randomSeed: () => (hub ? this.settings.seed : `${this.settings.seed}/${accountId}`),
        idTakenElsewhere: (id) =>
          [...this.accountStates.values()].some(
            (other) => other.id !== accountId && other.capacity.holds(id),
          ),
        emit: (event) => this.recordEvent(event),
        defaultRegion: () => this.settings.defaultRegion,
      });
      this.accountStates.set(accountId, state);
    }
    return state;
  }

  /** Every account that holds state, the hub first. */
  accounts(): AccountState[] {
    return [...this.accountStates.values()];
  }

  /** The hub's reservations (an account's own: `account(id).capacity`). */
  get capacity(): CapacityModel {
    return this.account().capacity;
  }

  get alarms(): Map<string, Alarm> {
    return this.account().alarms;
  }

  get rules(): Map<string, Rule> {
    return this.account().rules;
  }

  get dynamoDb(): DynamoDbModel {
    return this.account().dynamoDb;
  }

  get datumsByMetric(): Map<string, StoredDatum[]> {
    return this.account().datumsByMetric;
  }

  /** A capacity reservation an account holds in a region, by its ARN. */
  capacityReservationByArn(accountId: string, arn: string, region: string): DescribeEntry | undefined {
    const match = /^arn:aws:ec2:([^:]+):(\d{12}):capacity-reservation\/(cr-[0-9a-f]+)$/.exec(arn);
    if (!match || match[1] !== region || match[2] !== accountId) return undefined;
    return this.accountStates.get(accountId)?.capacity.find(match[3] ?? '', region);
  }

  /** The reservations shared with an account in a region (through RAM), in their owners' state. */
  sharedEntries(accountId: string, region: string): DescribeEntry[] {
    const entries: DescribeEntry[] = [];
    for (const arn of this.ram.sharedWith(accountId, region)) {
      const owner = /^arn:aws:ec2:[^:]+:(\d{12}):/.exec(arn)?.[1] ?? '';
      const entry = this.capacityReservationByArn(owner, arn, region);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** The account holding a reservation id (ids are unique across accounts), or undefined. */
  ownerOf(reservationId: string): AccountState | undefined {
    return this.accounts().find((account) => account.capacity.holds(reservationId));
  }

  nowMs(): number {
    return this.time.nowMs();
  }

  nowIso(): string {
    return new Date(this.time.nowMs()).toISOString();
  }

  // ---------------------------------------------------------------- logs used by the protocols

  /** Logs an event on its bus and sends it on to the targets of the bus's matching rules (event-delivery.ts). */
  recordEvent(event: Omit<EventRecord, 'time'> & { time?: string }, hops = 0): EventRecord {
    const nowMs = this.time.nowMs();
    const timeMs = event.time !== undefined ? Date.parse(event.time) : nowMs;
    const record: EventRecord = {
      ...event,
      time: new Date(Number.isNaN(timeMs) ? nowMs : timeMs).toISOString(),
      id: event.id ?? `local-${String(this.nextEventId++).padStart(8, '0')}`,
    };
    this.eventLog.push({ timeMs: Date.parse(record.time), record });
    const busAccount = record.busAccount ?? record.account ?? this.hubAccountId;
    if (/^\d{12}$/.test(busAccount)) {
      route(
        {
          account: (accountId) => this.account(accountId),
          organizationOf: (accountId) => this.ram.organizationIdOf(accountId),
          forward: (forwarded, bus, toAccount, next) => {
            const { busAccount: _previous, ...rest } = forwarded;
            this.recordEvent(
              { ...rest, bus, ...(toAccount !== forwarded.account ? { busAccount: toAccount } : {}) },
              next,
            );
          },
          deliver: (delivery) => this.deliveryLog.push(delivery),
        },
        record,
        busAccount,
        hops,
        this.nowIso(),
      );
    }
    return record;
  }

  /** What rules handed to targets other than event buses, and deliveries a target bus refused. */
  deliveries(filter: DeliveryFilter = {}): { deliveries: DeliveryRecord[] } {
    return {
      deliveries: this.deliveryLog.filter(
        (delivery) =>
          (filter.accountId === undefined || delivery.accountId === filter.accountId) &&
          (filter.rule === undefined || delivery.rule === filter.rule),
      ),
    };
  }

  /** Stores the parsed params by reference: the log costs O(1) per call, never a copy of earlier calls. */
  recordCall(call: StoredCall): void {
    this.callLog.push(call);
  }

  /** Consumes one use of the first error/latency fault matching the call, if any. */
  takeFault(service: ServiceName, action: string): TakenFault | undefined {
    const fault = this.faultList.find(
      (candidate) =>
        (candidate.kind ?? 'error') === 'error' &&
        candidate.service === service &&
        (candidate.action === undefined || candidate.action === action) &&
        candidate.remaining > 0,
    );
    if (!fault) return undefined;
    this.consume(fault);
    const latencyMs = fault.latencyMs ?? 0;
    if (fault.error === undefined && fault.status === undefined) return { latencyMs };
    const code = fault.error ?? errorCodeForStatus(fault.status ?? 500);
    return { error: { code, status: fault.status ?? statusForErrorCode(code) }, latencyMs };
  }

  /** Consumes one use of a PutEvents partial-failure fault: how many entries fail, with which code. */
  takePartialFailure(action: string): { entries: number; code: string; message: string } | undefined {
    const fault = this.faultList.find(
      (candidate) =>
        candidate.kind === 'partial-failure' &&
        (candidate.action === undefined || candidate.action === action) &&
        candidate.remaining > 0,
    );
    if (!fault) return undefined;
    this.consume(fault);
    return {
      entries: fault.entries ?? 1,
      code: fault.error ?? 'InternalFailure',
      message: fault.message ?? 'Injected failure by the local AWS endpoint',
    };
  }

  private consume(fault: FaultView): void {
    fault.remaining--;
    if (fault.remaining <= 0) this.faultList = this.faultList.filter((candidate) => candidate !== fault);
  }

  // ---------------------------------------------------------------- admin: seeding and reservations

  health(): { ok: boolean; now: string } {
    return { ok: true, now: this.nowIso() };
  }

  seed(state: SeedState): { reservations: SeededReservation[] } {
    if (state.now !== undefined) this.setClock({ now: state.now });
    const seeded = this.seedReservations({ reservations: state.reservations ?? [] });
    for (const alarm of state.alarms ?? []) this.putAlarm(alarm, false);
    for (const rule of state.rules ?? []) this.putRule(rule);
    for (const table of state.tables ?? []) this.createTable(table);
    if (state.roles !== undefined) this.putRoles({ roles: state.roles });
    return seeded;
  }

  seedReservations(body: { reservations: SeedReservation[] }): { reservations: SeededReservation[] } {
    if (!Array.isArray(body?.reservations)) {
      throw new AdminRequestError('MissingParameter', 'reservations must be an array');
    }
    return {
      reservations: body.reservations.map(({ accountId, ...seed }) =>
        this.asAdmin(() => this.account(accountId).capacity.seed(seed)),
      ),
    };
  }

  /** One account's reservations (the hub's when `accountId` is absent). */
  listReservations(filter: { region?: string; id?: string; accountId?: string } = {}): {
    reservations: ReservationView[];
  } {
    const capacity = this.account(filter.accountId).capacity;
    const views: ReservationView[] = [];
    for (const source of capacity.sources()) {
      if (filter.region !== undefined && source.region !== filter.region) continue;
      if (filter.id !== undefined && source.id !== filter.id) continue;
      views.push(capacity.view(source));
    }
    return { reservations: views };
  }

  setBorrowers(body: { reservationId: string; running: number }): { reservation: ReservationView } {
    if (typeof body?.reservationId !== 'string') {
      throw new AdminRequestError('MissingParameter', 'reservationId is required');
    }
    const capacity = (this.ownerOf(body.reservationId) ?? this.account()).capacity;
    this.asAdmin(() => capacity.setRunningBorrowers(body.reservationId, body.running));
    const source = capacity.findSourceAnyRegion(body.reservationId)!;
    return { reservation: capacity.view(source) };
  }

  // ---------------------------------------------------------------- admin: clock

  getClock(): ClockAnswer {
    return { now: this.nowIso() };
  }

  setClock(body: SetClockRequest): ClockAnswer {
    if (typeof body?.advanceSeconds === 'number') {
      if (!Number.isFinite(body.advanceSeconds) || body.advanceSeconds < 0) {
        throw new AdminRequestError('InvalidParameterValue', 'advanceSeconds must be a non-negative number');
      }
      this.time.advanceBy(body.advanceSeconds * 1000);
    } else if (typeof body?.now === 'string') {
      const ms = parseTime('now', body.now)!;
      try {
        this.time.setTo(ms);
      } catch (error: unknown) {
        if (error instanceof ClockMovedBackwardsError)
          throw new AdminRequestError('IncorrectState', error.message);
        throw error;
      }
    } else {
      throw new AdminRequestError('MissingParameter', 'give "advanceSeconds" (number) or "now" (ISO time)');
    }
    return this.getClock();
  }

  advance(seconds: number): ClockAnswer {
    return this.setClock({ advanceSeconds: seconds });
  }

  // ---------------------------------------------------------------- admin: alarms

  setAlarm(body: SetAlarmRequest): { alarm: AlarmView } {
    return { alarm: this.putAlarm(body, true) };
  }

  /**
   * CloudWatch's SetAlarmState: only an alarm that exists (ResourceNotFound otherwise), and a change records the
   * same `CloudWatch Alarm State Change` event as the admin API, so the alarm rule sees it as in AWS.
   */
  setAlarmStateFromApi(account: AccountState, name: string, state: AlarmState, reason: string): void {
    if (!account.alarms.has(name))
      throw new AwsServiceError('ResourceNotFound', `Alarm ${name} not found`, 404);
    this.putAlarm({ name, state, reason, accountId: account.id }, true);
  }

  alarmList(filter: { accountId?: string } = {}): { alarms: AlarmView[] } {
    return { alarms: [...this.account(filter.accountId).alarms.values()].map((alarm) => alarmView(alarm)) };
  }

  private putAlarm(body: SeedAlarm, recordChange: boolean): AlarmView {
    if (typeof body?.name !== 'string' || body.name === '') {
      throw new AdminRequestError('MissingParameter', 'name is required');
    }
    if (!ALARM_STATES.includes(body.state)) {
      throw new AdminRequestError('InvalidParameterValue', `state must be one of ${ALARM_STATES.join(', ')}`);
    }
    const nowMs = this.nowMs();
    const account = this.account(body.accountId);
    const previous = account.alarms.get(body.name);
    const reason = body.reason ?? `Set to ${body.state} through the local AWS admin API`;
    const alarm: Alarm = {
      name: body.name,
      arn: `arn:aws:cloudwatch:${this.settings.defaultRegion}:${account.id}:alarm:${body.name}`,
      state: body.state,
      reason,
      updatedAtMs: previous && previous.state === body.state ? previous.updatedAtMs : nowMs,
      configuredAtMs: previous?.configuredAtMs ?? nowMs,
      metric: previous?.metric ?? alarmMetric(body.name, body.metric),
    };
    account.alarms.set(body.name, alarm);
    const previousState = previous?.state ?? 'INSUFFICIENT_DATA';
    if (recordChange && previousState !== body.state) {
      this.recordEvent({
        source: 'aws.cloudwatch',
        'detail-type': 'CloudWatch Alarm State Change',
        detail: {
          alarmName: alarm.name,
          state: { value: alarm.state, reason, timestamp: new Date(nowMs).toISOString() },
          previousState: {
            value: previousState,
            reason: previous?.reason ?? 'Unchecked: initial alarm creation',
            timestamp: new Date(previous?.updatedAtMs ?? nowMs).toISOString(),
          },
          configuration: { metrics: [] },
        },
        bus: 'default',
        resources: [alarm.arn],
        region: this.settings.defaultRegion,
        account: account.id,
      });
    }
    return alarmView(alarm);
  }

  // ---------------------------------------------------------------- admin: faults

  injectFault(body: FaultRequest): { fault: FaultView } {
    if (!SERVICES.includes(body?.service)) {
      throw new AdminRequestError('InvalidParameterValue', `service must be one of ${SERVICES.join(', ')}`);
    }
    const kind = body.kind ?? 'error';
    const count = body.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new AdminRequestError('InvalidParameterValue', 'count must be a positive integer');
    }
    if (
      body.status !== undefined &&
      (!Number.isInteger(body.status) || body.status < 400 || body.status > 599)
    ) {
      throw new AdminRequestError('InvalidParameterValue', 'status must be an HTTP error status (400-599)');
    }
    if (kind === 'borrowers-stuck' || kind === 'allocation-fails') {
      if (typeof body.reservationId !== 'string') {
        throw new AdminRequestError('MissingParameter', `a ${kind} fault needs reservationId`);
      }
      const reservationId = body.reservationId;
      const capacity = (this.ownerOf(reservationId) ?? this.account()).capacity;
      this.asAdmin(() =>
        kind === 'borrowers-stuck'
          ? capacity.makeBorrowersStuck(reservationId, body.instances)
          : capacity.failChanges(reservationId, count),
      );
      return { fault: { ...body, kind, id: this.nextFaultId++, remaining: 0 } };
    }
    if (kind === 'partial-failure' && body.service !== 'events') {
      throw new AdminRequestError(
        'InvalidParameterValue',
        'partial-failure faults apply to service "events"',
      );
    }
    if (kind !== 'error' && kind !== 'partial-failure') {
      throw new AdminRequestError('InvalidParameterValue', `unknown fault kind ${String(kind)}`);
    }
    const fault: FaultView = { ...body, kind, count, id: this.nextFaultId++, remaining: count };
    this.faultList.push(fault);
    return { fault };
  }

  faults(): { faults: FaultView[] } {
    return { faults: this.faultList.map((fault) => ({ ...fault })) };
  }

  clearFaults(): { cleared: number } {
    const cleared = this.faultList.length;
    this.faultList = [];
    for (const account of this.accounts()) account.capacity.clearAllocationFaults();
    return { cleared };
  }

  // ---------------------------------------------------------------- admin: logs

  calls(filter: CallFilter = {}): { calls: CallRecord[] } {
    const sinceMs = parseTime('since', filter.since);
    const calls: CallRecord[] = [];
    for (const call of this.callLog) {
      if (filter.service !== undefined && call.service !== filter.service) continue;
      if (filter.action !== undefined && call.action !== filter.action) continue;
      if (filter.accountId !== undefined && call.account !== filter.accountId) continue;
      if (sinceMs !== undefined && call.atMs < sinceMs) continue;
      const { atMs, ...record } = call;
      calls.push({ at: new Date(atMs).toISOString(), ...record });
    }
    return { calls };
  }

  /** How many events are logged: lets an in-process caller (the sandbox) look for new ones without a copy. */
  eventCount(): number {
    return this.eventLog.length;
  }

  events(filter: EventFilter = {}): { events: EventRecord[] } {
    const sinceMs = parseTime('since', filter.since);
    const events: EventRecord[] = [];
    for (const { timeMs, record } of this.eventLog) {
      if (filter.source !== undefined && record.source !== filter.source) continue;
      if (filter.detailType !== undefined && record['detail-type'] !== filter.detailType) continue;
      if (filter.bus !== undefined && record.bus !== filter.bus) continue;
      if (filter.accountId !== undefined && (record.busAccount ?? record.account) !== filter.accountId)
        continue;
      if (sinceMs !== undefined && timeMs < sinceMs) continue;
      events.push(record);
    }
    return { events };
  }

  /** Datums put from position `from` on, in put order: a reader that keeps its place reads each once. */
  metricsFrom(from: number): MetricRecord[] {
    return this.account()
      .datums.slice(from)
      .map((datum) => datum.record);
  }

  /**
   * A function's log lines as the Lambda runtime ships them: CloudWatch Logs takes every line as a log event and
   * extracts each valid EMF document's metrics into the account, as PutMetricData would have stored them.
   */
  ingestLogLines(request: LogLinesRequest): LogLinesAnswer {
    const account = this.account(request.accountId);
    const nowMs = this.nowMs();
    const answer: LogLinesAnswer = { events: 0, metrics: 0, rejected: [] };
    for (const [line, message] of request.lines.entries()) {
      answer.events++;
      const extraction = extractEmf(message, nowMs);
      if (extraction.kind === 'rejected') answer.rejected.push({ line, reason: extraction.reason });
      if (extraction.kind !== 'metrics') continue;
      for (const { record, timestampMs } of extraction.datums) account.storeDatum(record, timestampMs);
      answer.metrics += extraction.datums.length;
    }
    return answer;
  }

  metrics(filter: MetricFilter = {}): { metrics: MetricRecord[] } {
    return {
      metrics: this.account(filter.accountId)
        .datums.map((datum) => datum.record)
        .filter(
          (record) =>
            (filter.namespace === undefined || record.namespace === filter.namespace) &&
            (filter.metricName === undefined || record.metricName === filter.metricName),
        ),
    };
  }

  // ---------------------------------------------------------------- admin: rules

  ruleList(filter: { accountId?: string } = {}): { rules: RuleView[] } {
    const account = this.account(filter.accountId);
    return { rules: [...account.rules.values()].map((rule) => this.ruleView(rule, account.id)) };
  }

  putRule(body: SeedRule): { rule: RuleView } {
    if (typeof body?.name !== 'string' || body.name === '') {
      throw new AdminRequestError('MissingParameter', 'name is required');
    }
    if (body.state !== 'ENABLED' && body.state !== 'DISABLED') {
      throw new AdminRequestError('InvalidParameterValue', 'state must be ENABLED or DISABLED');
    }
    const rule: Rule = {
      name: body.name,
      state: body.state,
      eventBusName: busName(body.eventBusName),
      ...(body.scheduleExpression !== undefined ? { scheduleExpression: body.scheduleExpression } : {}),
      ...(body.eventPattern !== undefined ? { eventPattern: body.eventPattern } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      targets: [],
    };
    const account = this.account(body.accountId);
    const previous = account.rules.get(ruleKey(rule.eventBusName, rule.name));
    rule.targets = body.targets?.map((target) => ({ ...target })) ?? previous?.targets ?? [];
    account.rules.set(ruleKey(rule.eventBusName, rule.name), rule);
    return { rule: this.ruleView(rule, account.id) };
  }

  findRule(account: AccountState, name: string, bus: string | undefined): Rule | undefined {
    return account.rules.get(ruleKey(busName(bus), name));
  }

  ruleView(rule: Rule, accountId: string = this.hubAccountId): RuleView {
    const busPart = rule.eventBusName === 'default' ? '' : `${rule.eventBusName}/`;
    return {
      name: rule.name,
      arn: `arn:aws:events:${this.settings.defaultRegion}:${accountId}:rule/${busPart}${rule.name}`,
      state: rule.state,
      eventBusName: rule.eventBusName,
      ...(rule.scheduleExpression !== undefined ? { scheduleExpression: rule.scheduleExpression } : {}),
      ...(rule.eventPattern !== undefined ? { eventPattern: rule.eventPattern } : {}),
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      ...(rule.targets.length > 0 ? { targets: rule.targets.map((target) => ({ ...target })) } : {}),
    };
  }

  // ---------------------------------------------------------------- identities

  /**
   * Who sent a request, from its access key id and session token: a session STS issued (the role's account;
   * its token must be the one issued, and unexpired on the simulated clock), a loaded IAM principal (its
   * account), or, while IAM is not enforced, the hub account's root for credentials nobody declared.
   */
  identify(service: string, accessKeyId: string | undefined, sessionToken: string | undefined): Caller {
    const session = this.sts.session(accessKeyId);
    if (session) {
      if (sessionToken !== session.sessionToken) throw unauthenticated(service);
      if (this.nowMs() >= session.expirationMs) {
        throw new IamDenial('expired', 'The security token included in the request is expired');
      }
      return this.sts.callerOf(session);
    }
    const principal = this.iam.principal(accessKeyId);
    if (principal) {
      const accountId = principal.accountId ?? this.hubAccountId;
      const arn = `arn:aws:iam::${accountId}:role/${principal.name}`;
      return {
        accountId,
        principalArn: arn,
        arn,
        userId: `${principal.accessKeyId}:${principal.name}`,
        name: principal.name,
        statements: principal.statements,
      };
    }
    if (this.iam.enforce) throw unauthenticated(service);
    const root = `arn:aws:iam::${this.hubAccountId}:root`;
    return { accountId: this.hubAccountId, principalArn: root, arn: root, userId: this.hubAccountId };
  }

  /** Declares roles STS may issue sessions of (`POST /_local/roles`); a policy it cannot evaluate is refused. */
  putRoles(body: { roles: SeedRole[] }): { roles: RoleView[] } {
    try {
      return this.sts.putRoles(body.roles);
    } catch (error: unknown) {
      if (error instanceof PolicyDocumentError)
        throw new AdminRequestError('InvalidParameterValue', error.message);
      throw error;
    }
  }

  roleList(): { roles: RoleView[] } {
    return this.sts.roleList();
  }

  // ---------------------------------------------------------------- admin: IAM

  /** Loads principals and switches enforcement (`POST /_local/iam`); a policy it cannot evaluate is refused. */
  configureIam(body: IamRequest): IamView {
    try {
      return this.iam.configure(body ?? {});
    } catch (error: unknown) {
      if (error instanceof PolicyDocumentError || error instanceof TypeError) {
        throw new AdminRequestError('InvalidParameterValue', error.message);
      }
      throw error;
    }
  }

  iamView(): IamView {
    return this.iam.view();
  }

  clearIam(): IamView {
    return this.iam.clear();
  }

  // ---------------------------------------------------------------- admin: RAM's organization and shares

  setOrganization(organization: OrganizationSeed): { organization: OrganizationSeed | null } {
    return this.ram.setOrganization(organization);
  }

  getOrganization(): { organization: OrganizationSeed | null } {
    return this.ram.getOrganization();
  }

  shareList(filter: { accountId?: string } = {}): { shares: ShareView[] } {
    return this.ram.shareList(filter);
  }

  // ---------------------------------------------------------------- admin: DynamoDB tables

  /** Creates (or empties) a table; the items are only ever written through the DynamoDB protocol. */
  createTable(body: SeedTable): { table: TableView } {
    const { accountId, ...table } = body;
    return { table: this.account(accountId).dynamoDb.createTable(table) };
  }

  tableList(filter: { accountId?: string } = {}): { tables: TableView[] } {
    return { tables: this.account(filter.accountId).dynamoDb.list() };
  }

  // ---------------------------------------------------------------- admin: settings and reset

  getSettings(): { settings: LocalAwsSettings } {
    return { settings: { ...this.settings } };
  }

  /** Runtime-changeable settings; `start`, `speed` and `defaultRegion` are fixed at startup. */
  updateSettings(body: AdminSettingsUpdate): { settings: LocalAwsSettings } {
    const next = { ...this.settings };
    if (body.updateWhileUpdating !== undefined) {
      if (body.updateWhileUpdating !== 'reject' && body.updateWhileUpdating !== 'retarget') {
        throw new AdminRequestError(
          'InvalidParameterValue',
          'updateWhileUpdating must be reject or retarget',
        );
      }
      next.updateWhileUpdating = body.updateWhileUpdating;
    }
    for (const key of [
      'shutdownSeconds',
      'shutdownSpreadSeconds',
      'cancelSeconds',
      'pendingSeconds',
      'requestRateScale',
    ] as const) {
      const value = body[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new AdminRequestError('InvalidParameterValue', `${key} must be a non-negative number`);
      }
      next[key] = value;
    }
    if (body.requestLimits !== undefined) next.requestLimits = { ...body.requestLimits };
    if (body.seed !== undefined) next.seed = String(body.seed);
    if (body.maxResults !== undefined) next.maxResults = { ...next.maxResults, ...body.maxResults };
    this.settings = next;
    return this.getSettings();
  }

  reset(): Record<string, never> {
    this.time.clearTasks();
    for (const account of this.accounts()) account.reset();
    this.sts.reset();
    this.ram.reset();
    this.eventLog.length = 0;
    this.callLog.length = 0;
    this.deliveryLog.length = 0;
    this.faultList = [];
    this.iam.clear();
    this.ec2Throttle.reset();
    return {};
  }

  /** Capacity errors are AWS-shaped; through the admin API they become admin errors with the same code. */
  private asAdmin<T>(run: () => T): T {
    try {
      return run();
    } catch (error: unknown) {
      if (error instanceof AwsServiceError) {
        throw new AdminRequestError(error.code, error.message, error.code.endsWith('NotFound') ? 404 : 400);
      }
      throw error;
    }
  }
}

function alarmView(alarm: Alarm): AlarmView {
  return {
    name: alarm.name,
    arn: alarm.arn,
    state: alarm.state,
    reason: alarm.reason,
    updatedAt: new Date(alarm.updatedAtMs).toISOString(),
  };
}

/**
 * Typed client of the local AWS endpoint's admin API (`/_local/`), for tests, the simulator
 * and the CLIs. Each method answers exactly the JSON the route returns.
 */

import type { DeliveryFilter, DeliveryRecord } from './event-delivery.ts';
import type { IamRequest, IamView } from './iam.ts';
import type { OrganizationSeed, ShareView } from './ram.ts';
import type {
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
  RoleView,
  RuleView,
  SeededReservation,
  SeedReservation,
  SeedRole,
  SeedRule,
  SeedState,
  SeedTable,
  SetAlarmRequest,
  SetClockRequest,
  TableView,
} from './types.ts';

export type { DeliveryFilter, DeliveryRecord } from './event-delivery.ts';
export type { IamPrincipal, IamRequest, IamView } from './iam.ts';
export type { OrganizationSeed, ShareView } from './ram.ts';
export type * from './types.ts';

export const DEFAULT_LOCAL_AWS_URL = 'http://127.0.0.1:4566';

/** A failed admin call, carrying the endpoint's error code. */
export class LocalAwsAdminError extends Error {
  override readonly name = 'LocalAwsAdminError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface LocalAwsSdkConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** SDK client configuration for the local endpoint: `new EC2Client(sdkConfigFor(url))`. */
export function sdkConfigFor(url: string, region = 'us-east-1'): LocalAwsSdkConfig {
  return {
    endpoint: url,
    region,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  };
}

function queryString(filter: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export class LocalAwsAdminClient {
  readonly url: string;

  constructor(url: string = process.env.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_AWS_URL) {
    this.url = url.replace(/\/+$/, '');
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_local/${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new LocalAwsAdminError(
        error?.code ?? 'Unknown',
        error?.message ?? `${method} /_local/${path} failed with ${response.status}`,
        response.status,
      );
    }
    return parsed as T;
  }

  health(): Promise<{ ok: boolean; now: string }> {
    return this.call('GET', 'health');
  }

  seed(state: SeedState): Promise<{ reservations: SeededReservation[] }> {
    return this.call('POST', 'seed', state);
  }

  seedReservations(reservations: SeedReservation[]): Promise<{ reservations: SeededReservation[] }> {
    return this.call('POST', 'reservations', { reservations });
  }

  reservations(
    filter: { region?: string; id?: string; accountId?: string } = {},
  ): Promise<{ reservations: ReservationView[] }> {
    return this.call('GET', `reservations${queryString(filter)}`);
  }

  setBorrowers(reservationId: string, running: number): Promise<{ reservation: ReservationView }> {
    return this.call('POST', 'borrowers', { reservationId, running });
  }

  getClock(): Promise<ClockAnswer> {
    return this.call('GET', 'clock');
  }

  setClock(request: SetClockRequest | string | Date): Promise<ClockAnswer> {
    const body =
      typeof request === 'string'
        ? { now: request }
        : request instanceof Date
          ? { now: request.toISOString() }
          : request;
    return this.call('POST', 'clock', body);
  }

  advance(seconds: number): Promise<ClockAnswer> {
    return this.call('POST', 'clock', { advanceSeconds: seconds });
  }

  setAlarm(request: SetAlarmRequest): Promise<{ alarm: AlarmView }> {
    return this.call('POST', 'alarms', request);
  }

  alarms(filter: { accountId?: string } = {}): Promise<{ alarms: AlarmView[] }> {
    return this.call('GET', `alarms${queryString(filter)}`);
  }

  injectFault(request: FaultRequest): Promise<{ fault: FaultView }> {
    return this.call('POST', 'faults', request);
  }

  faults(): Promise<{ faults: FaultView[] }> {
    return this.call('GET', 'faults');
  }

  clearFaults(): Promise<{ cleared: number }> {
    return this.call('DELETE', 'faults');
  }

  calls(filter: CallFilter = {}): Promise<{ calls: CallRecord[] }> {
    return this.call('GET', `calls${queryString(filter)}`);
  }

  events(filter: EventFilter = {}): Promise<{ events: EventRecord[] }> {
    return this.call('GET', `events${queryString(filter)}`);
  }

  /** A function's log lines, as the Lambda runtime ships them: EMF documents among them become metrics. */
  ingestLogLines(request: LogLinesRequest): Promise<LogLinesAnswer> {
    return this.call('POST', 'logs', request);
  }

  metrics(filter: MetricFilter = {}): Promise<{ metrics: MetricRecord[] }> {
    return this.call('GET', `metrics${queryString(filter)}`);
  }

  rules(filter: { accountId?: string } = {}): Promise<{ rules: RuleView[] }> {
    return this.call('GET', `rules${queryString(filter)}`);
  }

  putRule(rule: SeedRule): Promise<{ rule: RuleView }> {
    return this.call('POST', 'rules', rule);
  }

  tables(filter: { accountId?: string } = {}): Promise<{ tables: TableView[] }> {
    return this.call('GET', `tables${queryString(filter)}`);
  }

  createTable(table: SeedTable): Promise<{ table: TableView }> {
    return this.call('POST', 'tables', table);
  }

  settings(): Promise<{ settings: LocalAwsSettings }> {
    return this.call('GET', 'settings');
  }

  updateSettings(settings: Partial<LocalAwsSettings>): Promise<{ settings: LocalAwsSettings }> {
    return this.call('POST', 'settings', settings);
  }

  /** IAM enforcement: the loaded principals and whether requests are checked against them. */
  iam(): Promise<IamView> {
    return this.call('GET', 'iam');
  }

  configureIam(request: IamRequest): Promise<IamView> {
    return this.call('POST', 'iam', request);
  }

  clearIam(): Promise<IamView> {
    return this.call('DELETE', 'iam');
  }

  /** Roles STS may issue sessions of (extension). */
  roles(): Promise<{ roles: RoleView[] }> {
    return this.call('GET', 'roles');
  }

  putRoles(roles: SeedRole[]): Promise<{ roles: RoleView[] }> {
    return this.call('POST', 'roles', { roles });
  }

  /** What rules sent to targets other than event buses (extension). */
  deliveries(filter: DeliveryFilter = {}): Promise<{ deliveries: DeliveryRecord[] }> {
    return this.call('GET', `deliveries${queryString(filter)}`);
  }

  /** The organization RAM shares may name (extension): which account is in which unit. */
  setOrganization(organization: OrganizationSeed): Promise<{ organization: OrganizationSeed | null }> {
    return this.call('POST', 'organization', organization);
  }

  organization(): Promise<{ organization: OrganizationSeed | null }> {
    return this.call('GET', 'organization');
  }

  /** RAM resource shares with their associations (extension); one owner's with `accountId`. */
  shares(filter: { accountId?: string } = {}): Promise<{ shares: ShareView[] }> {
    return this.call('GET', `shares${queryString(filter)}`);
  }

  reset(): Promise<Record<string, never>> {
    return this.call('POST', 'reset');
  }
}

/**
 * The admin API (`/_local/`) stated once: each operation's signature (`LocalAwsAdminApi`), its route
 * (`ADMIN_ROUTES`) and the schema its input is read with (`ADMIN_INPUTS`, admin-schemas.ts). The world
 * implements the operations in process, the server serves the routes from the table and the admin client
 * derives its methods from it, so a new operation is a signature, a route, a schema and a method of the world.
 */
import type { z } from 'zod';
import { ADMIN_INPUTS, type AdminSettingsUpdate, parseAdminBody } from './admin-schemas.ts';
import { AdminRequestError } from './errors.ts';
import type { DeliveryFilter, DeliveryRecord } from './event-delivery.ts';
import type { IamRequest, IamView } from './iam.ts';
import type { OrganizationSeed, ShareView } from './ram.ts';
import type * as T from './types.ts';

/** The GET routes that read one account's state: the hub's when absent. */
export interface AccountFilter {
  accountId?: string;
}

export interface ReservationFilter extends AccountFilter {
  region?: string;
  id?: string;
}

/**
 * The admin operations: each takes at most one argument (the route's JSON body, or its query string for a GET)
 * and answers exactly the JSON the route returns.
 */
export interface LocalAwsAdminApi {
  health(): { ok: boolean; now: string };
  seed(state: T.SeedState): { reservations: T.SeededReservation[] };
  seedReservations(body: { reservations: T.SeedReservation[] }): { reservations: T.SeededReservation[] };
  listReservations(filter?: ReservationFilter): { reservations: T.ReservationView[] };
  /** Borrowers' running instances in a source's interruptible reservation. */
  setBorrowers(body: { reservationId: string; running: number }): { reservation: T.ReservationView };
  getClock(): T.ClockAnswer;
  setClock(body: T.SetClockRequest): T.ClockAnswer;
  setAlarm(body: T.SetAlarmRequest): { alarm: T.AlarmView };
  alarmList(filter?: AccountFilter): { alarms: T.AlarmView[] };
  injectFault(body: T.FaultRequest): { fault: T.FaultView };
  faults(): { faults: T.FaultView[] };
  clearFaults(): { cleared: number };
  calls(filter?: T.CallFilter): { calls: T.CallRecord[] };
  events(filter?: T.EventFilter): { events: T.EventRecord[] };
  /** A function's log lines, as the Lambda runtime ships them: EMF documents among them become metrics. */
  ingestLogLines(request: T.LogLinesRequest): T.LogLinesAnswer;
  metrics(filter?: T.MetricFilter): { metrics: T.MetricRecord[] };
  ruleList(filter?: AccountFilter): { rules: T.RuleView[] };
  putRule(body: T.SeedRule): { rule: T.RuleView };
  tableList(filter?: AccountFilter): { tables: T.TableView[] };
  createTable(body: T.SeedTable): { table: T.TableView };
  getSettings(): { settings: T.LocalAwsSettings };
  updateSettings(body: AdminSettingsUpdate): { settings: T.LocalAwsSettings };
  /** IAM enforcement: the loaded principals and whether requests are checked against them. */
  iamView(): IamView;
  configureIam(body: IamRequest): IamView;
  clearIam(): IamView;
  /** Roles STS may issue sessions of (extension). */
  roleList(): { roles: T.RoleView[] };
  putRoles(body: { roles: T.SeedRole[] }): { roles: T.RoleView[] };
  /** What rules sent to targets other than event buses (extension). */
  deliveries(filter?: DeliveryFilter): { deliveries: DeliveryRecord[] };
  /** The organization RAM shares may name (extension): which account is in which unit. */
  getOrganization(): { organization: OrganizationSeed | null };
  setOrganization(organization: OrganizationSeed): { organization: OrganizationSeed | null };
  /** RAM resource shares with their associations (extension); one owner's with `accountId`. */
  shareList(filter?: AccountFilter): { shares: ShareView[] };
  reset(): Record<string, never>;
}

export type AdminOperation = keyof LocalAwsAdminApi;

type InputOf<K extends AdminOperation> = Parameters<LocalAwsAdminApi[K]>[0];

/** The operations that take an input, each with the schema that reads it (ADMIN_INPUTS in admin-schemas.ts). */
export type AdminInputs = {
  readonly [K in AdminOperation as [InputOf<K>] extends [undefined] ? never : K]: z.ZodType<
    NonNullable<InputOf<K>>
  >;
};

/** An operation's method and path, as the request line names them. */
export type AdminRoute = `${'GET' | 'POST' | 'DELETE'} /_local/${string}`;

/** Where each operation is served. */
export const ADMIN_ROUTES: { readonly [K in AdminOperation]: AdminRoute } = {
  health: 'GET /_local/health',
  seed: 'POST /_local/seed',
  seedReservations: 'POST /_local/reservations',
  listReservations: 'GET /_local/reservations',
  setBorrowers: 'POST /_local/borrowers',
  getClock: 'GET /_local/clock',
  setClock: 'POST /_local/clock',
  setAlarm: 'POST /_local/alarms',
  alarmList: 'GET /_local/alarms',
  injectFault: 'POST /_local/faults',
  faults: 'GET /_local/faults',
  clearFaults: 'DELETE /_local/faults',
  calls: 'GET /_local/calls',
  events: 'GET /_local/events',
  ingestLogLines: 'POST /_local/logs',
  metrics: 'GET /_local/metrics',
  ruleList: 'GET /_local/rules',
  putRule: 'POST /_local/rules',
  tableList: 'GET /_local/tables',
  createTable: 'POST /_local/tables',
  getSettings: 'GET /_local/settings',
  updateSettings: 'POST /_local/settings',
  iamView: 'GET /_local/iam',
  configureIam: 'POST /_local/iam',
  clearIam: 'DELETE /_local/iam',
  roleList: 'GET /_local/roles',
  putRoles: 'POST /_local/roles',
  deliveries: 'GET /_local/deliveries',
  getOrganization: 'GET /_local/organization',
  setOrganization: 'POST /_local/organization',
  shareList: 'GET /_local/shares',
  reset: 'POST /_local/reset',
};

export const ADMIN_OPERATIONS = Object.keys(ADMIN_ROUTES) as AdminOperation[];

/** An operation's request: its method and path, and the schema of its input if it takes one. */
export function adminRequest(operation: AdminOperation): {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  input: z.ZodType | undefined;
} {
  const route = ADMIN_ROUTES[operation];
  const space = route.indexOf(' ');
  return {
    method: route.slice(0, space) as 'GET' | 'POST' | 'DELETE',
    path: route.slice(space + 1),
    input: (ADMIN_INPUTS as Partial<Record<AdminOperation, z.ZodType>>)[operation],
  };
}

const OPERATION_BY_ROUTE = new Map<string, AdminOperation>(
  ADMIN_OPERATIONS.map((operation) => [ADMIN_ROUTES[operation], operation]),
);

/**
 * Serves one admin request on `api`: finds the operation by method and path, reads its input from the query
 * string (GET) or the JSON body with the operation's schema, and answers what the operation answers.
 */
export function serveAdmin(
  api: LocalAwsAdminApi,
  request: { method: string; path: string; query: Record<string, string>; body: unknown },
): unknown {
  const route = `${request.method} ${request.path.replace(/\/+$/, '')}`;
  const operation = OPERATION_BY_ROUTE.get(route);
  if (operation === undefined) throw new AdminRequestError('NotFound', `No admin route ${route}`, 404);
  const { method, input } = adminRequest(operation);
  const argument =
    input === undefined ? undefined : parseAdminBody(input, method === 'GET' ? request.query : request.body);
  return (api[operation] as (argument: unknown) => unknown).call(api, argument);
}

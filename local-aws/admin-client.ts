/**
 * Typed client of the local AWS endpoint's admin API (`/_local/`), for tests, the simulator
 * and the CLIs. Each method answers exactly the JSON the route returns.
 */

import { ADMIN_OPERATIONS, type AdminOperation, adminRequest, type LocalAwsAdminApi } from './admin-api.ts';
import type { ClockAnswer } from './types.ts';

export type { AccountFilter, LocalAwsAdminApi, ReservationFilter } from './admin-api.ts';
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

/** The admin operations as they are over HTTP: the same arguments, the same answers, a promise of them. */
export type RemoteAdminApi = {
  [K in AdminOperation]: (
    ...input: Parameters<LocalAwsAdminApi[K]>
  ) => Promise<ReturnType<LocalAwsAdminApi[K]>>;
};

/** Sends one operation to its route: a GET's input as the query string, any other's as the JSON body. */
async function send(url: string, operation: AdminOperation, input: unknown): Promise<unknown> {
  const { method, path } = adminRequest(operation);
  const withBody = method !== 'GET' && input !== undefined;
  const response = await fetch(`${url}${path}${method === 'GET' ? queryString(input ?? {}) : ''}`, {
    method,
    ...(withBody ? { body: JSON.stringify(input), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    throw new LocalAwsAdminError(
      error?.code ?? 'Unknown',
      error?.message ?? `${method} ${path} failed with ${response.status}`,
      response.status,
    );
  }
  return parsed;
}

/** Instances carry one method per admin operation, each sending it to the endpoint at `url`. */
const RemoteAdmin = class {
  constructor(url: string) {
    for (const operation of ADMIN_OPERATIONS) {
      Object.assign(this, { [operation]: (input?: unknown) => send(url, operation, input) });
    }
  }
} as new (
  url: string,
) => RemoteAdminApi;

/** The admin API over HTTP, for tests, the simulator and the CLIs: each method answers the route's JSON. */
export class LocalAwsAdminClient extends RemoteAdmin {
  readonly url: string;

  constructor(url: string = process.env.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_AWS_URL) {
    const base = url.replace(/\/+$/, '');
    super(base);
    this.url = base;
  }

  advance(seconds: number): Promise<ClockAnswer> {
    return this.setClock({ advanceSeconds: seconds });
  }
}

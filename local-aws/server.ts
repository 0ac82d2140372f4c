/**
 * The local AWS endpoint's HTTP server: one `POST /` routed to EC2 (form body), CloudWatch or EventBridge
 * (by `X-Amz-Target`), and the JSON admin API under `/_local/`. Every AWS request, rejected or
 * not, lands in the call log; nothing a client sends can crash the process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { serveAdmin } from './admin-api.ts';
import { CLOUDWATCH_TARGET_PREFIX, cloudWatchErrorType, handleCloudWatch } from './cloudwatch.ts';
import { ConditionalCheckFailed, DYNAMODB_TARGET_PREFIX, dynamoDbErrorType } from './dynamodb.ts';
import { ec2ErrorXml, handleEc2, isEc2Action, parseForm } from './ec2.ts';
import { AdminRequestError, AwsServiceError } from './errors.ts';
import { EVENTS_TARGET_PREFIX, handleEventBridge } from './eventbridge.ts';
import { accessKeyFromAuthorization, denialAnswer, IamDenial, type IamRequest } from './iam.ts';
import { RAM_OPERATIONS } from './ram.ts';
import { type Caller, STS_ACTIONS, stsErrorXml } from './sts.ts';
import type { CallRecord, LocalAwsSettings, SeedState, ServiceName } from './types.ts';
import { defaultSettings, LocalAwsWorld } from './world.ts';

export type { LocalAwsSettings, SeedState } from './types.ts';
export { LocalAwsWorld } from './world.ts';

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const MAX_PUT_METRIC_DATA_BYTES = 1_000_000;

export interface StartLocalAwsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  seed?: SeedState;
  settings?: Partial<LocalAwsSettings>;
  /** Principals and their policies: given, the endpoint enforces IAM from the first request (see iam.ts). */
  iam?: IamRequest;
}

/** A simulated clock usable wherever the service takes a `Clock`: sleeping moves simulated time at once. */
export interface SimulatedClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/**
 * One AWS request as the endpoint reads it: off the HTTP socket, or handed over in-process by an SDK request
 * handler (the sandbox's), which still signs, serializes and parses for real and only skips the socket.
 */
export interface AwsRequest {
  method: string;
  path: string;
  /** The query string's parameters (RAM's DELETE calls carry their input there). */
  query?: Readonly<Record<string, string>>;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, or a reader of it (the HTTP path streams it in with a size limit). */
  body: Uint8Array | (() => Promise<Buffer>);
}

/** The endpoint's answer to an `AwsRequest`, as it would write it to the socket. */
export interface AwsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LocalAws {
  url: string;
  port: number;
  host: string;
  clock: SimulatedClock;
  /** The in-process admin: the same operations and answers as the `/_local/` routes, synchronously. */
  admin: LocalAwsWorld;
  /** Moves simulated time forward, running what falls due; returns the new time. */
  advance(seconds: number): Date;
  setClock(now: Date | string): Date;
  /** Serves one AWS request without the socket: the same routing, faults and call log as `POST /`. */
  dispatch(request: AwsRequest): Promise<AwsReply>;
  close(): Promise<void>;
}

export function regionFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/.exec(header)?.[1];
}

/** The signing name of the SigV4 credential scope (`ec2`, `sts`, `ram`, ...). */
export function scopeServiceFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header)?.[1];
}

/**
 * Which service a request is for: the JSON protocols say it in `X-Amz-Target`; EC2 and STS share the form
 * protocol and RAM has none, so those are told apart by the signing name of the credential scope.
 */
function serviceOf(target: string | undefined, signingName: string | undefined): ServiceName | 'unknown' {
  if (target === undefined) return signingName === 'sts' ? 'sts' : signingName === 'ram' ? 'ram' : 'ec2';
  if (target.startsWith(CLOUDWATCH_TARGET_PREFIX)) return 'cloudwatch';
  if (target.startsWith(EVENTS_TARGET_PREFIX)) return 'events';
  if (target.startsWith(DYNAMODB_TARGET_PREFIX)) return 'dynamodb';
  return 'unknown';
}

/** A JSON protocol's request body: an object, or SerializationException. */
function jsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AwsServiceError('SerializationException', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

type Reply = AwsReply;

function json(status: number, value: unknown, contentType = 'application/json'): Reply {
  return { status, headers: { 'content-type': contentType }, body: JSON.stringify(value) };
}

export class LocalAwsServer {
  readonly world: LocalAwsWorld;
  private readonly server: Server;
  private wallTimer: NodeJS.Timeout | undefined;

  constructor(settings: LocalAwsSettings) {
    this.world = new LocalAwsWorld(settings);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        process.stderr.write(
          `local-aws: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
        }
        response.end('internal error');
      });
    });
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    });
    this.server.keepAliveTimeout = 5_000;
    if (settings.speed !== undefined && settings.speed > 0) {
      // Lets due shutdowns happen in real time even when nobody calls.
      this.wallTimer = setInterval(() => this.world.nowMs(), 200);
      this.wallTimer.unref();
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    if (this.wallTimer) clearInterval(this.wallTimer);
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://local');
    let reply: Reply;
    if (url.pathname.startsWith('/_local/') || url.pathname === '/_local') {
      const requestId = randomUUID();
      reply = await this.handleAdmin(request, url);
      reply = { ...reply, headers: { ...reply.headers, 'x-amzn-requestid': requestId } };
    } else {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        headers[name] = Array.isArray(value) ? value[0] : value;
      }
      reply = await this.dispatch({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: () => readBody(request),
      });
    }
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }

  // ---------------------------------------------------------------- AWS protocols

  /** Serves one AWS request (HTTP or in-process): routing, faults, call log, the protocol's error shapes. */
  async dispatch(request: AwsRequest): Promise<AwsReply> {
    const requestId = randomUUID();
    const reply = await this.handleAws(request, requestId);
    return { ...reply, headers: { ...reply.headers, 'x-amzn-requestid': requestId } };
  }

  private async handleAws(request: AwsRequest, requestId: string): Promise<Reply> {
    const world = this.world;
    const atMs = world.nowMs();
    const authorization = request.headers.authorization;
    const region = regionFromAuthorization(authorization) ?? world.settings.defaultRegion;
    const targetText = request.headers['x-amz-target'];
    const service = serviceOf(targetText, scopeServiceFromAuthorization(authorization));
    let action = targetText === undefined ? '' : targetText.slice(targetText.indexOf('.') + 1);
    let params: unknown = {};
    let principal: string | undefined;
    let caller: Caller | undefined;
    const encoding = request.headers['content-encoding'];
    const accessKeyId = accessKeyFromAuthorization(authorization);
    const log = (outcome: string, denial?: string): void =>
      world.recordCall({
        atMs,
        service,
        action: action || '(none)',
        region,
        ...(caller !== undefined ? { account: caller.accountId } : {}),
        params,
        outcome,
        ...(encoding !== undefined ? { contentEncoding: encoding } : {}),
        ...(principal !== undefined ? { principal } : {}),
        ...(denial !== undefined ? { denial } : {}),
      });
    // Every request is served in the account its credentials belong to (an STS session's is the role's).
    const identify = (): Caller => {
      caller = world.identify(service, accessKeyId, request.headers['x-amz-security-token']);
      principal = caller.name;
      return caller;
    };
    // Authorization comes after parsing (it needs the action and its parameters) and before any fault or
    // effect: a denied call changes nothing, and DryRun answers UnauthorizedOperation before DryRunOperation.
    const authorize = (who: Caller): void => {
      world.iam.authorize(world, who, {
        service,
        action,
        params: params as Record<string, unknown>,
        region,
        accountId: who.accountId,
      });
    };
    const readRaw = async (): Promise<Buffer> => {
      const body = request.body;
      if (typeof body === 'function') return body();
      if (body.byteLength > MAX_BODY_BYTES) {
        throw new BodyTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
      }
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    };
    try {
      if (service === 'ram') {
        // REST-JSON: the operation is the path (`POST /createresourceshare`), the input the JSON body or, for
        // DELETE, the query string.
        const route = RAM_OPERATIONS[request.path.replace(/\/+$/, '')];
        const raw = await readRaw();
        if (!route)
          throw new AwsServiceError('UnknownOperationException', `No RAM operation at ${request.path}`, 404);
        action = route.operation;
        if (request.method !== route.method) {
          throw new AwsServiceError(
            'UnknownOperationException',
            `${route.operation} is ${route.method}, not ${request.method}`,
            405,
          );
        }
        const input =
          route.method === 'POST' ? jsonObject(raw.toString('utf8')) : { ...(request.query ?? {}) };
        params = input;
        const who = identify();
        authorize(who);
        await this.applyFault('ram', action);
        const answer = world.ram.handle(action, input, {
          nowMs: world.nowMs(),
          region,
          accountId: who.accountId,
          holds: (accountId, arn) => world.capacityReservationByArn(accountId, arn, region) !== undefined,
        });
        log('ok');
        return json(200, answer);
      }
      if (request.method !== 'POST' || request.path !== '/') {
        await readRaw().catch(() => Buffer.alloc(0));
        throw new AwsServiceError(
          'InvalidAction',
          `No AWS operation is served at ${request.method} ${request.path}`,
          404,
        );
      }
      let raw = await readRaw();
      if (/gzip/i.test(encoding ?? '')) {
        try {
          raw = gunzipSync(raw);
        } catch {
          throw new AwsServiceError(
            'SerializationException',
            'The gzip request body could not be decompressed',
          );
        }
      }
      // "Each PutMetricData request is limited to 1 MB in size for HTTP POST requests" (API_PutMetricData.html);
      // counted here uncompressed and in decimal megabytes, the stricter readings.
      if (service === 'cloudwatch' && action === 'PutMetricData' && raw.length > MAX_PUT_METRIC_DATA_BYTES) {
        throw new AwsServiceError(
          'RequestEntityTooLarge',
          `Request size ${raw.length} exceeded ${MAX_PUT_METRIC_DATA_BYTES} bytes`,
          413,
        );
      }
      const text = raw.toString('utf8');
      if (service === 'ec2' || service === 'sts') {
        const contentType = String(request.headers['content-type'] ?? '');
        if (!contentType.includes('application/x-www-form-urlencoded')) {
          throw new AwsServiceError(
            'MalformedQueryString',
            `${service === 'ec2' ? 'EC2' : 'STS'} requests are form-encoded (application/x-www-form-urlencoded), got '${contentType || 'none'}'`,
          );
        }
        const form = parseForm(text);
        action = form.get('Action') ?? '';
        form.delete('Action');
        form.delete('Version');
        params = Object.fromEntries(form);
        if (action === '')
          throw new AwsServiceError('MissingAction', 'The request must contain the parameter Action');
        if (service === 'sts') {
          if (!(STS_ACTIONS as readonly string[]).includes(action)) {
            throw new AwsServiceError(
              'InvalidAction',
              `Could not find operation ${action} for version 2011-06-15`,
            );
          }
          const who = identify();
          // "No permissions are required to perform this operation" (API_GetCallerIdentity.html).
          if (action !== 'GetCallerIdentity') authorize(who);
          await this.applyFault('sts', action);
          const body = world.sts.handle(who, action, form, {
            nowMs: world.nowMs(),
            region,
            seed: world.settings.seed,
            requestId,
          });
          log('ok');
          return { status: 200, headers: { 'content-type': 'text/xml' }, body };
        }
        if (!isEc2Action(action)) {
          throw new AwsServiceError(
            'InvalidAction',
            `The action ${action} is not valid for this web service.`,
          );
        }
        const who = identify();
        // Every request costs a token, denied ones too: throttling is EC2's front door, per account and region.
        world.ec2Throttle.admit({
          account: who.accountId,
          region,
          action,
          nowMs: world.nowMs(),
          scale: world.settings.requestRateScale,
          limits: world.settings.requestLimits,
        });
        authorize(who);
        await this.applyFault('ec2', action);
        const body = handleEc2(world, action, form, region, requestId, world.account(who.accountId));
        log('ok');
        return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body };
      }
      if (service === 'unknown') {
        throw new AwsServiceError('UnknownOperationException', `Unknown X-Amz-Target '${targetText}'`);
      }
      const body = jsonObject(text);
      params = body;
      const who = identify();
      authorize(who);
      await this.applyFault(service, action);
      const input = body as Record<string, unknown>;
      const account = world.account(who.accountId);
      const answer =
        service === 'cloudwatch'
          ? handleCloudWatch(world, account, action, input)
          : service === 'dynamodb'
            ? account.dynamoDb.handle(action, input, region)
            : handleEventBridge(world, account, action, input, region);
      log('ok');
      return json(
        200,
        answer,
        service === 'events' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
      );
    } catch (error: unknown) {
      if (error instanceof BodyTooLargeError) {
        log('RequestEntityTooLarge');
        return this.awsError(
          service,
          new AwsServiceError('RequestEntityTooLarge', error.message, 413),
          requestId,
        );
      }
      if (error instanceof IamDenial) {
        principal = error.principal ?? principal;
        const { code, status } = denialAnswer(service, error);
        log(code, error.message);
        return this.awsError(service, new AwsServiceError(code, error.message, status), requestId);
      }
      if (!(error instanceof AwsServiceError)) throw error;
      log(error.code);
      return this.awsError(service, error, requestId);
    }
  }

  private async applyFault(service: ServiceName, action: string): Promise<void> {
    const fault = this.world.takeFault(service, action);
    if (!fault) return;
    if (fault.latencyMs > 0) await delay(fault.latencyMs);
    if (fault.error) {
      throw new AwsServiceError(
        fault.error.code,
        `Injected by the local AWS endpoint: ${fault.error.code}`,
        fault.error.status,
      );
    }
  }

  private awsError(service: ServiceName | 'unknown', error: AwsServiceError, requestId: string): Reply {
    if (service === 'sts') {
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml' },
        body: stsErrorXml(error.code, error.message, error.status, requestId),
      };
    }
    if (service === 'ec2') {
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: ec2ErrorXml(error.code, error.message, requestId),
      };
    }
    if (service === 'cloudwatch') {
      const reply = json(
        error.status,
        { __type: cloudWatchErrorType(error.code), message: error.message },
        'application/x-amz-json-1.0',
      );
      reply.headers['x-amzn-query-error'] = `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
      return reply;
    }
    if (service === 'ram') {
      const reply = json(error.status, { message: error.message });
      reply.headers['x-amzn-errortype'] = error.code;
      return reply;
    }
    if (service === 'dynamodb') {
      const item = error instanceof ConditionalCheckFailed ? error.item : undefined;
      return json(
        error.status,
        {
          __type: dynamoDbErrorType(error.code),
          message: error.message,
          ...(item === undefined ? {} : { Item: item }),
        },
        'application/x-amz-json-1.0',
      );
    }
    return json(error.status, { __type: error.code, message: error.message }, 'application/x-amz-json-1.1');
  }

  // ---------------------------------------------------------------- admin API

  private async handleAdmin(request: IncomingMessage, url: URL): Promise<Reply> {
    const query = Object.fromEntries(url.searchParams);
    try {
      const raw = await readBody(request);
      let body: unknown = {};
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new AdminRequestError('SerializationException', 'The request body is not valid JSON');
        }
      }
      return json(
        200,
        serveAdmin(this.world, { method: request.method ?? 'GET', path: url.pathname, query, body }),
      );
    } catch (error: unknown) {
      if (error instanceof AdminRequestError) {
        return json(error.status, { error: { code: error.code, message: error.message } });
      }
      if (error instanceof BodyTooLargeError) {
        return json(413, { error: { code: 'RequestEntityTooLarge', message: error.message } });
      }
      throw error;
    }
  }
}

/** Starts the endpoint in this process; `url` is ready for the SDK (`endpoint`) and the admin client. */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const settings = defaultSettings(options.settings);
  const server = new LocalAwsServer(settings);
  const world = server.world;
  if (options.seed) world.seed(options.seed);
  if (options.iam) world.configureIam(options.iam);
  const host = options.host ?? '127.0.0.1';
  const address = await server.listen(options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    host,
    admin: world,
    clock: {
      now: () => new Date(world.nowMs()),
      sleep: async (ms: number) => {
        world.time.advanceBy(ms);
        // Yield once so other work (e.g. in-flight requests) can run, as a real sleep would allow.
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    },
    advance: (seconds: number) => new Date(Date.parse(world.advance(seconds).now)),
    setClock: (now: Date | string) =>
      new Date(Date.parse(world.setClock({ now: typeof now === 'string' ? now : now.toISOString() }).now)),
    dispatch: (request: AwsRequest) => server.dispatch(request),
    close: () => server.close(),
  };
}

export type { CallRecord };

/**
 * An SDK request handler that hands each request straight to the local endpoint in this process instead of
 * sending it over loopback HTTP. Everything above the socket stays real: the SDK still resolves the endpoint,
 * signs, serializes the request body and parses the endpoint's XML or JSON answer (errors included), and the
 * endpoint routes, logs the call and injects faults exactly as for `POST /`. What it skips is the socket,
 * the HTTP framing and the stream plumbing on both sides, which cost more CPU than the work itself in the
 * sandbox (thousands of calls per simulated week).
 *
 * Wiring only: the sandbox and tests pass it as `requestHandler` to the clients they build; production code
 * never sees it.
 */
import type { HttpHandler, HttpHandlerOptions } from '@smithy/core/protocols';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';
import { type LocalAwsSdkConfig, sdkConfigFor } from './admin-client.ts';
import type { AwsReply, AwsRequest } from './server.ts';

/** What the handler needs of the endpoint: `LocalAws.dispatch`. */
export interface AwsDispatcher {
  dispatch(request: AwsRequest): Promise<AwsReply>;
}

export class InProcessRequestAbortedError extends Error {
  override name = 'AbortError';
}

export class UnsupportedRequestBodyError extends Error {
  override name = 'UnsupportedRequestBodyError';
}

const encoder = new TextEncoder();

/** The request body as bytes: the SDK hands strings (JSON, form), bytes (gzip) or, rarely, a stream. */
async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    }
    return Buffer.concat(chunks);
  }
  throw new UnsupportedRequestBodyError(`request body of type ${typeof body} cannot be sent in-process`);
}

/** Lower-cased header names, as Node's HTTP server would present them to the endpoint. */
function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  return lowered;
}

/** The first value of each query parameter, as a URL's query string gives it. */
function queryValues(query: HttpRequest['query']): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') values[name] = first;
  }
  return values;
}

/** A smithy `HttpHandler` that serves requests with `target.dispatch` (e.g. `LocalAws`) in this process. */
export class InProcessRequestHandler implements HttpHandler {
  constructor(private readonly target: AwsDispatcher) {}

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    if (options.abortSignal?.aborted) throw new InProcessRequestAbortedError('Request aborted');
    const reply = await this.target.dispatch({
      method: request.method,
      path: request.path,
      query: queryValues(request.query),
      headers: lowerCaseHeaders(request.headers),
      body: await bodyBytes(request.body),
    });
    return {
      response: new HttpResponse({
        statusCode: reply.status,
        headers: reply.headers,
        body: encoder.encode(reply.body),
      }),
    };
  }

  updateHttpClientConfig(): void {
    // Nothing to configure: no sockets, agents or timeouts.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // No connections to close.
  }
}

/**
 * SDK client configuration for the endpoint in this process: `new EC2Client(inProcessSdkConfig(local))`.
 * The endpoint URL still goes to the SDK (it resolves and signs the request for it); only the socket is skipped.
 */
export function inProcessSdkConfig(
  local: AwsDispatcher & { url: string },
  region = 'us-east-1',
): LocalAwsSdkConfig & { requestHandler: InProcessRequestHandler } {
  return { ...sdkConfigFor(local.url, region), requestHandler: new InProcessRequestHandler(local) };
}

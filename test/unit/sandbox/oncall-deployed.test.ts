import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mainOnCall, OnCallUsageError, parseOnCallCommand } from '#cli/oncall-command.ts';

/** A stand-in for the Lambda endpoint that answers whatever the test sets, and counts what reached it. */
let answer: { status: number; body: string } = { status: 200, body: '' };
let requests = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'text/html' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = 0;
});

function lambdaAt(endpoint: string): LambdaClient {
  return new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

async function runCli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = await mainOnCall(
    argv,
    { write: (line) => out.push(line), writeError: (text) => err.push(text) },
    {},
    { lambda: lambdaAt(url) },
  );
  return { exitCode, stdout: out.join('\n'), stderr: err.join('') };
}

const CHANGE = ['reclaim', '--all', '--everything'];

describe('npm run oncall (deployed): the function rules are checked before anything is sent', () => {
  it('names a missing --reason, exits with 2 and sends nothing', async () => {
    const { exitCode, stderr } = await runCli([...CHANGE, '--for', '1h']);

    expect(exitCode).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      '--reason: required for reclaim, lend and clear (e.g. the incident id)',
    );
    expect(stderr).toContain('usage: npm run oncall --');
    expect(requests).toBe(0);
  });

  it.each([
    [['--for', '25h', '--reason', 'x'], '--for: an override lasts at most 24h'],
    [
      ['--until', '2026-03-12T20:00:00Z', '--reason', 'x'],
      '--until: 2026-03-12T20:00:00Z is not in the future',
    ],
    [['--until', '2026-03-14T00:00:00Z', '--reason', 'x'], '--until: an override lasts at most 24h from now'],
    [['--for', '2h', '--reason', 'line\nbreak'], '--reason: control characters'],
  ])('%j is refused before invoking', (flags, problem) => {
    const now = new Date('2026-03-12T21:00:00Z');
    expect(() => parseOnCallCommand([...CHANGE, ...flags], {}, now)).toThrow(OnCallUsageError);
    expect(() => parseOnCallCommand([...CHANGE, ...flags], {}, now)).toThrow(problem);
  });

  it('checks a group name against the config file the build bundles', () => {
    const argv = ['lend', '--group', 'risk-engin', '--count', '1', '--for', '2h', '--reason', 'x'];
    expect(() => parseOnCallCommand(argv, {})).toThrow("--group: 'risk-engin' is not a group of the config");
    expect(() => parseOnCallCommand([...argv, '--config', '/nonexistent.json'], {})).toThrow(
      '--config: invalid policy config: (file): cannot read /nonexistent.json',
    );
  });

  it('leaves --until to the endpoint clock with --local (the sandbox runs in simulated time)', () => {
    const argv = [...CHANGE, '--until', '2026-03-12T20:00:00Z', '--reason', 'x', '--local'];
    expect(parseOnCallCommand(argv, {}, new Date('2026-03-12T21:00:00Z')).payload.until).toBe(
      '2026-03-12T20:00:00Z',
    );
  });
});

describe('npm run oncall (deployed): a failing endpoint gives one clear line', () => {
  it('an answer that is not JSON', async () => {
    answer = { status: 200, body: '<html><body>captive portal</body></html>' };

    const { exitCode, stderr, stdout } = await runCli([...CHANGE, '--for', '1h', '--reason', 'x']);

    expect(exitCode).toBe(1);
    expect(requests).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'odcr-reclaimer-dev-reclaim-on-demand answered something that is not JSON: "<html><body>captive portal</body></html>"\n',
    );
  });

  it('an HTTP error with an HTML body', async () => {
    answer = { status: 502, body: '<html>bad gateway</html>' };

    const { exitCode, stderr } = await runCli([...CHANGE, '--for', '1h', '--reason', 'x']);

    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/^invoking odcr-reclaimer-dev-reclaim-on-demand failed: .*\(HTTP 502\)\n$/);
  });

  it('nobody listening', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const out: string[] = [];
    const exitCode = await mainOnCall(
      [...CHANGE, '--for', '1h', '--reason', 'x'],
      { write: () => undefined, writeError: (text) => out.push(text) },
      {},
      { lambda: lambdaAt(`http://127.0.0.1:${port}`) },
    );

    expect(exitCode).toBe(1);
    expect(out.join('')).toMatch(
      /^invoking odcr-reclaimer-dev-reclaim-on-demand failed: .*ECONNREFUSED.*\n$/,
    );
  });
});

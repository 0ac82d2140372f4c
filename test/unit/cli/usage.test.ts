import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { argumentProblem, endpointProblem, parseFlags, switchFlags, valueFlags } from '#cli/usage.ts';

describe('argumentProblem', () => {
  it('names an unknown flag', () => {
    let thrown: unknown;
    try {
      parseArgs({ args: ['--speeed', '3'], options: { speed: { type: 'string' } }, strict: true });
    } catch (error: unknown) {
      thrown = error;
    }
    expect(argumentProblem(thrown)).toBe("unknown option '--speeed'");
  });

  it('leaves other errors alone', () => {
    expect(argumentProblem(new TypeError('x is not a function'))).toBeUndefined();
    expect(argumentProblem(new Error('boom'))).toBeUndefined();
  });
});

describe('parseFlags', () => {
  const flags = { ...valueFlags('config', 'days'), ...switchFlags('quiet') };

  it('reads value flags and switches, and leaves out the ones not given', () => {
    expect(parseFlags(['--config', 'c.json', '--quiet'], flags)).toEqual({ config: 'c.json', quiet: true });
  });

  it('refuses an argument that is not a flag, and an unknown flag, as usage mistakes that name them', () => {
    const mistake = (argv: string[]): unknown => {
      try {
        parseFlags(argv, flags);
      } catch (error: unknown) {
        return error;
      }
      return undefined;
    };
    expect(mistake(['--days', '3', 'extra'])).toMatchObject({
      name: 'UsageError',
      message: 'unexpected argument: extra',
    });
    expect(mistake(['--dayz', '3'])).toMatchObject({
      name: 'UsageError',
      message: "unknown option '--dayz'",
    });
  });
});

describe('endpointProblem', () => {
  it('says which URL was tried and how to start the local endpoint when nothing listens', async () => {
    // A port that was free a moment ago: nothing listens on it now.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const error = await fetch(url).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const message = endpointProblem(error, url);
    expect(message).toContain(url);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('npm run local-aws');
  });

  it('leaves other errors alone', () => {
    expect(endpointProblem(new Error('InvalidParameterValue'), 'http://x')).toBeUndefined();
  });
});

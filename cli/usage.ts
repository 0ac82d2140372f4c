/** What the CLIs say when they are called wrongly or cannot reach the endpoint, in one voice. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { formatProblems } from './problems.ts';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs error for an unknown or malformed flag, as a sentence that names the flag. */
export function argumentProblem(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const code = (error as TypeError & { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const flag = /'(-{1,2}[^'\s]+)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown option '${flag}'`;
  return error.message;
}

/**
 * fetch's bare `TypeError: fetch failed` for a refused or unreachable endpoint, as a sentence that says which
 * URL was tried and how to start the local one; undefined for any other error.
 */
export function endpointProblem(error: unknown, url: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = (error as Error & { cause?: unknown }).cause;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const unreachable =
    (error.name === 'TypeError' && error.message === 'fetch failed') ||
    code === 'ECONNREFUSED' ||
    ('code' in error && error.code === 'ECONNREFUSED');
  if (!unreachable) return undefined;
  return `no AWS endpoint answered at ${url}${code ? ` (${code})` : ''}: start the local one with \`npm run local-aws -- --example\` (or set AWS_ENDPOINT_URL)`;
}

/** The command was called wrongly: printed as `<command>: <message>` with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node:util's parseArgs, with an unknown or malformed flag thrown as a UsageError that names it. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error: unknown) {
    const problem = argumentProblem(error);
    if (problem !== undefined) throw new UsageError(problem);
    throw error;
  }
}

/** Flags that each take a value (`--config <file>`), by name: `options: { ...valueFlags('config', 'days') }`. */
export function valueFlags<const Name extends string>(...names: Name[]): Record<Name, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<
    Name,
    { type: 'string' }
  >;
}

/** Flags that are on or absent (`--quiet`), by name. */
export function switchFlags<const Name extends string>(...names: Name[]): Record<Name, { type: 'boolean' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'boolean' }])) as Record<
    Name,
    { type: 'boolean' }
  >;
}

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * The flags of a command that takes nothing but flags (and `--help`, which runCommand answers first): an
 * unknown flag or any other argument is a UsageError that names it.
 */
export function parseFlags<const Options extends FlagOptions>(argv: readonly string[], options: Options) {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: { ...options, ...HELP_FLAG },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`);
  return values;
}

/** `--help` or `-h` among the arguments (before a `--` that ends the options). */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** The usage's first paragraph (the command line itself), and where the rest is: for mistakes. */
export function synopsis(usage: string): string {
  const [first = usage] = usage.split('\n\n');
  return first === usage ? usage : `${first}\n(--help explains every option)`;
}

/** Where a command writes: stdout for answers and usage asked for, stderr for mistakes. */
export interface CommandIo {
  write(text: string): void;
  writeError(text: string): void;
}

export const processIo: CommandIo = {
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
};

/**
 * Runs a command's main in the one way every CLI answers: `--help` prints the usage and exits 0 before
 * anything else runs; a UsageError prints `<command>: <message>` and the usage and exits 2; a mistake in a
 * config, scenario or observation prints each problem on its own line with its field path and exits 2.
 */
export async function runCommand(
  command: string,
  usage: string,
  argv: readonly string[],
  main: () => Promise<number> | number,
  io: CommandIo = processIo,
): Promise<number> {
  if (asksForHelp(argv)) {
    io.write(`${usage}\n`);
    return 0;
  }
  try {
    return await main();
  } catch (error: unknown) {
    // Any module's UsageError (the sandbox's, on-call's) and node:util's flag errors are the caller's mistake.
    const mistake =
      error instanceof Error && error.name.endsWith('UsageError') ? error.message : argumentProblem(error);
    if (mistake !== undefined) {
      io.writeError(`${command}: ${mistake}\n\n${synopsis(usage)}\n`);
      return 2;
    }
    const problems = formatProblems(command, error);
    if (problems !== undefined) {
      io.writeError(`${problems}\n`);
      return 2;
    }
    throw error;
  }
}

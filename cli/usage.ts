/** What the CLIs say when they are called wrongly or cannot reach the endpoint, in one voice. */

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

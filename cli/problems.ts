/**
 * How every command prints a mistake in a file it was given (config, scenario, observation, serverless.yml
 * wiring): a headline, then each problem on its own line with its field path, so that `validate`,
 * `simulate` and `plan` read the same and a long list stays readable.
 */

export interface FieldProblem {
  /** `reservations[0].market`, `alarms.cpu-high.scope`; `(file)` for the file as a whole. */
  path: string;
  message: string;
}

/** Errors a user can fix by editing a file: shown without a stack trace. */
const INPUT_ERRORS = new Set([
  'ConfigError',
  'ConfigurationError',
  'ScenarioError',
  'SandboxError',
  'ObservationError',
  'FunctionWiringError',
  'HeartbeatError',
  'ServerlessConfigError',
  'ValidationError',
]);

function isFieldProblem(value: unknown): value is FieldProblem {
  return (
    typeof value === 'object' &&
    value !== null &&
    'path' in value &&
    'message' in value &&
    typeof value.path === 'string' &&
    typeof value.message === 'string'
  );
}

/** The headline and problems of an input error; undefined for anything else (a bug keeps its stack). */
export function problemsOf(error: unknown): { headline: string; problems: FieldProblem[] } | undefined {
  if (!(error instanceof Error) || !INPUT_ERRORS.has(error.name)) return undefined;
  const issues: unknown = 'issues' in error ? error.issues : undefined;
  const [firstLine = '', ...rest] = error.message.split('\n');
  if (Array.isArray(issues) && issues.length > 0 && issues.every(isFieldProblem)) {
    const colon = firstLine.indexOf(': ');
    return { headline: colon === -1 ? firstLine : firstLine.slice(0, colon), problems: issues };
  }
  // Messages that already list their problems one per indented line keep them; `a; b` ones are split.
  if (rest.length > 0) {
    return {
      headline: firstLine.replace(/:$/, ''),
      problems: rest
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map(asProblem),
    };
  }
  // `invalid <thing>: a.b: wrong; c: missing` lists field problems; any other message is one sentence.
  const colon = firstLine.indexOf(': ');
  if (colon === -1 || !firstLine.startsWith('invalid ')) return { headline: firstLine, problems: [] };
  return {
    headline: firstLine.slice(0, colon),
    problems: firstLine
      .slice(colon + 2)
      .split('; ')
      .map(asProblem),
  };
}

function asProblem(text: string): FieldProblem {
  const colon = text.indexOf(': ');
  return colon === -1
    ? { path: '', message: text }
    : { path: text.slice(0, colon), message: text.slice(colon + 2) };
}

export function formatProblemList(problems: readonly FieldProblem[]): string[] {
  return problems.map((problem) => `  ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`);
}

/** `<command>: <headline>:` and one indented line per problem; undefined when the error is not an input mistake. */
export function formatProblems(command: string, error: unknown): string | undefined {
  const described = problemsOf(error);
  if (described === undefined) return undefined;
  if (described.problems.length === 0) return `${command}: ${described.headline}`;
  return [`${command}: ${described.headline}:`, ...formatProblemList(described.problems)].join('\n');
}

/**
 * How a bad config is reported: every offending field by its path. Apart from the schema (schema.ts), so that
 * a function's cold start, which uses the config the build validated (validated-config.ts), can report a file
 * it cannot read without loading the schema and zod's classic build.
 */

export interface ConfigIssue {
  /** Field path as a reader would write it: `reservations[0].tradingNeed`. */
  path: string;
  message: string;
}

/** The configuration is not valid; `issues` names every offending field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  /** `file` names the config file the issues are in, when they came from one. */
  constructor(issues: ConfigIssue[], options?: { cause?: unknown; file?: string }) {
    super(
      `invalid policy config${options?.file === undefined ? '' : ` ${options.file}`}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      options,
    );
    this.issues = issues;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}

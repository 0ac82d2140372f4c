import { Logger, type LogItem } from '@aws-lambda-powertools/logger';

type LoggerOptions = ConstructorParameters<typeof Logger>[0];

/** One line as the service would have printed it: `level`, `message` and the attributes logged with it. */
export type LogLine = Record<string, unknown>;

/**
 * The service's logger, keeping what it would print instead of writing it, children included (the tracker
 * logs through a child carrying the run's correlation id). INFO whatever the environment says.
 */
export class RecordingLogger extends Logger {
  readonly lines: LogLine[];

  constructor(options: LoggerOptions = {}, lines: LogLine[] = []) {
    super({ serviceName: 'odcr-reclaimer', logLevel: 'INFO', ...options });
    this.lines = lines;
  }

  protected override createLogger(options?: LoggerOptions): Logger {
    return new RecordingLogger(options, this.lines);
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    this.lines.push(log.getAttributes());
  }

  /** The lines logged with this message, in order. */
  withMessage(message: string): LogLine[] {
    return this.lines.filter((line) => line['message'] === message);
  }
}

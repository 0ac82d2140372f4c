/**
 * How the bench watches the service without the service carrying bench figures in its results: a logger that
 * keeps the tracker's `poll` lines (each poll's cost) and prints nothing, and a capacity gateway wrapper that
 * counts the describes made through it: sweeps of every managed reservation, and the ids of each describe by id.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput } from '@aws-lambda-powertools/logger/types';
import type { CapacityGateway, DescribeOptions } from '#shared/gateways/ec2-capacity.ts';
import type { PollTiming } from '#shared/tracker/track.ts';

type LoggerOptions = ConstructorParameters<typeof Logger>[0];
type InfoArguments = Parameters<Logger['info']>;

/** Silent, except that it keeps every `poll` line the tracker logs (children share the list). */
export class PollTimingLogger extends Logger {
  readonly timings: PollTiming[];

  constructor(timings: PollTiming[] = [], options: LoggerOptions = {}) {
    super({ serviceName: 'odcr-reclaimer', ...options, logLevel: 'SILENT' });
    this.timings = timings;
  }

  protected override createLogger(options?: LoggerOptions): Logger {
    return new PollTimingLogger(this.timings, options);
  }

  override info(message: InfoArguments[0], ...extra: LogItemExtraInput): void {
    const [attributes] = extra;
    if (message === 'poll' && typeof attributes === 'object' && attributes !== null)
      this.timings.push(attributes as unknown as PollTiming);
    super.info(message, ...extra);
  }
}

/** The describes a wrapped capacity gateway saw, for a Describe-call floor independent of the calls EC2 got. */
export interface DescribeCount {
  /** Describes of every managed reservation (each one page or more per region). */
  sweeps: number;
  /** How many ids each describe by id asked for. */
  idsPerDescribe: number[];
}

export function emptyDescribeCount(): DescribeCount {
  return { sweeps: 0, idsPerDescribe: [] };
}

/** `capacity`, adding each describe it serves to `count`. */
export function countingDescribes(capacity: CapacityGateway, count: DescribeCount): CapacityGateway {
  return new Proxy(capacity, {
    get(target, key) {
      if (key === 'describeManaged') {
        return (options?: DescribeOptions) => {
          if (options?.reservationIds === undefined) count.sweeps++;
          else count.idsPerDescribe.push(options.reservationIds.length);
          return target.describeManaged(options);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

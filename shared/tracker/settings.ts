import { ConfigurationError } from '../errors/index.ts';
import { DEFAULT_TRACKER_SETTINGS, type TrackerSettings } from './assess.ts';

/** Tuning knobs of the tracker; unlike resource names they have safe defaults (DEFAULT_TRACKER_SETTINGS). */
const VARIABLES = {
  stallAfterSeconds: 'TRACKER_STALL_AFTER_SECONDS',
  pollIntervalSeconds: 'TRACKER_POLL_INTERVAL_SECONDS',
  runBudgetSeconds: 'TRACKER_RUN_BUDGET_SECONDS',
} as const;

/** Reads the tracker's settings from its environment once at cold start; a malformed value names its variable. */
export function readTrackerSettings(env: NodeJS.ProcessEnv = process.env): TrackerSettings {
  const settings: TrackerSettings = { ...DEFAULT_TRACKER_SETTINGS };
  for (const [key, name] of Object.entries(VARIABLES) as [keyof typeof VARIABLES, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigurationError(name, `${name} must be a whole number of seconds above 0, got '${text}'`);
    }
    settings[key] = value;
  }
  if (settings.pollIntervalSeconds > settings.runBudgetSeconds) {
    throw new ConfigurationError(
      VARIABLES.pollIntervalSeconds,
      `${VARIABLES.pollIntervalSeconds} must not exceed ${VARIABLES.runBudgetSeconds}`,
    );
  }
  return settings;
}

/** The CloudWatch namespace of the service's metrics (`METRICS_NAMESPACE`): a resource name, so no default. */
export function readMetricsNamespace(env: NodeJS.ProcessEnv = process.env): string {
  const namespace = env['METRICS_NAMESPACE'];
  if (namespace === undefined || namespace === '') {
    throw new ConfigurationError('METRICS_NAMESPACE', 'missing environment variable(s): METRICS_NAMESPACE');
  }
  return namespace;
}

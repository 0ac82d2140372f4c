export { adjustNeed, decide, resolveNeed } from './decide.ts';
export {
  calendarOptions,
  DEFAULT_SCHEDULE_GRANULARITY_MINUTES,
  floorToScheduleGrid,
  leadMinutes,
  nextSessionOpen,
  p95,
  type ScheduleWindow,
  scheduleWindow,
} from './lead.ts';
export type { Decision, DecisionAction, Observation, PolicyResult } from './types.ts';

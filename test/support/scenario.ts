import { ScenarioError } from '#sandbox/scenario.ts';

/** The message of the ScenarioError a step throws, or 'no error'; any other error is the test's to see. */
export function scenarioMistake(step: () => unknown): string {
  try {
    step();
  } catch (error: unknown) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  return 'no error';
}

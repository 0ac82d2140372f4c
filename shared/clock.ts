/**
 * Time as the service sees it. Production uses the system clock; the tests and the simulator inject a
 * clock that reads and moves the local AWS endpoint's simulated time, so a 50-second poll loop or a
 * trading week runs in milliseconds without any `if (local)` branch in the service's code.
 */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

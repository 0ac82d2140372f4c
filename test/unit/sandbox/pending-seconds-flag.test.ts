import { describe, expect, it } from 'vitest';
import { parseSandboxCommand, SIMULATE_USAGE } from '#sandbox/main.ts';

describe('--pending-seconds on npm run simulate and npm start', () => {
  it("sets the endpoint's pendingSeconds, and is absent unless given", () => {
    expect(parseSandboxCommand(['--pending-seconds', '45']).pendingSeconds).toBe(45);
    expect(parseSandboxCommand([]).pendingSeconds).toBeUndefined();
  });

  it('refuses a value that is not a number of seconds ≥ 0, naming the flag', () => {
    expect(() => parseSandboxCommand(['--pending-seconds', '-1'])).toThrow(/--pending-seconds/);
    expect(() => parseSandboxCommand(['--pending-seconds', 'soon'])).toThrow(/--pending-seconds/);
  });

  it('is in the help text', () => {
    expect(SIMULATE_USAGE).toMatch(/--pending-seconds/);
  });
});

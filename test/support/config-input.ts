/**
 * The example config as tests change it: its file, a fresh copy of its raw input to edit, and what
 * `parseConfig` refuses about an input.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from '#shared/config/schema.ts';

export const EXAMPLE_CONFIG_FILE = new URL('../../config/example.json', import.meta.url).pathname;

/** A fresh copy of the example config's raw input, before validation. */
export function exampleConfigInput(): Record<string, unknown> {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
}

/** The issues `parseConfig` names for `input`; fails the test if it accepts it or fails otherwise. */
export function configIssues(input: unknown): { path: string; message: string }[] {
  try {
    parseConfig(input);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

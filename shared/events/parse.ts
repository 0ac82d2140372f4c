import type * as z from 'zod/v4/core';
import { safeParse } from 'zod/v4/core';
import { ValidationError } from '../errors/index.ts';

/** Dotted path of a zod issue (`reservations.2`), or `(root)` for the whole input. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((segment) => String(segment)).join('.');
}

/**
 * Parses untrusted input at the edge with a schema of either zod build (classic or mini); the first issue
 * becomes a ValidationError naming its field.
 */
export function parseWith<Schema extends z.$ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // An unknown key is reported on its parent object; the key itself is the field to name.
  const path =
    issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : (issue?.path ?? []);
  const field = issuePath(path);
  throw new ValidationError(field, `${field}: ${issue?.message ?? 'invalid input'}`);
}

import type { z } from 'zod';
import { ValidationError } from '../errors/index.ts';

/** Dotted path of a zod issue (`reservations.2`), or `(root)` for the whole input. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((segment) => String(segment)).join('.');
}

/** Parses untrusted input at the edge; the first issue becomes a ValidationError naming its field. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue ? issuePath(issue.path) : '(root)';
  throw new ValidationError(field, issue ? `${field}: ${issue.message}` : 'invalid input');
}

import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Parses input with a shared schema; a failure is a 400 naming each field and what is wrong with it. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value === undefined ? {} : value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
  const first = details[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  throw new ApiError(400, 'validation_failed', `${where}${first?.message ?? 'invalid input'}`, details);
}

/** A positive integer query parameter, or the default. */
export function intParam(v: unknown, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'validation_failed', `${name} must be an integer from ${min} to ${max}`, [{ path: [name], message: 'out of range' }]);
  return n;
}

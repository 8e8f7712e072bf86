// Errors the HTTP layer raises itself (guards, validation, routes), and the one place domain errors get a status.
import { DomainError } from '../errors.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

// failed: a program we ran (git, gh) or what it talked to: 502, like a gateway whose upstream failed.
// unavailable: the pty host does not answer (503).
const STATUS: Record<DomainError['kind'], number> = { not_found: 404, conflict: 409, invalid: 400, unavailable: 503, failed: 502 };

/** A domain error as the API answers it; null for anything else. */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return new ApiError(STATUS[err.kind], err.code, err.message, err.details);
  return null;
}

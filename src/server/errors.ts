// Errors of the domain modules (stores, services, the instance manager, drivers). They say what went wrong, never
// how to answer it: src/server/http/ maps them to HTTP statuses and {error:{code,message,details}}.
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unavailable' | 'failed';

export class DomainError extends Error {
  constructor(readonly kind: DomainErrorKind, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** A program we run (git, gh) or a service it talks to failed; `message` carries its own words. */
export const failed = (code: string, message: string, details?: unknown) => new DomainError('failed', code, message, details);
/** Something named does not exist. */
export const notFound = (what: string, id: string) => new DomainError('not_found', 'not_found', `${what} ${JSON.stringify(id)} does not exist`);
/** The request is fine but the state does not allow it now (a limit, a name taken, not running…). */
export const conflict = (code: string, message: string, details?: unknown) => new DomainError('conflict', code, message, details);
/** An input is wrong: `field` names it (details {field, ...extra}). */
export const invalid = (code: string, field: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('invalid', code, message, { field, ...extra });
/** Something the request needs is not there now (the pty host): try again shortly. */
export const unavailable = (code: string, message: string, details?: unknown) => new DomainError('unavailable', code, message, details);

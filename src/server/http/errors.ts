// One error type for the whole server; the HTTP layer turns it into {error:{code,message,details?}}.
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}
export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `${what} ${JSON.stringify(id)} does not exist`);
export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'bad_request', message, details);
export const conflict = (code: string, message: string, details?: unknown) => new ApiError(409, code, message, details);

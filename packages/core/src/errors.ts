/**
 * Errors the domain raises for the API to turn into statuses (docs/api.md "Errors"). Each carries
 * one clear sentence for the `detail` field.
 */
export class DomainError extends Error {
  constructor(
    readonly status: 400 | 401 | 402 | 404 | 409 | 413 | 429 | 503,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (detail: string) => new DomainError(400, detail);
export const notFound = (detail = "Task not found") => new DomainError(404, detail);
export const conflict = (detail: string) => new DomainError(409, detail);
export const paymentRequired = (detail: string) => new DomainError(402, detail);
export const unavailable = (detail: string) => new DomainError(503, detail);

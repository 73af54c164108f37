/**
 * One error base for Heed: a stable `code` for logs and tests, a `userMessage` that is safe to show a
 * person, and `detail` for the log line only.
 */
export class HeedError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly detail: Record<string, unknown>;

  constructor(code: string, userMessage: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`${code}: ${userMessage}`, options);
    this.name = 'HeedError';
    this.code = code;
    this.userMessage = userMessage;
    this.detail = detail;
  }
}

/** Wrap anything thrown into a HeedError so callers always see a code and a user-facing sentence. */
export function asHeedError(error: unknown, fallbackCode = 'internal'): HeedError {
  if (error instanceof HeedError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HeedError(fallbackCode, 'Something went wrong on my side. Please try again in a moment.', { message }, { cause: error });
}

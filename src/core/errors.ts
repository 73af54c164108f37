/**
 * One error design for Heed: every error is a `HeedError` with a code from one union, a sentence that
 * is safe to show a person in chat (`userMessage`), a sentence for the operator (`operatorMessage`:
 * the command line, start-up, log lines) and structured `detail` for the log line only.
 */
import type { ModelErrorCode } from './model/model-error.js';

/** Every error code Heed raises. Tests and logs branch on these, never on wording. */
export type ErrorCode =
  | ModelErrorCode
  /** Anything unexpected, wrapped by `asHeedError`. */
  | 'internal'
  /** A setting is missing or wrong. */
  | 'config_invalid'
  /** A command-line invocation is wrong. */
  | 'usage'
  /** A command-line argument names something that does not exist. */
  | 'not_found'
  /** A report filter cannot be read. */
  | 'invalid_filter'
  | 'storage_failed'
  | 'database_too_new'
  | 'migration_failed'
  | 'slack_start'
  | 'slack_api'
  | 'discord_start'
  | 'discord_api';

/** What a person sees when the cause is ours and they can only try again. */
export const GENERIC_USER_MESSAGE = 'Something went wrong on my side. Please try again in a moment.';

export interface HeedErrorOptions {
  /** For a person in chat. Defaults to GENERIC_USER_MESSAGE: operators' words never reach a chat by accident. */
  userMessage?: string;
  /** For the log line only; never a token or key. */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

/** The base of every error Heed raises on purpose. */
export class HeedError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly operatorMessage: string;
  readonly detail: Record<string, unknown>;

  /** `operatorMessage` says what went wrong and what to do, for whoever runs Heed. */
  constructor(code: ErrorCode, operatorMessage: string, options: HeedErrorOptions = {}) {
    super(operatorMessage, { cause: options.cause });
    this.name = 'HeedError';
    this.code = code;
    this.operatorMessage = operatorMessage;
    this.userMessage = options.userMessage ?? GENERIC_USER_MESSAGE;
    this.detail = options.detail ?? {};
  }
}

/** Wrap anything thrown into a HeedError so callers always see a code and a user-facing sentence. */
export function asHeedError(error: unknown): HeedError {
  if (error instanceof HeedError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HeedError('internal', `Unexpected error: ${message}`, { detail: { message }, cause: error });
}

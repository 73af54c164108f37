/**
 * Every way a model call can fail, as one typed error: a stable code for logs and tests, a short honest
 * sentence for the person, the text streamed before the failure, and whether trying again may help.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { ResponseCutError } from '../http-transport.js';
import { HeedError } from '../errors.js';
import { scrubSecrets } from '../logger.js';

export type ModelErrorCode =
  | 'model_not_configured'
  | 'model_auth'
  | 'model_not_found'
  | 'model_rate_limited'
  | 'model_unavailable'
  | 'model_timeout'
  | 'model_stream_cut'
  | 'model_unreachable'
  | 'model_bad_request'
  | 'model_cancelled'
  | 'model_failed';

/** The default sentence shown to the person for each code. */
export const MODEL_ERROR_MESSAGES: Readonly<Record<ModelErrorCode, string>> = {
  model_not_configured:
    "I'm not connected to a language model yet. An operator needs to set OPENAI_API_KEY (for OpenAI) or " +
    'OPENAI_BASE_URL (for an OpenAI-compatible server, e.g. Ollama at http://127.0.0.1:11434/v1).',
  model_auth:
    "I can't reach my language model: the server rejected my API key. An operator needs to check OPENAI_API_KEY.",
  model_not_found:
    "I can't reach my language model: the server doesn't know the configured model. An operator needs to check " +
    'OPENAI_MODEL and OPENAI_BASE_URL.',
  model_rate_limited: 'The language model is busy right now (rate limited). Please try again in a minute.',
  model_unavailable:
    'The language model is having trouble right now (server error). Please try again in a few minutes.',
  model_timeout: 'The language model took too long to answer. Please try again.',
  model_stream_cut: 'My connection to the language model broke off mid-answer.',
  model_unreachable:
    "I can't reach my language model right now (the connection failed). Please try again in a few minutes; " +
    'if it keeps happening, an operator needs to check OPENAI_BASE_URL.',
  model_bad_request: 'The language model rejected my request. An operator can find the reason in the logs.',
  model_cancelled: 'I stopped this answer because it was cancelled.',
  model_failed: 'Something went wrong while talking to the language model. Please try again.',
};

const QUOTA_MESSAGE =
  'The language model account has run out of quota. An operator needs to check its billing and limits.';
const PERMISSION_MESSAGE =
  "I can't reach my language model: the server refused this API key access to the model. An operator needs to " +
  'check OPENAI_API_KEY and OPENAI_MODEL.';
const CONTEXT_MESSAGE = 'This conversation is too long for the language model. Please start a new thread.';

/** Codes where the same request may succeed later without anyone changing the configuration. */
const RETRYABLE: ReadonlySet<ModelErrorCode> = new Set([
  'model_rate_limited',
  'model_unavailable',
  'model_timeout',
  'model_stream_cut',
  'model_unreachable',
]);

export interface ModelErrorOptions {
  /** Overrides the code's default sentence. */
  userMessage?: string;
  /** Text streamed before the failure; '' when none. */
  partialText?: string;
  /** Overrides the code's default. */
  retryable?: boolean;
  /** For the log line only (status, request id, server message …); never a key. */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

/** A failed model call. `partialText` holds what had already streamed, so the caller can keep it. */
export class ModelError extends HeedError {
  override readonly code: ModelErrorCode;
  readonly partialText: string;
  readonly retryable: boolean;

  constructor(code: ModelErrorCode, options: ModelErrorOptions = {}) {
    const userMessage = options.userMessage ?? MODEL_ERROR_MESSAGES[code];
    super(code, userMessage, { userMessage, detail: options.detail ?? {}, cause: options.cause });
    this.name = 'ModelError';
    this.code = code;
    this.partialText = options.partialText ?? '';
    this.retryable = options.retryable ?? RETRYABLE.has(code);
  }

  /** The same error with `partialText` replaced (for errors raised before the text was known). */
  withPartialText(partialText: string): ModelError {
    if (partialText === this.partialText) return this;
    return new ModelError(this.code, {
      userMessage: this.userMessage,
      partialText,
      retryable: this.retryable,
      detail: this.detail,
      cause: this.cause,
    });
  }
}

/**
 * Map anything a model call threw (the SDK's typed errors, the plain `TypeError: terminated` of a cut
 * stream, or anything else) to a ModelError carrying `partialText`.
 */
export function toModelError(error: unknown, partialText: string): ModelError {
  if (error instanceof ModelError) return error.withPartialText(partialText);
  const base = { partialText, cause: error };

  // Order matters: the timeout and abort errors are subclasses of APIError / APIConnectionError.
  if (error instanceof APIConnectionTimeoutError)
    return new ModelError('model_timeout', { ...base, detail: apiDetail(error) });
  if (error instanceof APIUserAbortError)
    return new ModelError('model_cancelled', { ...base, detail: apiDetail(error) });
  if (error instanceof APIConnectionError) {
    return new ModelError('model_unreachable', {
      ...base,
      detail: { ...apiDetail(error), reason: causeMessage(error) },
    });
  }
  if (error instanceof AuthenticationError) return new ModelError('model_auth', { ...base, detail: apiDetail(error) });
  if (error instanceof PermissionDeniedError) {
    return new ModelError('model_auth', { ...base, userMessage: PERMISSION_MESSAGE, detail: apiDetail(error) });
  }
  if (error instanceof NotFoundError) return new ModelError('model_not_found', { ...base, detail: apiDetail(error) });
  if (error instanceof RateLimitError) {
    const detail = { ...apiDetail(error), retryAfterSeconds: retryAfterSeconds(error.headers) };
    // Quota exhaustion also arrives as 429, but waiting a minute will not fix it.
    if (error.code === 'insufficient_quota') {
      return new ModelError('model_rate_limited', { ...base, userMessage: QUOTA_MESSAGE, retryable: false, detail });
    }
    return new ModelError('model_rate_limited', { ...base, detail });
  }
  if (error instanceof InternalServerError)
    return new ModelError('model_unavailable', { ...base, detail: apiDetail(error) });
  if (error instanceof BadRequestError) {
    const tooLong = error.code === 'context_length_exceeded';
    return new ModelError('model_bad_request', {
      ...base,
      ...(tooLong ? { userMessage: CONTEXT_MESSAGE } : {}),
      detail: apiDetail(error),
    });
  }
  if (isStreamCut(error))
    return new ModelError('model_stream_cut', { ...base, detail: { reason: causeMessage(error) } });
  if (error instanceof APIError) return new ModelError('model_failed', { ...base, detail: apiDetail(error) });
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError('model_failed', { ...base, detail: { message: scrubSecrets(message) } });
}

/**
 * A response body that ended early: Heed's transport says ResponseCutError; undici (Node's fetch) says
 * `TypeError: terminated`, its cause a socket error. The SDK passes either through unwrapped.
 */
function isStreamCut(error: unknown): error is Error {
  if (error instanceof ResponseCutError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'TypeError' && error.message === 'terminated') return true;
  const cause = error.cause;
  return typeof cause === 'object' && cause !== null && 'code' in cause && cause.code === 'UND_ERR_SOCKET';
}

function apiDetail(error: APIError): Record<string, unknown> {
  const detail: Record<string, unknown> = { message: scrubSecrets(error.message) };
  if (error.status !== undefined) detail.status = error.status;
  if (error.requestID) detail.requestId = error.requestID;
  if (error.type) detail.errorType = error.type;
  if (error.code) detail.errorCode = error.code;
  if (error.param) detail.param = error.param;
  return detail;
}

function causeMessage(error: Error): string {
  const cause = error.cause;
  const text = cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  return scrubSecrets(text);
}

function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number.parseFloat(value);
  if (!Number.isNaN(seconds)) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - Date.now()) / 1000));
}

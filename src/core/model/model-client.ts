/**
 * The one place Heed talks to a language model: the official `openai` SDK against OpenAI or any
 * OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp), streaming, with every failure mapped
 * to a ModelError.
 */
import OpenAI, { BadRequestError } from 'openai';
import type { Logger } from '../logger.js';
import type { ChatMessage } from '../prompt/chat-message.js';
import { HttpTransport } from '../http-transport.js';
import { readChatChunks } from './chat-chunks.js';
import { ModelError, toModelError } from './model-error.js';

export interface ModelSettings {
  baseURL?: string;
  apiKey?: string;
  model: string;
  temperature?: number;
  maxOutputTokens: number;
  /**
   * How long the server may stay silent: before the response starts (the SDK's own time-out, retried
   * like other failures), and then between two streamed chunks.
   */
  timeoutMs: number;
  maxRetries: number;
}

export interface ModelResult {
  text: string;
  promptTokens?: number;
  completionTokens?: number;
  /** Milliseconds from the call to the first non-empty text delta. */
  firstTokenMs?: number;
}

/** A local server needs no key, but the SDK insists on one. */
const PLACEHOLDER_API_KEY = 'not-needed';
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Which request field carries the output limit; see `stream()` for why it can change. */
type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** Where one streamed request hands its text: each delta, and the end of each read (see `stream`). */
interface StreamOutput {
  delta: (delta: string) => void | Promise<void>;
  caughtUp?: () => void;
}

export class ModelClient {
  /** True when an API key or a base URL is set. */
  readonly configured: boolean;
  private readonly settings: ModelSettings;
  private readonly logger: Logger;
  private readonly client: OpenAI;
  private readonly baseURL: string;
  private maxTokensField: MaxTokensField = 'max_tokens';

  constructor(settings: ModelSettings, logger: Logger) {
    this.settings = settings;
    this.logger = logger;
    this.configured = Boolean(settings.apiKey || settings.baseURL);
    // Explicit values, so that the SDK never falls back to OPENAI_* variables behind the config's back.
    this.baseURL = settings.baseURL ?? OPENAI_BASE_URL;
    this.client = new OpenAI({
      baseURL: this.baseURL,
      apiKey: settings.apiKey ?? PLACEHOLDER_API_KEY,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      fetch: new HttpTransport().fetch,
    });
  }

  /** The parameters recorded in each reply snapshot: model, temperature, max tokens, base URL host (never the key). */
  params(): Record<string, unknown> {
    return {
      model: this.settings.model,
      ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
      [this.maxTokensField]: this.settings.maxOutputTokens,
      baseURLHost: hostOf(this.baseURL),
    };
  }

  /**
   * Stream a chat completion; `onDelta` receives text deltas in order (awaited). Throws ModelError, whose
   * `partialText` holds what had streamed; an error thrown by `onDelta` itself propagates unchanged after
   * the request is closed. Aborting `signal` ends the call with `model_cancelled`. `onCaughtUp` is called
   * once the deltas of each read from the server have been handed over, while the answer goes on (no
   * finish_reason yet): a caller holding text back, to post an answer that came whole, can write it then.
   */
  async stream(
    messages: ChatMessage[],
    onDelta: (delta: string) => void | Promise<void>,
    signal?: AbortSignal,
    onCaughtUp?: () => void,
  ): Promise<ModelResult> {
    const started = performance.now();
    let text = '';
    try {
      if (!this.configured) throw new ModelError('model_not_configured');
      if (signal?.aborted) throw new ModelError('model_cancelled');
      return await this.attempt(messages, signal, started, {
        delta: (delta) => {
          text += delta;
          return onDelta(delta);
        },
        ...(onCaughtUp ? { caughtUp: onCaughtUp } : {}),
      });
    } catch (error) {
      if (error instanceof DeltaHandlerError) throw error.cause;
      const failure = toModelError(error, text);
      this.logFailure(failure, performance.now() - started);
      throw failure;
    }
  }

  /**
   * One streamed request. OpenAI's newer models reject `max_tokens` and want `max_completion_tokens`,
   * which many compatible servers do not know; so `max_tokens` goes first, and if the server refuses it
   * by name the request is repeated once with the other field, which this client then keeps using.
   */
  private async attempt(
    messages: ChatMessage[],
    signal: AbortSignal | undefined,
    started: number,
    out: StreamOutput,
  ): Promise<ModelResult> {
    try {
      return await this.streamOnce(messages, signal, started, out);
    } catch (error) {
      if (this.maxTokensField === 'max_tokens' && rejectsMaxTokens(error)) {
        this.maxTokensField = 'max_completion_tokens';
        this.logger.info(
          { model: this.settings.model },
          'model wants max_completion_tokens instead of max_tokens; switching',
        );
        return this.streamOnce(messages, signal, started, out);
      }
      throw error;
    }
  }

  private async streamOnce(
    messages: ChatMessage[],
    signal: AbortSignal | undefined,
    started: number,
    out: StreamOutput,
  ): Promise<ModelResult> {
    // One controller ends the HTTP request for every reason: the caller's signal, our idle deadline, or a
    // failing delta handler.
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    let timedOut = false;
    let idleTimer: NodeJS.Timeout | undefined;
    // The SDK's `timeout` only covers the wait for the response headers; a stream that then stalls needs
    // a deadline of its own. One timer, restarted on each chunk (`refresh`): not one made and cleared per token.
    const armIdleTimer = (): void => {
      if (idleTimer) {
        idleTimer.refresh();
        return;
      }
      idleTimer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.settings.timeoutMs);
    };

    let finishReason: string | null = null;
    let promptTokens: number | undefined;
    let completionTokens: number | undefined;
    let firstTokenMs: number | undefined;
    let text = '';
    try {
      const response = await this.client.chat.completions
        .create(
          {
            model: this.settings.model,
            messages,
            stream: true,
            stream_options: { include_usage: true },
            [this.maxTokensField]: this.settings.maxOutputTokens,
            ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
          },
          { signal: controller.signal },
        )
        .asResponse();
      armIdleTimer();
      // After each read the answer goes on past (no finish_reason yet), the caller may write what it holds.
      const caughtUp = out.caughtUp
        ? () => {
            if (finishReason === null) out.caughtUp?.();
          }
        : undefined;
      // A failing delta handler ends the request, and its error comes out as it was (DeltaHandlerError).
      const handlerFailed = (error: unknown): never => {
        controller.abort();
        throw new DeltaHandlerError(error);
      };
      await readChatChunks(response, controller, {
        chunk: (chunk) => {
          const choice = chunk.choices[0];
          const finishChunk = (): void => {
            if (choice?.finish_reason) finishReason = choice.finish_reason;
            if (chunk.usage) {
              promptTokens = chunk.usage.prompt_tokens;
              completionTokens = chunk.usage.completion_tokens;
            }
            armIdleTimer();
          };
          const delta = choice?.delta?.content;
          if (!delta) return finishChunk();
          firstTokenMs ??= performance.now() - started;
          text += delta;
          let handled: void | Promise<void>;
          try {
            handled = out.delta(delta);
          } catch (error) {
            return handlerFailed(error);
          }
          // Awaited only when the handler is asynchronous: a delta costs no extra turn of the microtask queue.
          if (!handled) return finishChunk();
          return handled.then(finishChunk, handlerFailed);
        },
        ...(caughtUp ? { caughtUp } : {}),
      });
    } catch (error) {
      throw this.abortReason(timedOut, signal) ?? error;
    } finally {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
    // An abort that lands once the body has been read whole ends the loop without an error: checked here too.
    const aborted = this.abortReason(timedOut, signal);
    if (aborted) throw aborted;
    if (finishReason === null) {
      throw new ModelError('model_stream_cut', { detail: { reason: 'the stream ended without a finish_reason' } });
    }
    return {
      text,
      ...(promptTokens !== undefined ? { promptTokens } : {}),
      ...(completionTokens !== undefined ? { completionTokens } : {}),
      ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
    };
  }

  private abortReason(timedOut: boolean, signal: AbortSignal | undefined): ModelError | undefined {
    if (timedOut) {
      return new ModelError('model_timeout', {
        detail: { reason: `no data from the model for ${this.settings.timeoutMs} ms mid-stream` },
      });
    }
    if (signal?.aborted) return new ModelError('model_cancelled');
    return undefined;
  }

  private logFailure(error: ModelError, latencyMs: number): void {
    const line = {
      code: error.code,
      status: error.detail.status,
      requestId: error.detail.requestId,
      model: this.settings.model,
      baseURLHost: hostOf(this.baseURL),
      retryable: error.retryable,
      partialChars: error.partialText.length,
      latencyMs: Math.round(latencyMs),
      detail: error.detail,
    };
    if (error.code === 'model_cancelled') this.logger.info(line, 'model call cancelled');
    else if (error.retryable) this.logger.warn(line, 'model call failed');
    else this.logger.error(line, 'model call failed');
  }
}

/** Carries an error thrown by the caller's delta handler past the model-error mapping. */
class DeltaHandlerError extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super('the delta handler failed');
    this.cause = cause;
  }
}

/** A 400 that names `max_tokens` as the parameter the model does not support. */
function rejectsMaxTokens(error: unknown): boolean {
  if (!(error instanceof BadRequestError)) return false;
  return error.param === 'max_tokens' || /max_completion_tokens/.test(error.message);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

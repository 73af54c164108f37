/**
 * The HTTP client under the openai SDK and Slack's Web API client (both take a `fetch` option): node:http
 * and node:https with keep-alive agents. Node's own fetch builds a Request, a header list, an abort signal
 * and WHATWG streams for every call, and carries each streamed chunk through undici and those streams; for
 * a bot that makes a few Slack calls and reads about 60 chunks per reply, that was the largest item of its
 * CPU profile outside the two SDKs themselves (bench/PROFILE.md).
 *
 * A streamed 2xx answer (`text/event-stream`) reaches the SDK as a Response whose `body` is the Node stream
 * in a thin StreamedBody: the openai SDK reads a body through `Symbol.asyncIterator` when it has one
 * (`ReadableStreamToAsyncIterable` in openai/internal/shims) and never calls `getReader()` on it, and Heed's
 * own reader of the model's events uses `StreamedBody.forEach`. Every other
 * answer (Slack's JSON, errors) is read whole into a Response that serves its text from memory, so the
 * clients' own handling sees what fetch would give them. Redirects are not followed (neither client wants
 * them: Slack's asks for `redirect: 'error'`, and its client treats any status but 200 as an error).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { finished } from 'node:stream';

/** Idle keep-alive sockets are closed after this long, before a server's usual 5 s closes them under a request. */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** Statuses whose Response must have no body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A streamed answer that broke off before its end (the connection reset or closed mid-body): the
 * counterpart of fetch's `TypeError: terminated`.
 */
export class ResponseCutError extends Error {
  constructor(cause: unknown) {
    super('the response ended before it was complete', { cause });
    this.name = 'ResponseCutError';
  }
}

/** What fetch rejects with, and a stream read throws, once the caller's signal has aborted. */
function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The Node stream's chunks. As with fetch, nothing more is read once the caller has aborted; a failure
 * mid-body is then an abort, else a ResponseCutError.
 */
async function* bodyChunks(response: IncomingMessage, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of response) {
      if (signal?.aborted) throw abortError();
      yield chunk as Buffer;
    }
  } catch (error) {
    throw bodyFailure(error, signal);
  }
}

/** What a failure of the body's stream means to its reader: the caller's abort, or an answer cut short. */
function bodyFailure(error: unknown, signal: AbortSignal | undefined): Error {
  return signal?.aborted ? abortError() : new ResponseCutError(error);
}

/**
 * A streamed answer's body: the Node stream, readable through `Symbol.asyncIterator` as fetch's body is, or
 * more cheaply through {@link StreamedBody.forEach}. An async iterator costs a promise and a turn of the
 * microtask queue per read, and a reader's own async generators as many again: for the model's 60-odd
 * events an answer, about a fifth of Heed's allocation under load went to them (bench/PROFILE.md).
 */
export class StreamedBody implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly response: IncomingMessage,
    private readonly signal: AbortSignal | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return bodyChunks(this.response, this.signal);
  }

  /**
   * Hand each read to `onBytes` as it arrives; resolves at the end of the body. When `onBytes` returns a
   * promise, the stream is paused until it settles. Rejects with the error `onBytes` throws, unchanged; with an
   * AbortError once the caller's signal has aborted; else, if the body breaks off, with a ResponseCutError
   * (after a running `onBytes` has settled, as an iterating reader would see it at its next read).
   */
  forEach(onBytes: (bytes: Uint8Array) => void | Promise<void>): Promise<void> {
    const { response, signal } = this;
    return new Promise<void>((resolve, reject) => {
      let over = false;
      /** The promise of an `onBytes` still running, while the stream waits for it. */
      let busy: Promise<void> | undefined;
      const settle = (error?: unknown): void => {
        if (over) return;
        over = true;
        response.off('data', onData);
        stopWatching();
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      const afterBusy = (error?: unknown): void => {
        if (busy) void busy.then(() => settle(error));
        else settle(error);
      };
      const onData = (bytes: Buffer): void => {
        if (over) return;
        if (signal?.aborted) return settle(abortError());
        let handled: void | Promise<void>;
        try {
          handled = onBytes(bytes);
        } catch (error) {
          return settle(error);
        }
        if (!handled) return;
        response.pause();
        busy = handled.then(
          () => {
            busy = undefined;
            if (!over) response.resume();
          },
          (error: unknown) => {
            busy = undefined;
            settle(error);
          },
        );
      };
      const stopWatching = finished(response, { writable: false }, (error) =>
        afterBusy(error ? bodyFailure(error, signal) : undefined),
      );
      response.on('data', onData);
    });
  }
}

function responseHeaders(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

/**
 * A complete answer held in memory. A Response made from the bytes would wrap them in a WHATWG stream only to
 * read them back out of it; both clients only ever read such an answer whole (text, json, arrayBuffer).
 */
class BufferedResponse extends Response {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  // Fields, not methods: Node's types declare Response's readers as properties.
  override readonly text = (): Promise<string> => Promise.resolve(this.#bytes.toString('utf8'));
  override readonly json = (): Promise<unknown> => this.text().then((text) => JSON.parse(text) as unknown);
  override readonly arrayBuffer = (): Promise<ArrayBuffer> =>
    Promise.resolve(
      this.#bytes.buffer.slice(this.#bytes.byteOffset, this.#bytes.byteOffset + this.#bytes.byteLength) as ArrayBuffer,
    );
  override readonly blob = (): Promise<Blob> => Promise.resolve(new Blob([this.#bytes]));
}

async function wholeBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A keep-alive HTTP client with fetch's signature, for the `fetch` option of the openai SDK and of Slack's
 * Web API client. Idle sockets are unreferenced by Node's agent, so they never hold the process open.
 */
export class HttpTransport {
  private readonly http = new HttpAgent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS });
  private readonly https = new HttpsAgent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS });

  /** fetch(), for the requests the SDK makes: a string or bytes body, or none; anything else goes to Node's fetch. */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    if (input instanceof Request || (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))) {
      return fetch(input, init);
    }
    const url = new URL(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
    const secure = url.protocol === 'https:';
    const options: RequestOptions = { method: init.method ?? 'GET', headers, agent: secure ? this.https : this.http };
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw abortError();
    // The signal is followed by hand rather than passed to http.request. Node would destroy the socket on
    // any abort, also once the whole answer is in, when the socket may already be back in the pool: its
    // error then reaches no listener (an uncaught exception). A complete answer needs no cancelling: its
    // reader stops, and dropping an unread rest closes the connection.
    let answer: IncomingMessage | undefined;
    let release = (): void => undefined;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(url, options, (incoming) => {
        answer = incoming;
        resolve(incoming);
      });
      const cancel = (): void => {
        if (!answer?.complete) request.destroy(abortError());
      };
      release = () => signal?.removeEventListener('abort', cancel);
      signal?.addEventListener('abort', cancel, { once: true });
      // Also after the answer has begun: then the body's reader sees the failure, this call is settled.
      request.on('error', (error) => {
        release();
        reject(error);
      });
      request.end(body ?? undefined);
    });
    response.once('close', release);

    // Whoever reads the body sees its failures; this keeps a body nobody reads from crashing the process.
    response.on('error', () => undefined);
    const meta = {
      status: response.statusCode ?? 0,
      statusText: response.statusMessage ?? '',
      headers: responseHeaders(response),
    };
    const streamed =
      meta.status >= 200 && meta.status < 300 && /^text\/event-stream\b/i.test(meta.headers.get('content-type') ?? '');
    if (!streamed) {
      const bytes = await wholeBody(response).catch((error: unknown) => {
        throw signal?.aborted ? abortError() : error;
      });
      return NULL_BODY_STATUSES.has(meta.status) ? new Response(null, meta) : new BufferedResponse(bytes, meta);
    }
    const result = new Response(null, meta);
    // The Node stream in place of a ReadableStream: see the module comment for why and how the SDK reads it.
    Object.defineProperty(result, 'body', { value: new StreamedBody(response, signal) });
    return result;
  };
}

/**
 * A streamed chat completion's chunks, read from the raw HTTP response. The request, its retries and its
 * HTTP errors stay the openai SDK's; only the server-sent events are decoded here, by eventsource-parser,
 * which works on the decoded text. The SDK's own decoder copies and re-decodes the bytes of every event
 * and cost about 0.4 ms of the main thread per 60-token answer, a tenth of a reply's CPU (bench/PROFILE.md).
 */
import { createParser } from 'eventsource-parser';
import { APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { StreamedBody } from '../http-transport.js';

/** What an OpenAI-compatible server may put in a chunk's place when it fails mid-stream. */
interface StreamedFailure {
  error?: unknown;
}

/** Where {@link readChatChunks} hands what it reads. */
export interface ChunkReader {
  /** Each chunk, in order; a promise returned holds the rest of the stream back until it settles. */
  chunk: (chunk: ChatCompletionChunk) => void | Promise<void>;
  /** The chunks of one read from the server have been handed over, and no `[DONE]` has come. */
  caughtUp?: () => void;
}

/**
 * Hand each chunk of `response`'s event stream to `reader` in order, as the SDK's own stream yields them:
 * `[DONE]` ends it, an event whose JSON carries `error` throws the SDK's `APIError`, data that is not JSON
 * throws its SyntaxError, and what `reader` throws comes out unchanged. A failure aborts `controller`,
 * which ends the request. Pushed rather than iterated: Heed's transport hands each read over without an
 * async iterator, and no generator stands between a read and its chunks (see StreamedBody).
 */
export async function readChatChunks(
  response: Response,
  controller: AbortController,
  reader: ChunkReader,
): Promise<void> {
  const body = response.body as unknown;
  if (!body) throw new Error('the model answered with no body to stream');
  // The parser calls back synchronously from `feed`; the events of one read are handled in order after it
  // returns, so that a failure among them comes after the chunks before it, as it came from the server.
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  const decoder = new TextDecoder();
  let done = false;
  let next = 0;
  let failed = false;
  // The HTTP parser hands over each of the server's chunks as it finds it, several from one socket read:
  // the reader hears it has caught up once all of them are handled (the microtasks run after the read).
  let catchUpQueued = false;
  const catchUp = (): void => {
    catchUpQueued = false;
    if (!done && !failed) reader.caughtUp?.();
  };
  /** Hand over the events parsed so far; asynchronous only from a chunk whose handler is. */
  const handOver = (afterRead: boolean): void | Promise<void> => {
    while (next < events.length) {
      const data = events[next++] as string;
      if (done) continue;
      if (data.startsWith('[DONE]')) {
        done = true;
        continue;
      }
      const chunk = JSON.parse(data) as (ChatCompletionChunk & StreamedFailure) | null;
      if (chunk?.error) throw new APIError(undefined, chunk.error as object, undefined, response.headers);
      // As with the SDK, a chunk of another shape fails where it is read (model_failed).
      const handled = reader.chunk(chunk as ChatCompletionChunk);
      if (handled) return handled.then(() => handOver(afterRead));
    }
    events.length = 0;
    next = 0;
    if (afterRead && !done && !catchUpQueued && reader.caughtUp) {
      catchUpQueued = true;
      queueMicrotask(catchUp);
    }
  };
  // A failure among a read's events cancels the catch-up its earlier events queued.
  const stop = (error: unknown): never => {
    failed = true;
    throw error;
  };
  const onBytes = (bytes: Uint8Array): void | Promise<void> => {
    parser.feed(decoder.decode(bytes, { stream: true }));
    try {
      return handOver(true)?.catch(stop);
    } catch (error) {
      return stop(error);
    }
  };
  let finished = false;
  try {
    // Any other body (a web ReadableStream, from Node's fetch) is async iterable.
    if (body instanceof StreamedBody) await body.forEach(onBytes);
    else for await (const bytes of body as AsyncIterable<Uint8Array>) await onBytes(bytes);
    // A last event the server did not close with a blank line still counts.
    parser.feed(`${decoder.decode()}\n\n`);
    await handOver(false);
    finished = true;
  } finally {
    if (!finished) {
      failed = true;
      controller.abort();
    }
  }
}

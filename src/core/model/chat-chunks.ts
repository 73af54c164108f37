/**
 * A streamed chat completion's chunks, read from the raw HTTP response. The request, its retries and its
 * HTTP errors stay the openai SDK's; only the server-sent events are decoded here, by eventsource-parser,
 * which works on the decoded text. The SDK's own decoder copies and re-decodes the bytes of every event
 * and cost about 0.4 ms of the main thread per 60-token answer, a tenth of a reply's CPU (bench/PROFILE.md).
 */
import { createParser } from 'eventsource-parser';
import { APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';

/** What an OpenAI-compatible server may put in a chunk's place when it fails mid-stream. */
interface StreamedFailure {
  error?: unknown;
}

/**
 * Yield each chunk of `response`'s event stream in order, as the SDK's own stream does: `[DONE]` ends it,
 * an event whose JSON carries `error` throws the SDK's `APIError`, data that is not JSON throws its
 * SyntaxError. Leaving early (a throw in the consumer) aborts `controller`, which ends the request.
 * `onRead`, when given, is called once the chunks of each read have been consumed, unless `[DONE]` came.
 */
export async function* chatChunks(
  response: Response,
  controller: AbortController,
  onRead?: () => void,
): AsyncGenerator<ChatCompletionChunk> {
  if (!response.body) throw new Error('the model answered with no body to stream');
  // The parser calls back synchronously from `feed`; the events of one read are handled in order after it
  // returns, so that a failure among them comes after the chunks before it, as it came from the server.
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  const decoder = new TextDecoder();
  let done = false;
  function* take(): Generator<ChatCompletionChunk> {
    for (const data of events) {
      if (done) break;
      if (data.startsWith('[DONE]')) {
        done = true;
        break;
      }
      const chunk = JSON.parse(data) as (ChatCompletionChunk & StreamedFailure) | null;
      if (chunk?.error) throw new APIError(undefined, chunk.error as object, undefined, response.headers);
      // As with the SDK, a chunk of another shape fails where it is read (model_failed).
      yield chunk as ChatCompletionChunk;
    }
    events.length = 0;
  }
  let finished = false;
  try {
    // Both bodies Heed meets are async iterable: a Node stream (Heed's transport) or a web ReadableStream.
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      yield* take();
      if (!done) onRead?.();
    }
    // A last event the server did not close with a blank line still counts.
    parser.feed(`${decoder.decode()}\n\n`);
    yield* take();
    finished = true;
  } finally {
    if (!finished) controller.abort();
  }
}

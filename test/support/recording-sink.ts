/**
 * A ReplySink that records what the core streamed, for core tests that need no platform.
 */
import type { ReplySink } from '../../src/core/types.js';

export interface RecordingSink extends ReplySink {
  deltas: string[];
  finished?: string;
  failed?: { userMessage: string; partialText: string };
}

/** A sink that records every call; each reply occupies one message id, `reply-<n>`. */
export function recordingSink(messageId = `reply-${Math.random().toString(36).slice(2)}`): RecordingSink {
  const sink: RecordingSink = {
    deltas: [],
    append(delta) {
      sink.deltas.push(delta);
    },
    async finish(fullText) {
      sink.finished = fullText;
      return [messageId];
    },
    async fail(userMessage, partialText) {
      sink.failed = { userMessage, partialText };
      return [messageId];
    },
  };
  return sink;
}

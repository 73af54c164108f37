import type { ReplySink, RewriteSink } from '../core/types.js';

/**
 * A platform's reply sink with its revision's `replace` and `flag` added, for `core.respond`: the same
 * revision that the Rewrite button uses later then serves fix mode and the first flag.
 */
export function withRevision(sink: ReplySink, revision: RewriteSink): ReplySink {
  return {
    append: (delta) => sink.append(delta),
    caughtUp: () => sink.caughtUp?.(),
    finish: (text, applied) => sink.finish(text, applied),
    fail: (message, partial) => sink.fail(message, partial),
    replace: (text, ids) => revision.replace(text, ids),
    flag: (notice) => revision.flag(notice),
  };
}

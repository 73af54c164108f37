/**
 * The "is thinking…" status of an assistant thread, shown only when the reply is slow to start. With
 * a model that answers within {@link THINKING_DELAY_MS} the status would flash for an instant, and it
 * costs an `assistant.threads.setStatus` call per question (two when it has to be cleared again); so
 * it is set only once that long has passed without any text, and cleared only if it was set.
 */
import type { ReplySink } from '../../core/types.js';

/** How long a reply may take to show its first text before the thread shows the status. */
export const THINKING_DELAY_MS = 500;

/** The status of one reply's thread. `settle()` before the first text is written; `clear()` if nothing was posted. */
export class ThinkingStatus {
  private timer: NodeJS.Timeout | undefined;
  private shown: Promise<unknown> | undefined;
  private markSettled: (() => void) | undefined;
  /** What settle() returns: made once, since every delta of the reply settles again. */
  private landed: Promise<unknown> | undefined;
  /** Resolves once `settle()` was called and a status on its way has landed: for the reply's writer to await. */
  readonly settled = new Promise<void>((resolve) => {
    this.markSettled = resolve;
  });

  /** `set` sets the thread's status text; an empty text clears it. It must not throw. */
  constructor(
    private readonly set: (text: string) => Promise<unknown>,
    text: string,
    delayMs = THINKING_DELAY_MS,
  ) {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.shown = set(text);
    }, delayMs);
  }

  /**
   * No status from now on; settles once a status already on its way has landed, so that it never
   * lands after the reply's first text (Slack clears the status when the reply appears).
   */
  settle(): Promise<unknown> {
    // Once settled the timer is gone, so no status can be on its way that the first call did not see.
    if (this.landed) return this.landed;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.landed = (this.shown ?? Promise.resolve()).then(() => undefined);
    void this.landed.then(this.markSettled);
    return this.landed;
  }

  /** Nothing was posted after all: take back a status that was shown. */
  async clear(): Promise<void> {
    await this.settle();
    if (this.shown) await this.set('');
  }

  /** `sink`, settling the status before any text reaches it. */
  guard(sink: ReplySink): ReplySink {
    return {
      append: (delta) => {
        void this.settle();
        return sink.append(delta);
      },
      caughtUp: () => sink.caughtUp?.(),
      finish: (text, applied) => {
        void this.settle();
        return sink.finish(text, applied);
      },
      fail: (message, partial) => {
        void this.settle();
        return sink.fail(message, partial);
      },
    };
  }
}

/**
 * The Discord events being handled right now. Shutdown waits for them (stop taking new events, let the
 * replies in flight finish), and tests await `idle()` instead of sleeping after an event that should
 * change nothing.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Count `work` as in flight until it settles. */
  track(work: Promise<unknown>): void {
    this.running.add(work);
    const done = (): void => {
      this.running.delete(work);
    };
    work.then(done, done);
  }

  /** Resolves once nothing is in flight, including work that started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Wait for `idle()` at most `timeoutMs`; returns how many were still running then. */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    return this.running.size;
  }
}

/**
 * Work in flight: the replies the core is generating, the platform events an adapter is handling.
 * Shutdown waits for them (stop taking new work, let what runs finish), and tests await `idle()`
 * instead of sleeping after an event that should change nothing.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Count `work` as in flight until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = () => {
      this.running.delete(work);
    };
    work.then(done, done);
    return work;
  }

  get size(): number {
    return this.running.size;
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

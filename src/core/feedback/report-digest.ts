/**
 * Automatic reports reach an operators' channel at most once a minute per channel: the first goes out at
 * once, later ones within the minute are held and summarised together in one post when it ends. A burst
 * of misses (a model that ignores a channel rule) is then one message, not a flood.
 */

/** Posts one batch to one channel; failures are the poster's to log. */
export type PostBatch<T> = (channel: string, items: T[]) => Promise<void>;

/** Groups items per channel so that each channel gets at most one post per interval. */
export class ReportDigest<T> {
  private readonly lastPost = new Map<string, number>();
  private readonly held = new Map<string, T[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly posting = new Set<Promise<void>>();

  constructor(
    private readonly post: PostBatch<T>,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Post `item` to `channel` now, or with the next batch if that channel had a post within the interval. */
  add(channel: string, item: T): void {
    const last = this.lastPost.get(channel);
    const current = this.now();
    if (last === undefined || current - last >= this.intervalMs) {
      this.send(channel, [item]);
      return;
    }
    const batch = this.held.get(channel) ?? [];
    batch.push(item);
    this.held.set(channel, batch);
    if (!this.timers.has(channel)) {
      const timer = setTimeout(() => this.release(channel), last + this.intervalMs - current);
      timer.unref();
      this.timers.set(channel, timer);
    }
  }

  /** Post everything held now (shutdown), and wait for posts under way. */
  async flush(): Promise<void> {
    for (const channel of [...this.timers.keys()]) this.release(channel);
    await Promise.allSettled([...this.posting]);
  }

  private release(channel: string): void {
    clearTimeout(this.timers.get(channel));
    this.timers.delete(channel);
    const batch = this.held.get(channel) ?? [];
    this.held.delete(channel);
    if (batch.length > 0) this.send(channel, batch);
  }

  private send(channel: string, items: T[]): void {
    this.lastPost.set(channel, this.now());
    const work = this.post(channel, items).catch(() => undefined);
    this.posting.add(work);
    void work.finally(() => this.posting.delete(work));
  }
}

/**
 * Per-person message rate limit: a sliding one-minute window per platform + workspace + user, kept in
 * memory (a restart forgives everyone, which is the friendly failure). Past the limit the person gets
 * one notice per window, not one per message.
 */

/** What the limiter decided for one message. */
export type RateDecision = 'allow' | 'notify' | 'silent';

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly hits = new Map<string, { times: number[]; notifiedAt: number | null }>();
  private sweptAt: number;

  /**
   * @param perMinute messages allowed per person per minute; 0 turns the limit off.
   * @param now clock, injectable for tests.
   */
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweptAt = now();
  }

  /** Count one message from `key` and decide whether it may be answered. */
  check(key: string): RateDecision {
    if (this.perMinute <= 0) return 'allow';
    const now = this.now();
    // At most once a window, forget people who have been quiet for a whole window.
    if (now - this.sweptAt >= WINDOW_MS) this.sweep(now);
    const entry = this.hits.get(key) ?? { times: [], notifiedAt: null };
    entry.times = entry.times.filter((time) => now - time < WINDOW_MS);
    if (entry.notifiedAt !== null && now - entry.notifiedAt >= WINDOW_MS) entry.notifiedAt = null;
    this.hits.set(key, entry);
    if (entry.times.length < this.perMinute) {
      entry.times.push(now);
      return 'allow';
    }
    if (entry.notifiedAt === null) {
      entry.notifiedAt = now;
      return 'notify';
    }
    return 'silent';
  }

  /** People being tracked: those who wrote within about the last two windows. */
  get size(): number {
    return this.hits.size;
  }

  /** True when the next `check` of `key` would not allow a message; counts nothing. */
  isLimited(key: string): boolean {
    if (this.perMinute <= 0) return false;
    const now = this.now();
    const times = this.hits.get(key)?.times ?? [];
    return times.filter((time) => now - time < WINDOW_MS).length >= this.perMinute;
  }

  /** Drop idle people so the map does not grow without bound. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, entry] of this.hits) {
      const idle = entry.times.every((time) => now - time >= WINDOW_MS);
      const noticeOver = entry.notifiedAt === null || now - entry.notifiedAt >= WINDOW_MS;
      if (idle && noticeOver) this.hits.delete(key);
    }
  }
}

/**
 * Per-person message rate limit: a sliding one-minute window per platform + workspace + user, counted
 * in the database so that every replica on it sees the same count (and a restart forgives nobody).
 * Past the limit the person gets one notice per window, not one per message.
 */
import type { SqlExecutor } from '../storage/sql.js';
import type { PersonRef } from '../types.js';

/** What the limiter decided for one message. */
export type RateDecision = 'allow' | 'notify' | 'silent';

const WINDOW_MS = 60_000;

export class RateLimiter {
  private sweptAt: number;

  /**
   * @param sql where the counts live (shared by every replica on that database).
   * @param perMinute messages allowed per person per minute; 0 turns the limit off.
   * @param now clock, injectable for tests.
   */
  constructor(
    private readonly sql: SqlExecutor,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweptAt = now();
  }

  /** Count one message from `key` and decide whether it may be answered. */
  async check(key: string): Promise<RateDecision> {
    if (this.perMinute <= 0) return 'allow';
    const now = this.now();
    const since = now - WINDOW_MS;
    if (since >= this.sweptAt) await this.sweep(now);
    if (this.sql.dialect === 'sqlite') {
      // One statement counts and records under SQLite's write lock, so no transaction is needed, and it
      // commits at once: a transaction's commit waits for the end of the event loop's turn (group commit),
      // a wait every reply would pay before the model is asked. Over the limit, the transaction below decides.
      const counted = await this.sql.run(
        `INSERT INTO rate_hits (person_key, hit_at)
         SELECT @key, @now WHERE (SELECT COUNT(*) FROM rate_hits WHERE person_key = @key AND hit_at > @since) < @limit`,
        { key, now, since, limit: this.perMinute },
      );
      if (counted.changes === 1) return 'allow';
    }
    return this.sql.transaction(async (tx) => {
      // Two replicas counting the same person at once must not both see room for one more message.
      // SQLite's transaction already holds the only write lock; PostgreSQL locks this person alone.
      if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(hashtext(@key))', { key });
      const hits = await this.count(tx, key, since);
      if (hits < this.perMinute) {
        await tx.run('INSERT INTO rate_hits (person_key, hit_at) VALUES (@key, @now)', { key, now });
        return 'allow';
      }
      // The notice goes to the first message over the limit in a window; a notice older than a window is over.
      const noticed = await tx.run(
        `INSERT INTO rate_notices (person_key, notified_at) VALUES (@key, @now)
         ON CONFLICT (person_key) DO UPDATE SET notified_at = excluded.notified_at
           WHERE rate_notices.notified_at <= @since`,
        { key, now, since },
      );
      return noticed.changes === 1 ? 'notify' : 'silent';
    });
  }

  /** True when the next `check` of `key` would not allow a message; counts nothing. */
  async isLimited(key: string): Promise<boolean> {
    if (this.perMinute <= 0) return false;
    return (await this.count(this.sql, key, this.now() - WINDOW_MS)) >= this.perMinute;
  }

  private async count(sql: SqlExecutor, key: string, since: number): Promise<number> {
    return (
      (await sql.value<number>('SELECT COUNT(*) FROM rate_hits WHERE person_key = @key AND hit_at > @since', {
        key,
        since,
      })) ?? 0
    );
  }

  /** At most once a window (per process), forget hits and notices a whole window old. */
  private async sweep(now: number): Promise<void> {
    this.sweptAt = now;
    const since = now - WINDOW_MS;
    await this.sql.transaction(async (tx) => {
      await tx.run('DELETE FROM rate_hits WHERE hit_at <= @since', { since });
      await tx.run('DELETE FROM rate_notices WHERE notified_at <= @since', { since });
    });
  }
}

/** Whom a count belongs to: one person on one platform and workspace. */
export function rateKey(person: PersonRef): string {
  return `${person.platform}:${person.workspaceId}:${person.userId}`;
}

/** forget-me: the person's recent message times and notice go too (they carry the person's id). */
export async function forgetRateCounts(sql: SqlExecutor, person: PersonRef): Promise<void> {
  const key = rateKey(person);
  await sql.run('DELETE FROM rate_hits WHERE person_key = @key', { key });
  await sql.run('DELETE FROM rate_notices WHERE person_key = @key', { key });
}

/**
 * When to start a Discord shard that died. Each start identifies with the gateway, and Discord allows a bot
 * 1,000 identifies a day before it resets the token: a shard that crashes as soon as it starts must not be
 * restarted in a tight loop. The first restart waits the spawn delay (identifies stay DISCORD_SHARD_SPAWN_DELAY_MS
 * apart); each further death soon after a start doubles the wait, up to five minutes; a shard that ran for
 * five minutes before dying counts as healthy again.
 */

/** The longest wait before a restart. */
export const MAX_RESPAWN_DELAY_MS = 5 * 60_000;
/** A shard that ran this long before dying starts again after the first delay. */
export const HEALTHY_RUN_MS = 5 * 60_000;
/** The first doubling starts from at least this, so a spawn delay of 0 still backs off. */
const MIN_BACKOFF_MS = 1_000;

/** One shard's restart schedule. */
export class RespawnDelay {
  /** Deaths in a row, each soon after its start. */
  private deaths = 0;
  private startedAt: number;

  constructor(
    /** DISCORD_SHARD_SPAWN_DELAY_MS: the wait before the first restart. */
    private readonly firstMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** The shard's process started (again). */
  started(): void {
    this.startedAt = this.now();
  }

  /** The shard's process died: how long to wait before starting it again. */
  died(): number {
    if (this.now() - this.startedAt >= HEALTHY_RUN_MS) this.deaths = 0;
    const wait =
      this.deaths === 0 ? this.firstMs : Math.max(this.firstMs, MIN_BACKOFF_MS) * 2 ** Math.min(this.deaths, 20);
    this.deaths++;
    return Math.min(wait, MAX_RESPAWN_DELAY_MS);
  }
}

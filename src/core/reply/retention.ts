/**
 * Retention: snapshots of replies nobody reported, and old message claims, are purged after
 * REPLY_RETENTION_DAYS; reported snapshots are kept. Runs at start and every six hours.
 */
import type { Logger } from '../logger.js';
import type { MessageClaims, ReplyLog } from '../storage/index.js';

const PURGE_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** The periodic purge of one core's storage. */
export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly replies: ReplyLog,
    private readonly claims: MessageClaims,
    private readonly days: number,
    private readonly logger: Logger,
  ) {}

  /** Purge now (resolves when done) and then every six hours, without keeping the process alive. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.timer.unref();
    await this.purge();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One purge; a database failure is logged, never thrown. */
  async purge(): Promise<void> {
    try {
      const replies = await this.replies.purgeUnreported(this.days);
      const claims = await this.claims.purge(this.days);
      if (replies + claims > 0) this.logger.info({ replies, claims }, 'purged old unreported snapshots');
    } catch (error) {
      this.logger.error({ err: error }, 'purging old snapshots failed');
    }
  }
}

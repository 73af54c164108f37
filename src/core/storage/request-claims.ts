import type { Logger } from '../logger.js';
import type { SqlExecutor } from './sql.js';

/** A platform request that must run at most once (a slash command, a button click, a modal submit). */
export interface RequestRef {
  platform: string;
  workspaceId: string;
  /** The id the platform gives the invocation and repeats in any replayed copy (Slack: `trigger_id`). */
  requestId: string;
}

/** How long a claim is kept: far past the 5-minute window in which a signed request is accepted. */
const KEEP_MS = 86_400_000;
/** Purging on every claim would cost a write per request; once a minute is plenty. */
const PURGE_EVERY_MS = 60_000;

/**
 * The persisted dedupe of requests: the first `claim` of an id wins; every later one (a replay, a
 * second process) is refused. Survives restarts, since a replay may come after one.
 */
export class RequestClaims {
  private lastPurge = 0;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date,
    private readonly logger: Logger,
  ) {}

  /**
   * True for the first claim of this request; false when it was claimed before. Never throws: a
   * database that cannot record the claim cannot run the command either, and says so itself then.
   */
  async claim(request: RequestRef): Promise<boolean> {
    try {
      return await this.record(request);
    } catch (error) {
      this.logger.error({ err: error }, 'could not record a request claim');
      return true;
    }
  }

  private async record(request: RequestRef): Promise<boolean> {
    const now = this.now();
    if (now.getTime() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = now.getTime();
      await this.sql.run('DELETE FROM request_claims WHERE claimed_at < @cutoff', {
        cutoff: new Date(now.getTime() - KEEP_MS).toISOString(),
      });
    }
    const { platform, workspaceId, requestId } = request;
    const { changes } = await this.sql.run(
      `INSERT INTO request_claims (platform, workspace_id, request_id, claimed_at)
       VALUES (@platform, @workspaceId, @requestId, @now) ON CONFLICT DO NOTHING`,
      { platform, workspaceId, requestId, now: now.toISOString() },
    );
    return changes === 1;
  }
}

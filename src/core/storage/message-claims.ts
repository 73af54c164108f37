import type { MessageRef } from '../types.js';
import type { SqlExecutor } from './sql.js';
import { daysBefore } from './time.js';

type RefParams = {
  platform: string;
  workspaceId: string;
  channelId: string;
  messageId: string;
};

const REF =
  'platform = @platform AND workspace_id = @workspaceId AND channel_id = @channelId AND message_id = @messageId';

/** How long a claim stays its owner's without renewal, unless configured. */
export const DEFAULT_CLAIM_LEASE_MS = 30_000;

/**
 * The persisted dedupe of incoming messages: one row per message Heed has taken on, so that a
 * platform's retry, a twin event (Slack `message` + `app_mention`) or another replica never answers
 * the same message twice. A claim in flight carries its owner's lease, which the owner renews while it
 * works ({@link MessageClaims.renew}); a claim whose lease ran out belongs to a dead process and is
 * taken over by whichever replica receives the message again. A live owner's claim is never taken.
 */
export class MessageClaims {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
    /** How long a claim holds without renewal. */
    readonly leaseMs: number = DEFAULT_CLAIM_LEASE_MS,
  ) {}

  /** The same store, with the same clock and lease, on another executor (a transaction's). */
  on(sql: SqlExecutor): MessageClaims {
    return new MessageClaims(sql, this.now, this.leaseMs);
  }

  /**
   * Take on a message. `claimed` when it is new or its previous owner's lease ran out (or it was
   * marked `abandoned` by an older Heed); `duplicate` when it is done, or in flight under a live lease.
   */
  async claim(ref: MessageRef, owner: string): Promise<'claimed' | 'duplicate'> {
    const now = this.now();
    // A single upsert is atomic across connections: of two concurrent deliveries exactly one inserts
    // (or takes over an expired row); the other hits the conflict with the WHERE false and changes nothing.
    // A claim without a lease was written before leases existed, by a process that is gone.
    const { changes } = await this.sql.run(
      `INSERT INTO message_claims
         (platform, workspace_id, channel_id, message_id, owner, status, reply_id, claimed_at, completed_at, lease_until)
       VALUES (@platform, @workspaceId, @channelId, @messageId, @owner, 'in_flight', NULL, @now, NULL, @leaseUntil)
       ON CONFLICT (platform, workspace_id, channel_id, message_id) DO UPDATE
         SET owner = excluded.owner, status = 'in_flight', reply_id = NULL, claimed_at = excluded.claimed_at,
             completed_at = NULL, lease_until = excluded.lease_until
         WHERE message_claims.status = 'abandoned'
            OR (message_claims.status = 'in_flight'
                AND (message_claims.lease_until IS NULL OR message_claims.lease_until < @now))`,
      { ...refParams(ref), owner, now: now.toISOString(), leaseUntil: this.leaseFrom(now) },
    );
    return changes === 1 ? 'claimed' : 'duplicate';
  }

  /** True when the message is being answered under a live lease, or was answered: a claim now would be a duplicate. */
  async isTaken(ref: MessageRef): Promise<boolean> {
    const taken = await this.sql.value(
      `SELECT 1 FROM message_claims WHERE ${REF}
         AND (status = 'done' OR (status = 'in_flight' AND lease_until >= @now))`,
      { ...refParams(ref), now: this.now().toISOString() },
    );
    return taken !== undefined;
  }

  /**
   * Extend the lease of every claim `owner` still has in flight, in one statement. Returns how many were
   * renewed and until when.
   */
  async renew(owner: string): Promise<{ renewed: number; until: string }> {
    const until = this.leaseFrom(this.now());
    const { changes } = await this.sql.run(
      `UPDATE message_claims SET lease_until = @until WHERE owner = @owner AND status = 'in_flight'`,
      { owner, until },
    );
    return { renewed: changes, until };
  }

  /**
   * Mark the message answered (`done`), with the reply's id if one was stored. Its lease is over: not kept.
   * Only `owner`'s claim in flight is completed: false when another replica took the message over after this
   * owner's lease ran out (a stalled process), whose claim and reply id stay as they are.
   */
  async complete(ref: MessageRef, replyId: string | null, owner: string): Promise<boolean> {
    const { changes } = await this.sql.run(
      `UPDATE message_claims SET status = 'done', reply_id = @replyId, completed_at = @now, lease_until = NULL
        WHERE ${REF} AND owner = @owner AND status = 'in_flight'`,
      {
        ...refParams(ref),
        replyId,
        owner,
        now: this.now().toISOString(),
      },
    );
    return changes === 1;
  }

  /**
   * Forget `owner`'s claim in flight so that a redelivery of the message is answered. Only for failures
   * where an answer is still owed; a deliberate refusal (such as a rate limit) keeps its claim. A claim
   * another replica has taken over since is theirs, and stays.
   */
  async release(ref: MessageRef, owner: string): Promise<void> {
    await this.sql.run(`DELETE FROM message_claims WHERE ${REF} AND owner = @owner AND status = 'in_flight'`, {
      ...refParams(ref),
      owner,
    });
  }

  /** Delete claims made more than `olderThanDays` days ago. Returns how many were deleted. */
  async purge(olderThanDays: number): Promise<number> {
    const { changes } = await this.sql.run('DELETE FROM message_claims WHERE claimed_at < @cutoff', {
      cutoff: daysBefore(this.now(), olderThanDays),
    });
    return changes;
  }

  private leaseFrom(now: Date): string {
    return new Date(now.getTime() + this.leaseMs).toISOString();
  }
}

function refParams(ref: MessageRef): RefParams {
  return { platform: ref.platform, workspaceId: ref.workspaceId, channelId: ref.channelId, messageId: ref.messageId };
}

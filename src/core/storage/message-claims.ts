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

/**
 * The persisted dedupe of incoming messages: one row per message Heed has taken on, so that a
 * platform's retry, a twin event (Slack `message` + `app_mention`) or a second process never answers
 * the same message twice.
 */
export class MessageClaims {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The same store, with the same clock, on another executor (a transaction's). */
  on(sql: SqlExecutor): MessageClaims {
    return new MessageClaims(sql, this.now);
  }

  /**
   * Take on a message. `claimed` when it is new or its previous owner died mid-way (status
   * `abandoned`); `duplicate` when it is in flight or done elsewhere.
   */
  async claim(ref: MessageRef, owner: string): Promise<'claimed' | 'duplicate'> {
    // A single upsert is atomic across connections: of two concurrent deliveries exactly one inserts
    // (or takes over an abandoned row); the other hits the conflict with the WHERE false and changes nothing.
    const { changes } = await this.sql.run(
      `INSERT INTO message_claims (platform, workspace_id, channel_id, message_id, owner, status, reply_id, claimed_at, completed_at)
       VALUES (@platform, @workspaceId, @channelId, @messageId, @owner, 'in_flight', NULL, @now, NULL)
       ON CONFLICT (platform, workspace_id, channel_id, message_id) DO UPDATE
         SET owner = excluded.owner, status = 'in_flight', reply_id = NULL, claimed_at = excluded.claimed_at, completed_at = NULL
         WHERE message_claims.status = 'abandoned'`,
      { ...refParams(ref), owner, now: this.now().toISOString() },
    );
    return changes === 1 ? 'claimed' : 'duplicate';
  }

  /** True when the message is being answered or was answered: a claim now would be a duplicate. */
  async isTaken(ref: MessageRef): Promise<boolean> {
    const taken = await this.sql.value(
      `SELECT 1 FROM message_claims WHERE ${REF} AND status <> 'abandoned'`,
      refParams(ref),
    );
    return taken !== undefined;
  }

  /** Mark the message answered (`done`), with the reply's id if one was stored. */
  async complete(ref: MessageRef, replyId: string | null): Promise<void> {
    await this.sql.run(
      `UPDATE message_claims SET status = 'done', reply_id = @replyId, completed_at = @now WHERE ${REF}`,
      {
        ...refParams(ref),
        replyId,
        now: this.now().toISOString(),
      },
    );
  }

  /**
   * Forget the claim so that a redelivery of the message is answered. Only for failures where an
   * answer is still owed; a deliberate refusal (such as a rate limit) keeps its claim.
   */
  async release(ref: MessageRef): Promise<void> {
    await this.sql.run(`DELETE FROM message_claims WHERE ${REF}`, refParams(ref));
  }

  /**
   * At start-up: mark other owners' unfinished claims `abandoned`, so that a redelivery of those
   * messages is answered. The caller's own owner id is left alone. Returns how many were marked.
   */
  async abandonInFlight(exceptOwner: string): Promise<number> {
    const { changes } = await this.sql.run(
      `UPDATE message_claims SET status = 'abandoned' WHERE status = 'in_flight' AND owner <> @owner`,
      { owner: exceptOwner },
    );
    return changes;
  }

  /** Delete claims made more than `olderThanDays` days ago. Returns how many were deleted. */
  async purge(olderThanDays: number): Promise<number> {
    const { changes } = await this.sql.run('DELETE FROM message_claims WHERE claimed_at < @cutoff', {
      cutoff: daysBefore(this.now(), olderThanDays),
    });
    return changes;
  }
}

function refParams(ref: MessageRef): RefParams {
  return { platform: ref.platform, workspaceId: ref.workspaceId, channelId: ref.channelId, messageId: ref.messageId };
}

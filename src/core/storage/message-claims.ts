import type { MessageRef } from '../types.js';
import type { Database } from './database.js';
import { daysBefore } from './time.js';

interface RefParams {
  platform: string;
  workspaceId: string;
  channelId: string;
  messageId: string;
}

const REF =
  'platform = @platform AND workspace_id = @workspaceId AND channel_id = @channelId AND message_id = @messageId';

/**
 * The persisted dedupe of incoming messages: one row per message Heed has taken on, so that a
 * platform's retry, a twin event (Slack `message` + `app_mention`) or a second process never answers
 * the same message twice.
 */
export class MessageClaims {
  private readonly claimStmt;
  private readonly completeStmt;
  private readonly releaseStmt;
  private readonly takenStmt;
  private readonly abandonStmt;
  private readonly purgeStmt;

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    // A single upsert is atomic across connections: of two concurrent deliveries exactly one inserts
    // (or takes over an abandoned row); the other hits the conflict with the WHERE false and changes nothing.
    this.claimStmt = db.prepare<RefParams & { owner: string; now: string }>(
      `INSERT INTO message_claims (platform, workspace_id, channel_id, message_id, owner, status, reply_id, claimed_at, completed_at)
       VALUES (@platform, @workspaceId, @channelId, @messageId, @owner, 'in_flight', NULL, @now, NULL)
       ON CONFLICT (platform, workspace_id, channel_id, message_id) DO UPDATE
         SET owner = excluded.owner, status = 'in_flight', reply_id = NULL, claimed_at = excluded.claimed_at, completed_at = NULL
         WHERE message_claims.status = 'abandoned'`,
    );
    this.completeStmt = db.prepare<RefParams & { replyId: string | null; now: string }>(
      `UPDATE message_claims SET status = 'done', reply_id = @replyId, completed_at = @now WHERE ${REF}`,
    );
    this.releaseStmt = db.prepare<RefParams>(`DELETE FROM message_claims WHERE ${REF}`);
    this.takenStmt = db
      .prepare<RefParams>(`SELECT 1 FROM message_claims WHERE ${REF} AND status <> 'abandoned'`)
      .pluck();
    this.abandonStmt = db.prepare<{ owner: string }>(
      `UPDATE message_claims SET status = 'abandoned' WHERE status = 'in_flight' AND owner <> @owner`,
    );
    this.purgeStmt = db.prepare<{ cutoff: string }>('DELETE FROM message_claims WHERE claimed_at < @cutoff');
  }

  /**
   * Take on a message. `claimed` when it is new or its previous owner died mid-way (status
   * `abandoned`); `duplicate` when it is in flight or done elsewhere.
   */
  claim(ref: MessageRef, owner: string): 'claimed' | 'duplicate' {
    const { changes } = this.claimStmt.run({ ...refParams(ref), owner, now: this.now().toISOString() });
    return changes === 1 ? 'claimed' : 'duplicate';
  }

  /** True when the message is being answered or was answered: a claim now would be a duplicate. */
  isTaken(ref: MessageRef): boolean {
    return this.takenStmt.get(refParams(ref)) !== undefined;
  }

  /** Mark the message answered (`done`), with the reply's id if one was stored. */
  complete(ref: MessageRef, replyId: string | null): void {
    this.completeStmt.run({ ...refParams(ref), replyId, now: this.now().toISOString() });
  }

  /**
   * Forget the claim so that a redelivery of the message is answered. Only for failures where an
   * answer is still owed; a deliberate refusal (such as a rate limit) keeps its claim.
   */
  release(ref: MessageRef): void {
    this.releaseStmt.run(refParams(ref));
  }

  /**
   * At start-up: mark other owners' unfinished claims `abandoned`, so that a redelivery of those
   * messages is answered. The caller's own owner id is left alone. Returns how many were marked.
   */
  abandonInFlight(exceptOwner: string): number {
    return this.abandonStmt.run({ owner: exceptOwner }).changes;
  }

  /** Delete claims made more than `olderThanDays` days ago. Returns how many were deleted. */
  purge(olderThanDays: number): number {
    return this.purgeStmt.run({ cutoff: daysBefore(this.now(), olderThanDays) }).changes;
  }
}

function refParams(ref: MessageRef): RefParams {
  return { platform: ref.platform, workspaceId: ref.workspaceId, channelId: ref.channelId, messageId: ref.messageId };
}

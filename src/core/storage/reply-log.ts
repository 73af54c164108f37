import type { ChatMessage } from '../prompt/chat-message.js';
import type { ChannelRef, MessageRef, PersonRef, Platform } from '../types.js';
import type { SqlExecutor } from './sql.js';
import { idsBefore, newId } from './ids.js';
import { planPieces, SnapshotPieces } from './snapshot-pieces.js';
import { daysBefore } from './time.js';

/** The version of each layer a reply used; null where the layer was not set (or paused). */
export interface InstructionVersions {
  workspace: number | null;
  channel: number | null;
  user: number | null;
}

/**
 * The versions as stored with a reply: only the layers that were in force. Most replies have none, and
 * the text is stored twice (the row and the dashboard's covering index), so `{}` rather than three nulls.
 */
function storedVersions(versions: InstructionVersions): string {
  const inForce: Partial<InstructionVersions> = {};
  for (const layer of ['workspace', 'channel', 'user'] as const) {
    const version = versions[layer];
    if (version !== null) inForce[layer] = version;
  }
  return JSON.stringify(inForce);
}

/** The versions a stored reply names; a layer left out (or stored as null by an earlier Heed) was not in force. */
export function versionsFrom(json: string): InstructionVersions {
  const stored = JSON.parse(json) as Partial<InstructionVersions>;
  return { workspace: stored.workspace ?? null, channel: stored.channel ?? null, user: stored.user ?? null };
}

/** Everything needed to reproduce one reply exactly: where, for whom, with which instructions, model and messages. */
export interface ReplySnapshot {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  threadId?: string;
  /** The message that was answered. */
  sourceMessageId: string;
  askerId: string;
  model: string;
  params: Record<string, unknown>;
  /** The version of each layer used, e.g. `{ user: 4, channel: null, workspace: 2 }`. */
  instructionVersions: InstructionVersions;
  /** The full list sent to the model, system prompt included. */
  messages: ChatMessage[];
  replyText: string;
  status: 'complete' | 'partial' | 'failed';
  error?: string;
  latencyMs: number;
  firstTokenMs?: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** A stored snapshot with its id and the platform message ids the reply occupies. */
export interface ReplyRecord extends ReplySnapshot {
  id: string;
  createdAt: string;
  /** In the order they were recorded. */
  messageIds: string[];
}

type ReplyRow = {
  id: string;
  platform: string;
  workspace_id: string;
  channel_id: string;
  thread_id: string | null;
  source_message_id: string;
  asker_id: string;
  model: string;
  params_json: string;
  instruction_versions_json: string;
  messages_json: string;
  reply_text: string;
  status: ReplySnapshot['status'];
  error: string | null;
  latency_ms: number;
  first_token_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: string;
};

type PersonParams = {
  platform: string;
  workspaceId: string;
  userId: string;
};

const BY_ASKER = 'platform = @platform AND workspace_id = @workspaceId AND asker_id = @userId';

/** Snapshots of every reply Heed posted (`replies`) and the platform messages each occupies (`reply_messages`). */
export class ReplyLog {
  private readonly pieces: SnapshotPieces;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.pieces = new SnapshotPieces(sql);
  }

  /** The same store, with the same clock, on another executor (a transaction's). */
  on(sql: SqlExecutor): ReplyLog {
    return new ReplyLog(sql, this.now);
  }

  /**
   * Store a reply's snapshot and the platform message ids it was posted as (all in the snapshot's
   * channel), in one transaction, with `alsoInTransaction`'s writes (what shaped the reply, its claim).
   * Returns the new reply id.
   */
  async record(
    snapshot: ReplySnapshot,
    messageIds: string[],
    alsoInTransaction?: (tx: SqlExecutor, replyId: string) => Promise<void>,
  ): Promise<string> {
    const createdAt = this.now();
    const row: Omit<ReplyRow, 'messages_json'> = {
      id: newId(createdAt),
      platform: snapshot.platform,
      workspace_id: snapshot.workspaceId,
      channel_id: snapshot.channelId,
      thread_id: snapshot.threadId ?? null,
      source_message_id: snapshot.sourceMessageId,
      asker_id: snapshot.askerId,
      model: snapshot.model,
      params_json: JSON.stringify(snapshot.params),
      instruction_versions_json: storedVersions(snapshot.instructionVersions),
      reply_text: snapshot.replyText,
      status: snapshot.status,
      error: snapshot.error ?? null,
      latency_ms: snapshot.latencyMs,
      first_token_ms: snapshot.firstTokenMs ?? null,
      prompt_tokens: snapshot.promptTokens ?? null,
      completion_tokens: snapshot.completionTokens ?? null,
      created_at: createdAt.toISOString(),
    };
    // An adapter that reports the same message twice must not make the whole snapshot fail.
    const uniqueIds = [...new Set(messageIds)];
    await this.sql.transaction(async (tx) => {
      const { json: messagesJson, pieces } = planPieces(snapshot.messages);
      await tx.run(
        `INSERT INTO replies (id, platform, workspace_id, channel_id, thread_id, source_message_id, asker_id, model,
           params_json, instruction_versions_json, messages_json, reply_text, status, error, latency_ms, first_token_ms,
           prompt_tokens, completion_tokens, created_at)
         VALUES (@id, @platform, @workspace_id, @channel_id, @thread_id, @source_message_id, @asker_id, @model,
           @params_json, @instruction_versions_json, @messages_json, @reply_text, @status, @error, @latency_ms, @first_token_ms,
           @prompt_tokens, @completion_tokens, @created_at)`,
        { ...row, messages_json: messagesJson },
      );
      for (const messageId of uniqueIds) {
        await tx.run(
          'INSERT INTO reply_messages (platform, workspace_id, channel_id, message_id, reply_id) VALUES (?, ?, ?, ?, ?)',
          [row.platform, row.workspace_id, row.channel_id, messageId, row.id],
        );
      }
      if (alsoInTransaction) await alsoInTransaction(tx, row.id);
      // Pieces are counted in the reply's transaction (a failed insert leaves no reference counted), and
      // last: the lock on a piece every reply shares is then held for one statement and the commit.
      await new SnapshotPieces(tx).acquire(pieces);
    });
    return row.id;
  }

  /** The reply that occupies this platform message, if it is one of Heed's. */
  async findByMessage(ref: MessageRef): Promise<ReplyRecord | undefined> {
    const row = await this.sql.get<ReplyRow>(
      `SELECT r.* FROM reply_messages m JOIN replies r ON r.id = m.reply_id
        WHERE m.platform = ? AND m.workspace_id = ? AND m.channel_id = ? AND m.message_id = ?`,
      [ref.platform, ref.workspaceId, ref.channelId, ref.messageId],
    );
    return row && this.toRecord(row);
  }

  /** A reply by id. */
  async get(id: string): Promise<ReplyRecord | undefined> {
    const row = await this.sql.get<ReplyRow>('SELECT * FROM replies WHERE id = ?', [id]);
    return row && this.toRecord(row);
  }

  /** True when Heed has stored a reply posted in that thread. */
  async hasThread(channel: ChannelRef, threadId: string): Promise<boolean> {
    const found = await this.sql.value(
      'SELECT 1 FROM replies WHERE platform = ? AND workspace_id = ? AND channel_id = ? AND thread_id = ? LIMIT 1',
      [channel.platform, channel.workspaceId, channel.channelId, threadId],
    );
    return found !== undefined;
  }

  /**
   * Replace the messages stored for a reply (a redaction, say), keeping pieces shared with other replies
   * intact and deleting those no reply names any more. False when there is no such reply.
   */
  async rewriteMessages(id: string, messages: ChatMessage[]): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      if ((await tx.value('SELECT 1 FROM replies WHERE id = ?', [id])) === undefined) return false;
      // New pieces are counted before the update, whose trigger then releases the old ones: a piece in both stays.
      const messagesJson = await new SnapshotPieces(tx).store(messages);
      await tx.run('UPDATE replies SET messages_json = ? WHERE id = ?', [messagesJson, id]);
      return true;
    });
  }

  /** Delete replies older than `olderThanDays` days that have no reports. Returns how many were deleted. */
  async purgeUnreported(olderThanDays: number): Promise<number> {
    // Reports hold a foreign key to their reply without cascade, so a reported reply could not be
    // deleted anyway; the NOT EXISTS makes the purge skip them instead of failing.
    // Ids sort by creation time: the primary key finds the old replies (no index on created_at to keep up).
    const { changes } = await this.sql.run(
      `DELETE FROM replies
        WHERE id < @before
          AND NOT EXISTS (SELECT 1 FROM reports WHERE reports.reply_id = replies.id)`,
      { before: idsBefore(new Date(daysBefore(this.now(), olderThanDays))) },
    );
    return changes;
  }

  /** Delete every reply the person asked for, with the reports filed on them. Returns how many replies were deleted. */
  async forgetAsker(person: PersonRef): Promise<number> {
    const params: PersonParams = { platform: person.platform, workspaceId: person.workspaceId, userId: person.userId };
    return this.sql.transaction(async (tx) => {
      await tx.run(`DELETE FROM reports WHERE reply_id IN (SELECT id FROM replies WHERE ${BY_ASKER})`, params);
      return (await tx.run(`DELETE FROM replies WHERE ${BY_ASKER}`, params)).changes;
    });
  }

  /** The platform message ids of a reply, in the order they were recorded. */
  private async messageIds(replyId: string): Promise<string[]> {
    // SQLite numbers rows in insertion order; PostgreSQL has no rowid, and a reply's messages were posted
    // one after another, so their platform ids (Slack timestamps, Discord snowflakes) sort the same way.
    const order = this.sql.dialect === 'sqlite' ? 'rowid' : 'length(message_id), message_id';
    const rows = await this.sql.all<{ message_id: string }>(
      `SELECT message_id FROM reply_messages WHERE reply_id = ? ORDER BY ${order}`,
      [replyId],
    );
    return rows.map((row) => row.message_id);
  }

  private async toRecord(row: ReplyRow): Promise<ReplyRecord> {
    const record: ReplyRecord = {
      id: row.id,
      createdAt: row.created_at,
      messageIds: await this.messageIds(row.id),
      platform: row.platform as Platform,
      workspaceId: row.workspace_id,
      channelId: row.channel_id,
      sourceMessageId: row.source_message_id,
      askerId: row.asker_id,
      model: row.model,
      params: JSON.parse(row.params_json) as Record<string, unknown>,
      instructionVersions: versionsFrom(row.instruction_versions_json),
      messages: await this.pieces.load(row.messages_json),
      replyText: row.reply_text,
      status: row.status,
      latencyMs: row.latency_ms,
    };
    // Optional fields are left out rather than set to undefined, so a record reads like the snapshot it came from.
    if (row.thread_id !== null) record.threadId = row.thread_id;
    if (row.error !== null) record.error = row.error;
    if (row.first_token_ms !== null) record.firstTokenMs = row.first_token_ms;
    if (row.prompt_tokens !== null) record.promptTokens = row.prompt_tokens;
    if (row.completion_tokens !== null) record.completionTokens = row.completion_tokens;
    return record;
  }
}

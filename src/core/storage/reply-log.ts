import type { ChatMessage } from '../prompt/chat-message.js';
import type { ChannelRef, MessageRef, PersonRef, Platform } from '../types.js';
import type { Database } from './database.js';
import { newId } from './ids.js';
import { SnapshotPieces } from './snapshot-pieces.js';
import { daysBefore } from './time.js';

/** The version of each layer a reply used; null where the layer was not set (or paused). */
export interface InstructionVersions {
  workspace: number | null;
  channel: number | null;
  user: number | null;
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

interface ReplyRow {
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
}

interface PersonParams {
  platform: string;
  workspaceId: string;
  userId: string;
}

const BY_ASKER = 'platform = @platform AND workspace_id = @workspaceId AND asker_id = @userId';

/** Snapshots of every reply Heed posted (`replies`) and the platform messages each occupies (`reply_messages`). */
export class ReplyLog {
  private readonly insertReplyStmt;
  private readonly insertMessageStmt;
  private readonly getStmt;
  private readonly messageIdsStmt;
  private readonly findByMessageStmt;
  private readonly inThreadStmt;
  private readonly purgeStmt;
  private readonly forgetReportsStmt;
  private readonly forgetRepliesStmt;
  private readonly recordTx;
  private readonly forgetTx;
  private readonly rewriteTx;
  private readonly pieces: SnapshotPieces;

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.pieces = new SnapshotPieces(db);
    this.insertReplyStmt = db.prepare<ReplyRow>(
      `INSERT INTO replies (id, platform, workspace_id, channel_id, thread_id, source_message_id, asker_id, model,
         params_json, instruction_versions_json, messages_json, reply_text, status, error, latency_ms, first_token_ms,
         prompt_tokens, completion_tokens, created_at)
       VALUES (@id, @platform, @workspace_id, @channel_id, @thread_id, @source_message_id, @asker_id, @model,
         @params_json, @instruction_versions_json, @messages_json, @reply_text, @status, @error, @latency_ms, @first_token_ms,
         @prompt_tokens, @completion_tokens, @created_at)`,
    );
    this.insertMessageStmt = db.prepare<[string, string, string, string, string]>(
      'INSERT INTO reply_messages (platform, workspace_id, channel_id, message_id, reply_id) VALUES (?, ?, ?, ?, ?)',
    );
    this.getStmt = db.prepare<[string], ReplyRow>('SELECT * FROM replies WHERE id = ?');
    this.messageIdsStmt = db
      .prepare<[string], string>('SELECT message_id FROM reply_messages WHERE reply_id = ? ORDER BY rowid')
      .pluck();
    this.findByMessageStmt = db.prepare<[string, string, string, string], ReplyRow>(
      `SELECT r.* FROM reply_messages m JOIN replies r ON r.id = m.reply_id
        WHERE m.platform = ? AND m.workspace_id = ? AND m.channel_id = ? AND m.message_id = ?`,
    );
    this.inThreadStmt = db
      .prepare<[string, string, string, string], number>(
        `SELECT 1 FROM replies WHERE platform = ? AND workspace_id = ? AND channel_id = ? AND thread_id = ? LIMIT 1`,
      )
      .pluck();
    // Reports hold a foreign key to their reply without cascade, so a reported reply could not be
    // deleted anyway; the NOT EXISTS makes the purge skip them instead of failing.
    this.purgeStmt = db.prepare<{ cutoff: string }>(
      `DELETE FROM replies
        WHERE created_at < @cutoff
          AND NOT EXISTS (SELECT 1 FROM reports WHERE reports.reply_id = replies.id)`,
    );
    this.forgetReportsStmt = db.prepare<PersonParams>(
      `DELETE FROM reports WHERE reply_id IN (SELECT id FROM replies WHERE ${BY_ASKER})`,
    );
    this.forgetRepliesStmt = db.prepare<PersonParams>(`DELETE FROM replies WHERE ${BY_ASKER}`);

    type RowWithoutMessages = Omit<ReplyRow, 'messages_json'>;
    this.recordTx = db.transaction((row: RowWithoutMessages, messages: ChatMessage[], messageIds: string[]) => {
      // Pieces are written in the reply's transaction: a failed insert leaves no reference counted.
      this.insertReplyStmt.run({ ...row, messages_json: this.pieces.store(messages) });
      for (const messageId of messageIds) {
        this.insertMessageStmt.run(row.platform, row.workspace_id, row.channel_id, messageId, row.id);
      }
    });
    const updateMessagesStmt = db.prepare<[string, string]>('UPDATE replies SET messages_json = ? WHERE id = ?');
    // New pieces are counted before the update, whose trigger then releases the old ones: a piece in both stays.
    this.rewriteTx = db.transaction((id: string, messages: ChatMessage[]) => {
      if (this.getStmt.get(id) === undefined) return false;
      updateMessagesStmt.run(this.pieces.store(messages), id);
      return true;
    });
    this.forgetTx = db.transaction((params: PersonParams) => {
      this.forgetReportsStmt.run(params);
      return this.forgetRepliesStmt.run(params).changes;
    });
  }

  /**
   * Store a reply's snapshot and the platform message ids it was posted as (all in the snapshot's
   * channel), in one transaction. Returns the new reply id.
   */
  record(snapshot: ReplySnapshot, messageIds: string[]): string {
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
      instruction_versions_json: JSON.stringify(snapshot.instructionVersions),
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
    this.recordTx(row, snapshot.messages, [...new Set(messageIds)]);
    return row.id;
  }

  /** The reply that occupies this platform message, if it is one of Heed's. */
  findByMessage(ref: MessageRef): ReplyRecord | undefined {
    const row = this.findByMessageStmt.get(ref.platform, ref.workspaceId, ref.channelId, ref.messageId);
    return row && this.toRecord(row);
  }

  /** A reply by id. */
  get(id: string): ReplyRecord | undefined {
    const row = this.getStmt.get(id);
    return row && this.toRecord(row);
  }

  /** True when Heed has stored a reply posted in that thread. */
  hasThread(channel: ChannelRef, threadId: string): boolean {
    return this.inThreadStmt.get(channel.platform, channel.workspaceId, channel.channelId, threadId) !== undefined;
  }

  /**
   * Replace the messages stored for a reply (a redaction, say), keeping pieces shared with other replies
   * intact and deleting those no reply names any more. False when there is no such reply.
   */
  rewriteMessages(id: string, messages: ChatMessage[]): boolean {
    return this.rewriteTx(id, messages);
  }

  /** Delete replies older than `olderThanDays` days that have no reports. Returns how many were deleted. */
  purgeUnreported(olderThanDays: number): number {
    return this.purgeStmt.run({ cutoff: daysBefore(this.now(), olderThanDays) }).changes;
  }

  /** Delete every reply the person asked for, with the reports filed on them. Returns how many replies were deleted. */
  forgetAsker(person: PersonRef): number {
    return this.forgetTx({ platform: person.platform, workspaceId: person.workspaceId, userId: person.userId });
  }

  private toRecord(row: ReplyRow): ReplyRecord {
    const record: ReplyRecord = {
      id: row.id,
      createdAt: row.created_at,
      messageIds: this.messageIdsStmt.all(row.id),
      platform: row.platform as Platform,
      workspaceId: row.workspace_id,
      channelId: row.channel_id,
      sourceMessageId: row.source_message_id,
      askerId: row.asker_id,
      model: row.model,
      params: JSON.parse(row.params_json) as Record<string, unknown>,
      instructionVersions: JSON.parse(row.instruction_versions_json) as InstructionVersions,
      messages: this.pieces.load(row.messages_json),
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

/**
 * Content-addressed pieces of reply snapshots (migration 005). A snapshot's messages repeat what other
 * replies already hold: the asker's system prompt (the same for every reply until an instruction
 * changes) and the earlier messages of a thread (each later reply carries them all again). A message
 * at least {@link PIECE_MIN_LENGTH} characters long is stored once in `snapshot_pieces` and the
 * snapshot names it; reading puts the content back. Reference counts are kept by the database's
 * triggers on `replies`, so every way a reply is deleted or rewritten releases its pieces.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../prompt/chat-message.js';
import type { SqlExecutor } from './sql.js';

/**
 * Shorter messages stay inline: naming a piece costs about 50 bytes of JSON and a row lookup, more
 * than a short message saves.
 */
export const PIECE_MIN_LENGTH = 128;

/** A message as stored in `messages_json`: its content inline, or the id of the piece holding it. */
type StoredMessage = ChatMessage | { role: ChatMessage['role']; piece: string };

/** The id of a piece: the SHA-256 of its content, base64url, 24 characters (144 bits). */
export function pieceId(content: string): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 24);
}

/** Reads and writes snapshot pieces; used by ReplyLog inside its own transactions. */
export class SnapshotPieces {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * The JSON to store for `messages`: long contents moved into pieces, each piece counted once for
   * this reply. Call inside the transaction that writes the reply row.
   */
  async store(messages: readonly ChatMessage[]): Promise<string> {
    const plan = planPieces(messages);
    await this.acquire(plan.pieces);
    return plan.json;
  }

  /**
   * Count one more reference to each piece (storing it if new), in one statement, ids in order: two
   * transactions taking the same pieces then never wait for each other in a cycle. Call inside the
   * transaction that writes the reply row, as late as possible: on PostgreSQL the row of a piece every
   * reply shares (a system prompt) stays locked until that transaction commits.
   */
  async acquire(pieces: ReadonlyMap<string, string>): Promise<void> {
    if (pieces.size === 0) return;
    const ids = [...pieces.keys()].sort();
    // Qualified: on PostgreSQL a bare `refs` in the update is ambiguous with excluded.refs.
    await this.sql.run(
      `INSERT INTO snapshot_pieces (id, content, refs) VALUES ${ids.map(() => '(?, ?, 1)').join(', ')}
         ON CONFLICT (id) DO UPDATE SET refs = snapshot_pieces.refs + 1`,
      ids.flatMap((id) => [id, pieces.get(id) ?? '']),
    );
  }

  /** The messages a stored `messages_json` stands for, pieces put back. */
  async load(json: string): Promise<ChatMessage[]> {
    const stored = JSON.parse(json) as StoredMessage[];
    const messages: ChatMessage[] = [];
    for (const message of stored) {
      if (!('piece' in message)) {
        messages.push(message);
        continue;
      }
      const content = await this.sql.value<string>('SELECT content FROM snapshot_pieces WHERE id = ?', [message.piece]);
      // Only a hand-edited database can lose a piece a reply names; show the gap rather than fail the read.
      messages.push({ role: message.role, content: content ?? `[missing snapshot piece ${message.piece}]` });
    }
    return messages;
  }
}

/** What storing some messages takes: the JSON for the reply row, and the pieces (id → content) it names. */
export interface PiecePlan {
  json: string;
  pieces: Map<string, string>;
}

/** Split `messages` into what stays inline and what goes to pieces; touches no database. */
export function planPieces(messages: readonly ChatMessage[]): PiecePlan {
  const pieces = new Map<string, string>();
  const stored: StoredMessage[] = [];
  for (const message of messages) {
    // Even a short message holding U+0000 goes to a piece: inline, JSON writes it as \u0000, which
    // PostgreSQL's jsonb (as its triggers read messages_json) refuses, so the reply could never be deleted.
    if (message.content.length < PIECE_MIN_LENGTH && !message.content.includes('\u0000')) {
      stored.push(message);
      continue;
    }
    const id = pieceId(message.content);
    pieces.set(id, message.content);
    stored.push({ role: message.role, piece: id });
  }
  return { json: JSON.stringify(stored), pieces };
}

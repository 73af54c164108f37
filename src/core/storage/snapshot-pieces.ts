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
import type { Database } from './database.js';

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
  private readonly acquireStmt;
  private readonly contentStmt;

  constructor(db: Database) {
    this.acquireStmt = db.prepare<[string, string]>(
      `INSERT INTO snapshot_pieces (id, content, refs) VALUES (?, ?, 1)
         ON CONFLICT (id) DO UPDATE SET refs = refs + 1`,
    );
    this.contentStmt = db.prepare<[string], string>('SELECT content FROM snapshot_pieces WHERE id = ?').pluck();
  }

  /**
   * The JSON to store for `messages`: long contents moved into pieces, each piece counted once for
   * this reply. Call inside the transaction that writes the reply row.
   */
  store(messages: readonly ChatMessage[]): string {
    const acquired = new Set<string>();
    const stored: StoredMessage[] = messages.map((message) => {
      if (message.content.length < PIECE_MIN_LENGTH) return message;
      const id = pieceId(message.content);
      if (!acquired.has(id)) {
        acquired.add(id);
        this.acquireStmt.run(id, message.content);
      }
      return { role: message.role, piece: id };
    });
    return JSON.stringify(stored);
  }

  /** The messages a stored `messages_json` stands for, pieces put back. */
  load(json: string): ChatMessage[] {
    const stored = JSON.parse(json) as StoredMessage[];
    return stored.map((message) => {
      if (!('piece' in message)) return message;
      const content = this.contentStmt.get(message.piece);
      // Only a hand-edited database can lose a piece a reply names; show the gap rather than fail the read.
      return { role: message.role, content: content ?? `[missing snapshot piece ${message.piece}]` };
    });
  }
}

/**
 * What forget-me does beyond deleting the person's own rows: the traces of the person in rows that stay
 * (other people's reply snapshots, report notes, the author of channel or workspace rules), and the
 * bytes of deleted rows left in the database files. The deletes run with `secure_delete` on (see
 * openDatabase), so SQLite overwrites freed content with zeros; a WAL checkpoint with truncation then
 * moves those pages into heed.db and empties the WAL, where the old versions would otherwise remain.
 */
import type { ChatMessage } from '../prompt/chat-message.js';
import type { PersonRef } from '../types.js';
import type { SqlExecutor } from './sql.js';
import { SnapshotPieces } from './snapshot-pieces.js';

/** What a trace of a forgotten person is replaced with. */
export const REMOVED = '[removed]';

/** The speaker label a user turn starts with: `[Name] text` (see prompt/conversation.ts). */
const SPEAKER_LABEL = /^\[([^\]\n]*)\] /;
/** Shorter texts are too likely to be ordinary words of other people's messages to replace everywhere. */
const MIN_TEXT_LENGTH = 12;

interface SnapshotRow {
  id: string;
  asker_id: string;
  messages_json: string;
  reply_text: string;
}

interface Turn {
  role: string;
  content: string;
}

/** The person's display names and own message texts, read from the snapshots of their own replies. */
async function tracesOf(
  pieces: SnapshotPieces,
  rows: SnapshotRow[],
  knownNames: readonly string[],
): Promise<{ names: Set<string>; texts: Set<string> }> {
  const names = new Set(knownNames.map((name) => name.trim()).filter((name) => name !== ''));
  const texts = new Set<string>();
  for (const row of rows) {
    const turns: Turn[] = await pieces.load(row.messages_json);
    const question = turns.at(-1);
    if (question?.role !== 'user') continue;
    const label = SPEAKER_LABEL.exec(question.content);
    if (label?.[1]) names.add(label[1]);
    const text = label ? question.content.slice(label[0].length) : question.content;
    if (text.trim().length >= MIN_TEXT_LENGTH) texts.add(text);
  }
  return { names, texts };
}

/** `text` with every occurrence of each trace replaced, longest first so a name inside a text goes with it. */
function scrub(text: string, traces: readonly string[]): string {
  let result = text;
  for (const trace of traces) result = result.split(trace).join(REMOVED);
  return result;
}

/**
 * Redact the person from rows that outlive their forget-me, in the same workspace and platform: in other
 * askers' snapshots a user turn labelled with one of their names becomes `[[removed]] [removed]`, and
 * their names and message texts elsewhere (mentions, quotes, the reply) become `[removed]`; report notes
 * by others lose the names; operator layers they wrote keep their text but not their id. Call it inside
 * the forget-me transaction, before the person's own snapshots are deleted (their names are read from
 * them). `names` adds display names the caller knows. Returns how many other snapshots were changed.
 */
export async function redactPerson(
  sql: SqlExecutor,
  person: PersonRef,
  names: readonly string[] = [],
): Promise<number> {
  const where = [person.platform, person.workspaceId, person.userId];
  const own = await sql.all<SnapshotRow>(
    `SELECT id, asker_id, messages_json, reply_text FROM replies
     WHERE platform = ? AND workspace_id = ? AND asker_id = ?`,
    where,
  );
  // Snapshots name shared pieces (migration 005): read and write their messages through them.
  const pieces = new SnapshotPieces(sql);
  const { names: nameSet, texts } = await tracesOf(pieces, own, names);
  const traces = [...texts, ...nameSet].sort((a, b) => b.length - a.length);
  const speakers = new Set([...nameSet].map((name) => `[${name}] `));

  let changed = 0;
  if (traces.length > 0) {
    const others = await sql.all<SnapshotRow>(
      `SELECT id, asker_id, messages_json, reply_text FROM replies
       WHERE platform = ? AND workspace_id = ? AND asker_id <> ?`,
      where,
    );
    for (const row of others) {
      const stored: Turn[] = await pieces.load(row.messages_json);
      const mentions = (trace: string) =>
        stored.some((turn) => turn.content.includes(trace)) || row.reply_text.includes(trace);
      if (!traces.some(mentions)) continue;
      const turns = stored.map((turn) => {
        const spoken = turn.role === 'user' && [...speakers].some((speaker) => turn.content.startsWith(speaker));
        return { ...turn, content: spoken ? `[${REMOVED}] ${REMOVED}` : scrub(turn.content, traces) };
      });
      // New pieces are counted first; the update's trigger then releases those the old messages named.
      const messagesJson = await pieces.store(turns as ChatMessage[]);
      await sql.run('UPDATE replies SET messages_json = ?, reply_text = ? WHERE id = ?', [
        messagesJson,
        scrub(row.reply_text, traces),
        row.id,
      ]);
      changed += 1;
    }
    const notes = await sql.all<{ id: string; note: string }>(
      'SELECT id, note FROM reports WHERE platform = ? AND workspace_id = ? AND reporter_id <> ? AND note IS NOT NULL',
      where,
    );
    for (const report of notes) {
      const note = scrub(report.note, [...nameSet]);
      if (note !== report.note) await sql.run('UPDATE reports SET note = ? WHERE id = ?', [note, report.id]);
    }
  }
  await sql.run(
    `UPDATE instruction_versions SET actor_id = ?
     WHERE platform = ? AND workspace_id = ? AND actor_id = ? AND scope_kind <> 'user'`,
    [REMOVED, ...where],
  );
  return changed;
}

/**
 * On SQLite, move every page of the WAL into heed.db and truncate the WAL to nothing, so deleted content
 * survives in neither file. True when the checkpoint completed (or there is nothing to do: an in-memory
 * SQLite database, or PostgreSQL, whose files are the server's business); false when another
 * connection held it back (the next checkpoint then finishes the job).
 */
export async function checkpointAndTruncate(sql: SqlExecutor): Promise<boolean> {
  if (sql.dialect !== 'sqlite') return true;
  const result = await sql.get<{ busy: number; log: number }>('PRAGMA wal_checkpoint(TRUNCATE)');
  return result?.busy === 0;
}

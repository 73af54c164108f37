import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/prompt/chat-message.js';
import { renderExportLine, renderReport } from '../../src/cli/report-views.js';
import { forgetPerson } from '../../src/core/privacy/forget-me.js';
import { InstructionStore } from '../../src/core/storage/instruction-store.js';
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/core/storage/database.js';
import { ReplyLog } from '../../src/core/storage/reply-log.js';
import { ReportStore } from '../../src/core/storage/report-store.js';
import { PIECE_MIN_LENGTH } from '../../src/core/storage/snapshot-pieces.js';
import { openTempDatabase, tempDbPath, type TempDatabase } from '../support/temp-db.js';
import { person, snapshot, testClock, type TestClock } from './fixtures.js';

let temp: TempDatabase;
let clock: TestClock;
let log: ReplyLog;

beforeEach(() => {
  temp = openTempDatabase();
  clock = testClock();
  log = new ReplyLog(temp.db, clock.now);
});
afterEach(() => temp.cleanup());

const SYSTEM = `You are Heed. ${'Follow the operator rules, then the person\u2019s own instructions. '.repeat(40)}`;
const ANA_ABOUT = `about Ana: ${'Ana works on the payments team in Lisbon. '.repeat(5)}`;

function pieces(): Array<{ content: string; refs: number }> {
  return temp.db.prepare<[], { content: string; refs: number }>('SELECT content, refs FROM snapshot_pieces').all();
}

function storedJson(id: string): string {
  return temp.db.prepare<[string], string>('SELECT messages_json FROM replies WHERE id = ?').pluck().get(id) ?? '';
}

/** A thread's n-th reply for `asker`: the system prompt, every earlier turn, the new question. */
function threadReply(asker: string, turn: number, system = SYSTEM): { messages: ChatMessage[] } {
  const history: ChatMessage[] = [];
  for (let i = 0; i < turn; i++) {
    history.push({
      role: 'user',
      content: `[${asker}] question ${i}: ${'how do I rotate the keys safely? '.repeat(4)}`,
    });
    history.push({
      role: 'assistant',
      content: `answer ${i}: ${'rotate them from the admin console first. '.repeat(4)}`,
    });
  }
  return { messages: [{ role: 'system', content: system }, ...history, { role: 'user', content: `question ${turn}` }] };
}

describe('snapshot pieces (content-addressed snapshots)', () => {
  it('GIVEN replies sharing a system prompt and a thread THEN pieces stored once, read back exactly', () => {
    const ids: string[] = [];
    const snaps = [0, 1, 2, 3].map((turn) =>
      snapshot({ askerId: 'U_ANA', threadId: 'T-1', ...threadReply('Ana', turn) }),
    );
    for (const snap of snaps) ids.push(log.record(snap, [`m${ids.length}`]));

    ids.forEach((id, i) => expect(log.get(id)).toMatchObject({ messages: snaps[i]?.messages }));
    // The system prompt once, plus each long history message once: 1 + 3 questions + 3 answers.
    expect(pieces()).toHaveLength(7);
    expect(pieces().find((piece) => piece.content === SYSTEM)?.refs).toBe(4);
    // The last snapshot names its pieces instead of repeating them; the short new question stays inline.
    const json = storedJson(ids[3] ?? '');
    expect(json).not.toContain('Follow the operator rules');
    expect(json).toContain('question 3');
    expect(json.length).toBeLessThan(600);
  });

  it('GIVEN short messages THEN they stay inline and no piece is made', () => {
    const short = 'x'.repeat(PIECE_MIN_LENGTH - 1);
    const id = log.record(snapshot({ messages: [{ role: 'system', content: short }] }), ['m1']);
    expect(pieces()).toEqual([]);
    expect(JSON.parse(storedJson(id))).toEqual([{ role: 'system', content: short }]);
  });

  it('GIVEN a snapshot written before migration 005 (messages inline) THEN it reads exactly as before', () => {
    const id = log.record(snapshot(), ['m1']);
    const inline: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'old question' },
    ];
    temp.db.prepare('UPDATE replies SET messages_json = ? WHERE id = ?').run(JSON.stringify(inline), id);
    expect(log.get(id)?.messages).toEqual(inline);
  });

  it('GIVEN a snapshot with pieces and one inline (pre-005) THEN reports show and export print the same', () => {
    const reports = new ReportStore(temp.db, clock.now);
    const snap = snapshot({ askerId: 'U_ANA', threadId: 'T-1', ...threadReply('Ana', 2) });
    const withPieces = log.record(snap, ['m1']);
    const inline = log.record(snap, ['m2']);
    temp.db.prepare('UPDATE replies SET messages_json = ? WHERE id = ?').run(JSON.stringify(snap.messages), inline);
    const file = (replyId: string) =>
      reports.file({
        replyId,
        platform: 'slack',
        workspaceId: 'T1',
        reporterId: 'U9',
        source: 'reaction',
        signal: 'bad',
      });
    const [a, b] = [file(withPieces).report, file(inline).report];
    const [ra, rb] = [log.get(withPieces)!, log.get(inline)!];
    // Ids and message ids differ by construction; everything printed from the snapshot must not.
    const same = (text: string, report: typeof a, reply: typeof ra) =>
      text.replaceAll(report.id, 'REPORT').replaceAll(reply.id, 'REPLY').replaceAll(reply.messageIds[0]!, 'MSG');
    expect(same(renderReport(a, ra), a, ra)).toBe(same(renderReport(b, rb), b, rb));
    expect(same(renderExportLine(a, ra), a, ra)).toBe(same(renderExportLine(b, rb), b, rb));
  });

  it('GIVEN a forget-me THEN no piece only that person named is left; others\u2019 snapshots stay whole', () => {
    const db = temp.db;
    const anaSystem = `${SYSTEM}\n${ANA_ABOUT}`;
    const ana1 = log.record(snapshot({ askerId: 'U_ANA', threadId: 'T-1', ...threadReply('Ana', 2, anaSystem) }), [
      'a1',
    ]);
    log.record(snapshot({ askerId: 'U_ANA', threadId: 'T-2', ...threadReply('Ana', 1, anaSystem) }), ['a2']);
    const bo = log.record(snapshot({ askerId: 'U_BO', threadId: 'T-1', ...threadReply('Ana', 2) }), ['b1']);
    const boBefore = log.get(bo);
    expect(log.get(ana1)?.messages[0]?.content).toContain('Ana works on the payments team');

    forgetPerson(
      { db, instructions: new InstructionStore(db, clock.now), replies: log, reports: new ReportStore(db, clock.now) },
      person('U_ANA'),
    );

    const left = pieces();
    expect(left.some((piece) => piece.content.includes('Ana works on the payments team'))).toBe(false);
    // Bo's snapshot still names the system prompt and the thread's history, each counted once.
    expect(left.every((piece) => piece.refs === 1)).toBe(true);
    expect(left).toHaveLength(5);
    expect(log.get(bo)).toEqual(boBefore);
  });

  it('GIVEN the retention purge THEN the pieces of purged replies go with them', () => {
    log.record(snapshot(threadReply('Ana', 1)), ['m1']);
    clock.advanceDays(40);
    const kept = log.record(snapshot(threadReply('Ana', 0)), ['m2']);
    expect(log.purgeUnreported(30)).toBe(1);
    expect(pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
    expect(log.get(kept)?.messages[0]?.content).toBe(SYSTEM);
  });

  it('GIVEN a reply whose messages are rewritten (redaction) THEN pieces no longer named go, shared ones stay', () => {
    const id = log.record(snapshot(threadReply('Ana', 1)), ['m1']);
    const redacted: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '[redacted]' },
    ];
    expect(log.rewriteMessages(id, redacted)).toBe(true);
    expect(log.get(id)?.messages).toEqual(redacted);
    expect(pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
    expect(log.rewriteMessages('no-such-reply', redacted)).toBe(false);
    expect(pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
  });

  it('GIVEN only migrations 001 and 005 THEN both apply in order despite the gap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heed-migrations-'));
    const other = tempDbPath();
    try {
      for (const file of ['001_initial.sql', '005_snapshot_pieces.sql'])
        copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(dir, file));
      const db = openDatabase(other.path, { migrationsDir: dir });
      const versions = db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      db.close();
      expect(versions).toEqual([1, 5]);
    } finally {
      other.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

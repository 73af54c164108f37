import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/core/prompt/chat-message.js';
import { renderExportLine, renderReport } from '../../../src/cli/report-views.js';
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../../src/core/storage/database.js';
import { ReplyLog } from '../../../src/core/storage/reply-log.js';
import type { HistoryMessage } from '../../../src/core/types.js';
import { ReportStore } from '../../../src/core/storage/report-store.js';
import { PIECE_MIN_LENGTH } from '../../../src/core/storage/snapshot-pieces.js';
import { startFakeOpenAI } from '../../support/fake-openai.js';
import { recordingSink } from '../../support/recording-sink.js';
import { tempDbPath } from '../../support/temp-db.js';
import { createTestCore } from '../../support/test-core.js';
import { eachBackend, freshDatabase } from '../../support/test-databases.js';
import { snapshot, testClock, type TestClock } from './fixtures.js';

const SYSTEM = `You are Heed. ${'Follow the operator rules, then the person\u2019s own instructions. '.repeat(40)}`;
const ANA_ABOUT = `about Ana: ${'Ana works on the payments team in Lisbon. '.repeat(5)}`;

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

eachBackend('snapshot pieces (content-addressed snapshots)', (database) => {
  let clock: TestClock;
  let log: ReplyLog;

  beforeEach(() => {
    clock = testClock();
    log = new ReplyLog(database(), clock.now);
  });

  function pieces(): Promise<Array<{ content: string; refs: number }>> {
    return database().all<{ content: string; refs: number }>('SELECT content, refs FROM snapshot_pieces');
  }

  async function storedJson(id: string): Promise<string> {
    return (await database().value<string>('SELECT messages_json FROM replies WHERE id = ?', [id])) ?? '';
  }

  it('GIVEN replies sharing a system prompt and a thread THEN pieces stored once, read back exactly', async () => {
    const ids: string[] = [];
    const snaps = [0, 1, 2, 3].map((turn) =>
      snapshot({ askerId: 'U_ANA', threadId: 'T-1', ...threadReply('Ana', turn) }),
    );
    for (const snap of snaps) ids.push(await log.record(snap, [`m${ids.length}`]));

    for (const [i, id] of ids.entries()) expect(await log.get(id)).toMatchObject({ messages: snaps[i]?.messages });
    // The system prompt once, plus each long history message once: 1 + 3 questions + 3 answers.
    expect(await pieces()).toHaveLength(7);
    expect((await pieces()).find((piece) => piece.content === SYSTEM)?.refs).toBe(4);
    // The last snapshot names its pieces instead of repeating them; the short new question stays inline.
    const json = await storedJson(ids[3] ?? '');
    expect(json).not.toContain('Follow the operator rules');
    expect(json).toContain('question 3');
    expect(json.length).toBeLessThan(600);
  });

  it('GIVEN short messages THEN they stay inline and no piece is made', async () => {
    const short = 'x'.repeat(PIECE_MIN_LENGTH - 1);
    const id = await log.record(snapshot({ messages: [{ role: 'system', content: short }] }), ['m1']);
    expect(await pieces()).toEqual([]);
    expect(JSON.parse(await storedJson(id))).toEqual([{ role: 'system', content: short }]);
  });

  it('GIVEN a short message holding U+0000 beside a piece THEN it reads back, and the reply can be rewritten and forgotten', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'a\u0000b' },
    ];
    const id = await log.record(snapshot({ messages }), ['m1']);
    expect((await log.get(id))?.messages).toEqual(messages);
    expect(await storedJson(id)).not.toContain('\\u0000');
    expect(await log.rewriteMessages(id, [...messages, { role: 'user', content: '\u0000' }])).toBe(true);
    expect(await log.forgetAsker({ platform: 'slack', workspaceId: 'T1', userId: 'U1' })).toBe(1);
    expect(await pieces()).toEqual([]);
  });

  it('GIVEN a snapshot written before migration 005 (messages inline) THEN it reads exactly as before', async () => {
    const id = await log.record(snapshot(), ['m1']);
    const inline: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'old question' },
    ];
    await database().run('UPDATE replies SET messages_json = ? WHERE id = ?', [JSON.stringify(inline), id]);
    expect((await log.get(id))?.messages).toEqual(inline);
  });

  it('GIVEN a snapshot with pieces and one inline (pre-005) THEN reports show and export print the same', async () => {
    const reports = new ReportStore(database(), clock.now);
    const snap = snapshot({ askerId: 'U_ANA', threadId: 'T-1', ...threadReply('Ana', 2) });
    const withPieces = await log.record(snap, ['m1']);
    const inline = await log.record(snap, ['m2']);
    await database().run('UPDATE replies SET messages_json = ? WHERE id = ?', [JSON.stringify(snap.messages), inline]);
    const file = async (replyId: string) =>
      await reports.file({
        replyId,
        platform: 'slack',
        workspaceId: 'T1',
        reporterId: 'U9',
        source: 'reaction',
        signal: 'bad',
      });
    const [a, b] = [(await file(withPieces)).report, (await file(inline)).report];
    const [ra, rb] = [(await log.get(withPieces))!, (await log.get(inline))!];
    // Ids and message ids differ by construction; everything printed from the snapshot must not.
    const same = (text: string, report: typeof a, reply: typeof ra) =>
      text.replaceAll(report.id, 'REPORT').replaceAll(reply.id, 'REPLY').replaceAll(reply.messageIds[0]!, 'MSG');
    expect(same(renderReport(a, ra), a, ra)).toBe(same(renderReport(b, rb), b, rb));
    const none = { checks: null, rewrites: [] };
    expect(same(renderExportLine(a, ra, none), a, ra)).toBe(same(renderExportLine(b, rb, none), b, rb));
  });

  it('GIVEN the retention purge THEN the pieces of purged replies go with them', async () => {
    await log.record(snapshot(threadReply('Ana', 1)), ['m1']);
    clock.advanceDays(40);
    const kept = await log.record(snapshot(threadReply('Ana', 0)), ['m2']);
    expect(await log.purgeUnreported(30)).toBe(1);
    expect(await pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
    expect((await log.get(kept))?.messages[0]?.content).toBe(SYSTEM);
  });

  it('GIVEN a reply whose messages are rewritten (redaction) THEN pieces no longer named go, shared ones stay', async () => {
    const id = await log.record(snapshot(threadReply('Ana', 1)), ['m1']);
    const redacted: ChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '[redacted]' },
    ];
    expect(await log.rewriteMessages(id, redacted)).toBe(true);
    expect((await log.get(id))?.messages).toEqual(redacted);
    expect(await pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
    expect(await log.rewriteMessages('no-such-reply', redacted)).toBe(false);
    expect(await pieces()).toEqual([{ content: SYSTEM, refs: 1 }]);
  });
});

// Opens a SQLite file on a hand-made directory of SQLite migration files.
describe('snapshot pieces migrations (sqlite)', () => {
  it('GIVEN only migrations 001 and 005 THEN both apply in order despite the gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heed-migrations-'));
    const other = tempDbPath();
    try {
      for (const file of ['001_initial.sql', '005_snapshot_pieces.sql'])
        copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(dir, file));
      const db = await openDatabase(other.path, { migrationsDir: dir });
      const versions = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      await db.close();
      expect(versions.map((row) => row.version)).toEqual([1, 5]);
    } finally {
      other.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('forget-me and snapshot pieces', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'GIVEN forget-me on %s THEN no piece only the person\u2019s replies named is left; every count matches',
    async (dialect) => {
      // A whole core on a fresh database of this backend, read beside it through a client of its own.
      const database = await freshDatabase(dialect);
      const model = await startFakeOpenAI();
      const heed = await createTestCore({
        openaiUrl: model.url,
        env: {
          HEED_RATE_LIMIT_PER_MINUTE: '0',
          ...(dialect === 'postgres' ? { DATABASE_URL: database.url } : { DATABASE_PATH: database.url }),
        },
      });
      try {
        const place = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: 'T-1' } as const;
        const ana = { ...place, userId: 'U_ANA', isPlatformAdmin: false };
        await heed.core.command(ana, `about ${ANA_ABOUT}`);
        const question = `How do I rotate the payment keys? ${'Without downtime, please, for every service. '.repeat(3)}`;
        await heed.core.respond(
          { ...place, messageId: 'm1', userId: 'U_ANA', userName: 'Ana', text: question, history: [] },
          recordingSink(),
        );
        const history: HistoryMessage[] = [
          { role: 'user', speaker: 'Ana', text: question },
          { role: 'assistant', text: 'Rotate them from the admin console first, one service at a time. '.repeat(3) },
        ];
        await heed.core.respond(
          { ...place, messageId: 'm2', userId: 'U_BO', userName: 'Bo', text: 'and me?', history },
          recordingSink(),
        );

        const db = database.client;
        const stored = () => db.all<{ id: string; content: string; refs: number }>('SELECT * FROM snapshot_pieces');
        expect((await stored()).some((piece) => piece.content.includes('Ana works on the payments team'))).toBe(true);

        expect(await heed.core.confirmForgetMe(ana)).toMatchObject({ kind: 'forgotten', replies: 1 });

        const left = await stored();
        expect(left.some((piece) => piece.content.includes('Ana works on the payments team'))).toBe(false);
        const snapshots = (await db.all<{ messages_json: string }>('SELECT messages_json FROM replies')).map(
          (row) => row.messages_json,
        );
        expect(snapshots).toHaveLength(1);
        // Every piece left is named by exactly as many replies as it counts, and by at least one.
        for (const piece of left) {
          const naming = snapshots.filter((json) => json.includes(`"piece":"${piece.id}"`)).length;
          expect(piece.refs).toBe(naming);
          expect(naming).toBeGreaterThan(0);
        }
      } finally {
        await heed.close();
        await model.close();
        await database.drop();
      }
    },
  );
});

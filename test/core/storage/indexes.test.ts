import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InstructionStore,
  MessageClaims,
  ReplyLog,
  ReportStore,
  SqliteClient,
} from '../../../src/core/storage/index.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { messageRef, person, snapshot } from './fixtures.js';

type Connection = SqliteClient['connection'];

/**
 * Every SQL text the repositories run, captured from a client of its own over `connection` (so that
 * nothing is cached yet) by wrapping the connection's `prepare` while each repository method runs once.
 */
async function repositorySql(connection: Connection): Promise<string[]> {
  const sources = new Set<string>();
  const prepare = connection.prepare.bind(connection);
  connection.prepare = ((sql: string) => {
    sources.add(sql);
    return prepare(sql);
  }) as Connection['prepare'];
  try {
    await exerciseRepositories(new SqliteClient(connection));
  } finally {
    connection.prepare = prepare;
  }
  return [...sources];
}

/** Call every repository method, on rows that exist, so that each statement is prepared. */
async function exerciseRepositories(db: SqliteClient): Promise<void> {
  const scope = { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U_INDEX' } as const;
  const store = new InstructionStore(db);
  await store.write(scope, { about: 'a', respond: 'r', enabled: true, action: 'set', actorId: 'U_INDEX' });
  await store.current(scope);
  await store.history(scope, 10);
  await store.version(scope, 1);
  await store.forgetUser(person('U_INDEX'));

  const claims = new MessageClaims(db);
  const ref = messageRef('index-1');
  await claims.claim(ref, 'a');
  await claims.isTaken(ref);
  await claims.complete(ref, null, 'a');
  await claims.renew('b');
  await claims.release(ref, 'a');
  await claims.purge(30);

  const replies = new ReplyLog(db);
  const replyId = await replies.record(snapshot({ threadId: 'th-1', askerId: 'U_INDEX' }), ['index-m1']);
  await replies.findByMessage(messageRef('index-m1'));
  await replies.get(replyId);
  await replies.hasThread({ platform: 'slack', workspaceId: 'T1', channelId: 'C1' }, 'th-1');
  await replies.rewriteMessages(replyId, [{ role: 'system', content: 'x'.repeat(200) }]);
  await replies.purgeUnreported(30);

  const reports = new ReportStore(db);
  const input = {
    replyId,
    platform: 'slack',
    workspaceId: 'T1',
    reporterId: 'U_REPORTER',
    source: 'reaction',
    signal: 'bad',
  } as const;
  const { report } = await reports.file(input);
  await reports.file({ ...input, note: 'a note' });
  await reports.withdraw(replyId, 'U_REPORTER', 'bad');
  await reports.file(input);
  await reports.setNote(report.id, 'U_REPORTER', 'another note');
  await reports.setStatus(report.id, 'triaged');
  await reports.get(report.id);
  await reports.list();
  await reports.list({ status: 'open', signal: 'bad', since: '2026-01-01', limit: 5 });
  await reports.forReporter(person('U_REPORTER'), 5);
  await reports.forgetReporter(person('U_REPORTER'));
  await replies.forgetAsker(person('U_INDEX'));
}

function queryPlan(connection: Connection, sql: string): string[] {
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1] ?? '');
  const explain = connection.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
  const rows =
    named.length > 0
      ? explain.all(Object.fromEntries(named.map((name) => [name, 'x'])))
      : explain.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x'));
  return rows.map((row) => row.detail);
}

/** Fails when any repository statement would read a whole table or sort one. */
async function expectEveryLookupIndexed(connection: Connection): Promise<void> {
  const sources = await repositorySql(connection);
  expect(sources.length).toBeGreaterThan(20);
  for (const sql of sources) {
    for (const step of queryPlan(connection, sql)) {
      // "SCAN t USING INDEX i" walks an index in order (a LIMITed listing, a partial index); a bare "SCAN t" reads the
      // table.
      expect(step, sql).not.toMatch(/^SCAN \w+$/);
      expect(step, sql).not.toMatch(/TEMP B-TREE/);
    }
  }
}

describe('indexes', () => {
  let temp: TempDatabase;
  beforeAll(async () => {
    temp = await openTempDatabase();
  });
  afterAll(() => temp.cleanup());

  it('serve every repository lookup on a fresh database', async () => {
    await expectEveryLookupIndexed(temp.db.connection);
  });

  it('still serve them with 100,000 people stored and statistics gathered', async () => {
    await temp.db.transaction(async (tx) => {
      for (let i = 0; i < 100_000; i++) {
        for (const version of [1, 2]) {
          await tx.run(
            `INSERT INTO instruction_versions (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id, created_at)
             VALUES ('slack', 'T1', 'user', ?, ?, 'about', 'respond', 1, 'set', 'x', '2026-01-01T00:00:00.000Z')`,
            [`U${i}`, version],
          );
        }
      }
    });
    // ANALYZE gives the planner real statistics, which can change its choices; they must stay index searches.
    await temp.db.exec('ANALYZE');

    const store = new InstructionStore(temp.db);
    for (const i of [0, 4_242, 99_999]) {
      expect((await store.current({ platform: 'slack', workspaceId: 'T1', kind: 'user', id: `U${i}` }))?.version).toBe(
        2,
      );
    }
    const written = await store.write(
      { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U4242' },
      { about: '', respond: 'new', enabled: true, action: 'set', actorId: 'U4242' },
    );
    expect(written.version).toBe(3);
    await expectEveryLookupIndexed(temp.db.connection);
  });
});

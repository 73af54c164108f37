import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/core/storage/database.js';
import { InstructionStore, MessageClaims, ReplyLog, ReportStore } from '../../../src/core/storage/index.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';

/** Every SQL text the repositories prepare, captured by wrapping this one connection's `prepare`. */
function repositorySql(db: Database): string[] {
  const sources: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    sources.push(sql);
    return prepare(sql);
  }) as Database['prepare'];
  try {
    new InstructionStore(db);
    new MessageClaims(db);
    new ReplyLog(db);
    new ReportStore(db);
  } finally {
    db.prepare = prepare;
  }
  return sources;
}

function queryPlan(db: Database, sql: string): string[] {
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1] ?? '');
  const explain = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
  const rows =
    named.length > 0
      ? explain.all(Object.fromEntries(named.map((name) => [name, 'x'])))
      : explain.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x'));
  return rows.map((row) => row.detail);
}

/** Fails when any repository statement would read a whole table or sort one. */
function expectEveryLookupIndexed(db: Database): void {
  const sources = repositorySql(db);
  expect(sources.length).toBeGreaterThan(20);
  for (const sql of sources) {
    for (const step of queryPlan(db, sql)) {
      // "SCAN t USING INDEX i" walks an index in order (a LIMITed listing, a partial index); a bare "SCAN t" reads the
      // table.
      expect(step, sql).not.toMatch(/^SCAN \w+$/);
      expect(step, sql).not.toMatch(/TEMP B-TREE/);
    }
  }
}

describe('indexes', () => {
  let temp: TempDatabase;
  beforeAll(() => {
    temp = openTempDatabase();
  });
  afterAll(() => temp.cleanup());

  it('serve every repository lookup on a fresh database', () => {
    expectEveryLookupIndexed(temp.db);
  });

  it('still serve them with 100,000 people stored and statistics gathered', () => {
    const insert = temp.db.prepare<[string, number]>(
      `INSERT INTO instruction_versions (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id, created_at)
       VALUES ('slack', 'T1', 'user', ?, ?, 'about', 'respond', 1, 'set', 'x', '2026-01-01T00:00:00.000Z')`,
    );
    temp.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        insert.run(`U${i}`, 1);
        insert.run(`U${i}`, 2);
      }
    })();
    // ANALYZE gives the planner real statistics, which can change its choices; they must stay index searches.
    temp.db.exec('ANALYZE');

    const store = new InstructionStore(temp.db);
    for (const i of [0, 4_242, 99_999]) {
      expect(store.current({ platform: 'slack', workspaceId: 'T1', kind: 'user', id: `U${i}` })?.version).toBe(2);
    }
    expect(
      store.write(
        { platform: 'slack', workspaceId: 'T1', kind: 'user', id: 'U4242' },
        {
          about: '',
          respond: 'new',
          enabled: true,
          action: 'set',
          actorId: 'U4242',
        },
      ).version,
    ).toBe(3);
    expectEveryLookupIndexed(temp.db);
  });
});

/**
 * The PostgreSQL migrations must leave the schema the SQLite ones leave: the stores write one SQL text
 * for both. Both sets are applied to fresh databases and their catalogues compared, then the triggers'
 * effects are compared by running the same statements on each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient, SqlExecutor } from '../../../src/core/storage/sql.js';
import { eachBackend, freshPostgres, freshSqlite, type FreshDatabase } from '../../support/test-databases.js';

/** Kept by the migrator, not by a migration file. */
const MIGRATOR_TABLES = new Set(['schema_migrations']);

interface Column {
  name: string;
  type: string;
  notNull: boolean;
}

interface ForeignKey {
  columns: string;
  references: string;
  onDelete: string;
}

interface TableShape {
  columns: Column[];
  primaryKey: string[];
  unique: string[];
  foreignKeys: ForeignKey[];
}

interface Schema {
  tables: Record<string, TableShape>;
  /** Explicitly created indexes: name → table and whether it is partial. */
  indexes: Record<string, string>;
  triggers: string[];
}

describe('PostgreSQL migrations', () => {
  let sqlite: FreshDatabase;
  let postgres: FreshDatabase;
  let sqliteSchema: Schema;
  let postgresSchema: Schema;

  beforeAll(async () => {
    sqlite = await freshSqlite();
    postgres = await freshPostgres();
    sqliteSchema = await describeSqlite(sqlite.client);
    postgresSchema = await describePostgres(postgres.client);
  });

  afterAll(async () => {
    await sqlite?.drop();
    await postgres?.drop();
  });

  it('create the same tables', () => {
    expect(Object.keys(postgresSchema.tables).sort()).toEqual(Object.keys(sqliteSchema.tables).sort());
    expect(Object.keys(sqliteSchema.tables).length).toBeGreaterThan(20);
  });

  it('give every table the same columns, types and nullability', () => {
    for (const [table, shape] of Object.entries(sqliteSchema.tables)) {
      expect({ table, columns: postgresSchema.tables[table]?.columns }).toEqual({ table, columns: shape.columns });
    }
  });

  it('give every table the same primary key, unique constraints and foreign keys', () => {
    for (const [table, shape] of Object.entries(sqliteSchema.tables)) {
      const { columns: _sqliteColumns, ...sqliteKeys } = shape;
      const { columns: _postgresColumns, ...postgresKeys } = postgresSchema.tables[table] ?? shape;
      expect({ table, ...postgresKeys }).toEqual({ table, ...sqliteKeys });
    }
  });

  it('create the same named indexes, partial where SQLite has them partial', () => {
    expect(postgresSchema.indexes).toEqual(sqliteSchema.indexes);
  });

  it('create the same triggers', () => {
    expect(postgresSchema.triggers).toEqual(sqliteSchema.triggers);
  });
});

/** SQLite's catalogue, normalised to what the comparison means. */
async function describeSqlite(sql: SqlClient): Promise<Schema> {
  // `table_list` tells FTS5's shadow tables (its storage) from the tables the migrations created.
  const names = await sql.all<{ name: string; type: string }>(
    `SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
       AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  );
  const tables: Record<string, TableShape> = {};
  for (const { name, type } of names) {
    if (MIGRATOR_TABLES.has(name)) continue;
    const info = await sql.all<{ name: string; type: string; notnull: number; pk: number }>(
      'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid',
      [name],
    );
    const columns = info.map((c) => ({
      name: c.name,
      // FTS5 columns have no declared type: they hold text.
      type: type === 'virtual' ? 'TEXT' : c.type.toUpperCase(),
      // SQLite lets a non-INTEGER primary key column hold NULL unless declared NOT NULL; Heed never writes
      // one, and PostgreSQL's primary keys are NOT NULL by definition. FTS5 columns are always written
      // (coalesced), which PostgreSQL's plain table states with NOT NULL.
      notNull: c.notnull === 1 || c.pk > 0 || type === 'virtual',
    }));
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    if (type === 'virtual') {
      // An FTS5 table's rows are keyed by the hidden rowid; PostgreSQL's plain table names it.
      columns.unshift({ name: 'rowid', type: 'INTEGER', notNull: true });
      primaryKey.push('rowid');
    }
    const uniqueIndexes = await sql.all<{ name: string }>(
      `SELECT name FROM pragma_index_list(?) WHERE origin = 'u' ORDER BY name`,
      [name],
    );
    const unique: string[] = [];
    for (const index of uniqueIndexes) {
      const cols = await sql.all<{ name: string }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [
        index.name,
      ]);
      unique.push(cols.map((c) => c.name).join(','));
    }
    const fks = await sql.all<{ id: number; from: string; table: string; to: string; on_delete: string }>(
      'SELECT id, "from", "table", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
      [name],
    );
    tables[name] = {
      columns,
      primaryKey,
      unique: unique.sort(),
      foreignKeys: fks
        .map((fk) => ({ columns: fk.from, references: `${fk.table}(${fk.to})`, onDelete: fk.on_delete }))
        .sort(byColumns),
    };
  }
  const indexes: Record<string, string> = {};
  const indexRows = await sql.all<{ name: string; tbl_name: string; sql: string }>(
    `SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`,
  );
  for (const index of indexRows) {
    indexes[index.name] = `${index.tbl_name}${/\bWHERE\b/i.test(index.sql) ? ' (partial)' : ''}`;
  }
  const triggers = await sql.all<{ name: string }>(
    `SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`,
  );
  return { tables, indexes, triggers: triggers.map((t) => t.name) };
}

/** PostgreSQL's catalogue, in the same terms. */
async function describePostgres(sql: SqlClient): Promise<Schema> {
  const names = await sql.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const tables: Record<string, TableShape> = {};
  for (const { name } of names) {
    if (MIGRATOR_TABLES.has(name)) continue;
    const info = await sql.all<{ name: string; type: string; nullable: string }>(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`,
      [name],
    );
    const constraints = await sql.all<{ kind: string; columns: string; target: string | null; on_delete: string }>(
      `SELECT c.contype AS kind,
              (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
              CASE WHEN c.contype = 'f' THEN
                c.confrelid::regclass::text || '(' ||
                (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) || ')'
              END AS target,
              c.confdeltype AS on_delete
         FROM pg_constraint c
        WHERE c.conrelid = ?::regclass AND c.contype IN ('p', 'u', 'f')`,
      [name],
    );
    tables[name] = {
      columns: info.map((c) => ({ name: c.name, type: typeFamily(c.type), notNull: c.nullable === 'NO' })),
      primaryKey: constraints.find((c) => c.kind === 'p')?.columns.split(',') ?? [],
      unique: constraints
        .filter((c) => c.kind === 'u')
        .map((c) => c.columns)
        .sort(),
      foreignKeys: constraints
        .filter((c) => c.kind === 'f')
        .map((c) => ({
          columns: c.columns,
          references: c.target ?? '',
          onDelete: ON_DELETE[c.on_delete] ?? c.on_delete,
        }))
        .sort(byColumns),
    };
  }
  const indexes: Record<string, string> = {};
  const indexRows = await sql.all<{ name: string; table: string; partial: boolean }>(
    `SELECT i.relname AS name, t.relname AS "table", x.indpred IS NOT NULL AS partial
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  );
  for (const index of indexRows) indexes[index.name] = `${index.table}${index.partial ? ' (partial)' : ''}`;
  const triggers = await sql.all<{ name: string }>(
    `SELECT DISTINCT trigger_name AS name FROM information_schema.triggers
      WHERE trigger_schema = current_schema() ORDER BY trigger_name`,
  );
  return { tables, indexes, triggers: triggers.map((t) => t.name) };
}

/** PostgreSQL's `confdeltype` letters in SQLite's words. */
const ON_DELETE: Readonly<Record<string, string>> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** Integer widths differ on purpose (BIGINT identity ids); what must match is integer, text or bytes. */
function typeFamily(type: string): string {
  if (type === 'integer' || type === 'bigint' || type === 'smallint') return 'INTEGER';
  if (type === 'text') return 'TEXT';
  if (type === 'bytea') return 'BLOB';
  return type;
}

function byColumns(a: ForeignKey, b: ForeignKey): number {
  return (a.columns + a.references).localeCompare(b.columns + b.references);
}

/** A reply row with only what the triggers read varying. */
async function insertReply(sql: SqlExecutor, id: string, messages: unknown[], replyText = `text of ${id}`) {
  await sql.run(
    `INSERT INTO replies (id, platform, workspace_id, channel_id, thread_id, source_message_id, asker_id, model,
       params_json, instruction_versions_json, messages_json, reply_text, status, latency_ms, created_at)
     VALUES (@id, 'slack', 'T1', 'C1', NULL, @id, 'U1', 'm', '{}', '[]', @messages, @replyText, 'complete', 5,
       '2026-01-01T00:00:00.000Z')`,
    { id, messages: JSON.stringify(messages), replyText },
  );
}

eachBackend('the migrations’ triggers', (database) => {
  it('release snapshot pieces when replies that name them are deleted or rewritten', async () => {
    const sql = database();
    await sql.run(`INSERT INTO snapshot_pieces (id, content, refs) VALUES ('p1', 'shared', 2), ('p2', 'own', 1)`);
    await insertReply(sql, 'r1', [
      { role: 'system', piece: 'p1' },
      { role: 'user', piece: 'p2' },
      { role: 'user', piece: 'p2' },
    ]);
    await insertReply(sql, 'r2', [
      { role: 'system', piece: 'p1' },
      { role: 'user', content: 'inline' },
    ]);

    await sql.run(`DELETE FROM replies WHERE id = 'r1'`);
    expect(await sql.all('SELECT id, refs FROM snapshot_pieces ORDER BY id')).toEqual([{ id: 'p1', refs: 1 }]);

    await sql.run(`UPDATE replies SET messages_json = '[]' WHERE id = 'r2'`);
    expect(await sql.all('SELECT id FROM snapshot_pieces')).toEqual([]);
  });

  it('keep one row per checked reply and check type, through re-checks and a deleted first reply', async () => {
    const sql = database();
    await insertReply(sql, 'first', []);
    await insertReply(sql, 'rewrite', []);
    const results = (oks: [string, boolean][]) => JSON.stringify(oks.map(([id, ok]) => ({ id, ok, label: id })));
    await sql.run(
      `INSERT INTO reply_checks (reply_id, passed, failed_count, results_json, rewrite_of, checked_at)
       VALUES ('first', 0, 1, @a, NULL, '2026-01-01'), ('rewrite', 1, 0, @b, 'first', '2026-01-02')`,
      {
        a: results([
          ['len', true],
          ['len', false],
          ['lang', true],
        ]),
        b: results([['len', true]]),
      },
    );
    const rows = () =>
      sql.all('SELECT reply_id, check_id, ok, rewrite, checked_at FROM reply_check_types ORDER BY 1, 2');
    expect(await rows()).toEqual([
      { reply_id: 'first', check_id: 'lang', ok: 1, rewrite: 0, checked_at: '2026-01-01' },
      { reply_id: 'first', check_id: 'len', ok: 0, rewrite: 0, checked_at: '2026-01-01' },
      { reply_id: 'rewrite', check_id: 'len', ok: 1, rewrite: 1, checked_at: '2026-01-02' },
    ]);

    await sql.run(`UPDATE reply_checks SET results_json = @a, checked_at = '2026-01-03' WHERE reply_id = 'first'`, {
      a: results([['tone', false]]),
    });
    await sql.run(`DELETE FROM replies WHERE id = 'first'`);
    expect(await rows()).toEqual([
      { reply_id: 'rewrite', check_id: 'len', ok: 1, rewrite: 0, checked_at: '2026-01-02' },
    ]);
  });

  it('keep the report search text in filing order, following note edits and deletions', async () => {
    const sql = database();
    await insertReply(sql, 'r1', [], 'The answer');
    const file = (id: string, reporter: string, note: string | null) =>
      sql.run(
        `INSERT INTO reports (id, reply_id, platform, workspace_id, reporter_id, source, signal, status, note,
           created_at, updated_at)
         VALUES (@id, 'r1', 'slack', 'T1', @reporter, 'button', 'bad', 'open', @note, '2026-01-01', '2026-01-01')`,
        { id, reporter, note },
      );
    await file('a', 'U1', 'too long');
    await file('b', 'U2', null);
    await sql.run(`UPDATE reports SET note = 'now noted' WHERE id = 'b'`);
    await sql.run(`DELETE FROM reports WHERE id = 'a'`);
    expect(
      await sql.all(
        `SELECT i.report_id, s.note, s.reply FROM report_search s JOIN report_search_ids i ON i.rowid = s.rowid
          ORDER BY s.rowid`,
      ),
    ).toEqual([{ report_id: 'b', note: 'now noted', reply: 'The answer' }]);
    expect(await sql.value(`SELECT rowid FROM report_search_ids WHERE report_id = 'b'`)).toBe(2);
  });
});

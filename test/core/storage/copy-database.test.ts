import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyDatabase, readSchema } from '../../../src/core/storage/copy-database.js';
import type { PostgresClient } from '../../../src/core/storage/postgres-client.js';
import type { SqlClient } from '../../../src/core/storage/sql.js';
import { AT, fillEveryTable } from '../../support/every-table.js';
import { freshPostgres, freshSqlite, type FreshDatabase } from '../../support/test-databases.js';

/** Every row of every table of `target`'s schema, read from `sql` in a stable order. */
async function contents(sql: SqlClient, target: SqlClient): Promise<Record<string, unknown[]>> {
  const all: Record<string, unknown[]> = {};
  for (const table of await readSchema(target)) {
    const columns = table.columns.map((c) => `"${c}"`).join(', ');
    all[table.name] = await sql.all(`SELECT ${columns} FROM "${table.name}" ORDER BY ${columns}`);
  }
  return all;
}

describe('copyDatabase', () => {
  let source: FreshDatabase;
  let target: FreshDatabase<PostgresClient>;

  beforeEach(async () => {
    source = await freshSqlite();
    target = await freshPostgres();
  });

  afterEach(async () => {
    await source.drop();
    await target.drop();
  });

  it('copies every row of every table, derived rows included, and counts them on both sides', async () => {
    await fillEveryTable(source.client);
    const copied: string[] = [];
    const counts = await copyDatabase(source.client, target.client, {
      batchSize: 2,
      onTable: (table) => copied.push(table),
    });

    expect(await contents(target.client, target.client)).toEqual(await contents(source.client, target.client));
    expect(counts.every((c) => c.source === c.target)).toBe(true);
    const rows = Object.fromEntries(counts.map((c) => [c.table, c.target]));
    expect(rows).toMatchObject({
      instruction_versions: 3,
      replies: 3,
      reports: 2,
      report_search: 2,
      report_search_ids: 2,
      reply_check_types: 2,
      link_attempts: 3,
    });
    // Parents before children.
    for (const [child, parent] of [
      ['reports', 'replies'],
      ['replays', 'reports'],
      ['instruction_checks', 'instruction_versions'],
      ['reply_checks', 'replies'],
    ] as const) {
      expect(copied.indexOf(child)).toBeGreaterThan(copied.indexOf(parent));
    }
  });

  it('leaves the target working as a live database: identities past the copied ids, triggers on', async () => {
    await fillEveryTable(source.client);
    await copyDatabase(source.client, target.client);
    const sql = target.client;

    const id = await sql.value(
      `INSERT INTO instruction_versions (platform, workspace_id, scope_kind, scope_id, version, about, respond,
         enabled, action, actor_id, created_at)
       VALUES ('slack', 'T1', 'user', 'U1', 3, '', '', 1, 'set', 'U1', @at) RETURNING id`,
      { at: AT },
    );
    expect(id).toBe(4);
    await sql.run(
      `INSERT INTO reports (id, reply_id, platform, workspace_id, reporter_id, source, signal, status, note,
         created_at, updated_at)
       VALUES ('rep4', 'r2', 'slack', 'T1', 'U1', 'button', 'bad', 'open', 'late', @at, @at)`,
      { at: AT },
    );
    // rep3's number was freed when it was deleted: max + 1, as SQLite would have numbered it.
    expect(await sql.value(`SELECT rowid FROM report_search_ids WHERE report_id = 'rep4'`)).toBe(3);
    expect(await sql.value(`SELECT note FROM report_search WHERE rowid = 3`)).toBe('late');
    await sql.run(`DELETE FROM replies WHERE id = 'r3'`);
    await sql.run(`DELETE FROM reports WHERE reply_id = 'r1'`);
    await sql.run(`DELETE FROM replies WHERE id = 'r1'`);
    expect(await sql.value(`SELECT refs FROM snapshot_pieces WHERE id = 'piece1'`)).toBe(1);
  });

  it('refuses a target that already holds rows, copying nothing', async () => {
    await fillEveryTable(source.client);
    await target.client.run(`INSERT INTO deployment_secrets (name, value, created_at) VALUES ('x', 'y', 'z')`);
    await expect(copyDatabase(source.client, target.client)).rejects.toMatchObject({
      code: 'usage',
      operatorMessage: expect.stringMatching(/not empty \(deployment_secrets holds 1 rows\).*Create a new database/),
    });
    expect(await target.client.value('SELECT COUNT(*) FROM replies')).toBe(0);
  });

  it('refuses databases at different schema versions', async () => {
    await target.client.run(
      'DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)',
    );
    await expect(copyDatabase(source.client, target.client)).rejects.toMatchObject({ code: 'usage' });
  });
});

import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, migrate, openDatabase } from '../../../src/core/storage/database.js';
import type { SqliteClient } from '../../../src/core/storage/sqlite-client.js';
import { tempDbPath, type TempDbPath } from '../../support/temp-db.js';

let temp: TempDbPath | undefined;
let db: SqliteClient | undefined;

afterEach(async () => {
  await db?.close();
  temp?.cleanup();
  db = undefined;
  temp = undefined;
});

/** A database migrated up to (and including) `version`, as an earlier Heed left it. */
async function databaseAt(version: number): Promise<SqliteClient> {
  temp = tempDbPath();
  const dir = join(temp.dir, 'migrations');
  mkdirSync(dir);
  for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR))
    if (Number(file.slice(0, 3)) <= version) cpSync(join(DEFAULT_MIGRATIONS_DIR, file), join(dir, file));
  db = await openDatabase(temp.path, { migrationsDir: dir });
  return db;
}

const REF = "'slack', 'T1', 'C1'";

it('009 keeps every claim and applied record, stored in their keys alone', async () => {
  const old = await databaseAt(8);
  await old.exec(`
    INSERT INTO replies (id, platform, workspace_id, channel_id, source_message_id, asker_id, model, params_json,
                         instruction_versions_json, messages_json, reply_text, status, latency_ms, created_at)
      VALUES ('r1', 'slack', 'T1', 'C1', '1.1', 'U1', 'm', '{}', '{}', '[]', 'hi', 'complete', 5, '2026-01-01');
    INSERT INTO reply_messages VALUES (${REF}, '1.2', 'r1');
    INSERT INTO reply_applied VALUES ('r1', '{"summary":{"layers":[],"model":"m"}}');
    INSERT INTO message_claims VALUES (${REF}, '1.1', 'a', 'done', 'r1', '2026-01-01', '2026-01-01', '2026-01-02');
    INSERT INTO message_claims VALUES (${REF}, '1.3', 'b', 'in_flight', NULL, '2026-01-01', NULL, '2026-01-02');
  `);

  await migrate(old, DEFAULT_MIGRATIONS_DIR);

  expect(await old.all('SELECT message_id, owner, status, reply_id, lease_until FROM message_claims')).toEqual([
    { message_id: '1.1', owner: 'a', status: 'done', reply_id: 'r1', lease_until: null },
    { message_id: '1.3', owner: 'b', status: 'in_flight', reply_id: null, lease_until: '2026-01-02' },
  ]);
  expect(await old.all('SELECT message_id, reply_id FROM reply_messages')).toEqual([
    { message_id: '1.2', reply_id: 'r1' },
  ]);
  expect(await old.value('SELECT applied_json FROM reply_applied')).toBe('{"summary":{"layers":[],"model":"m"}}');
  // No separate index of the primary key any more: the rows live in it.
  const autoIndexes = await old.all<{ name: string }>(
    `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'sqlite_autoindex_%'
       AND tbl_name IN ('message_claims', 'reply_applied')`,
  );
  expect(autoIndexes).toEqual([]);
  // The constraints came along: a reply's message ids and record go with it.
  await old.run("DELETE FROM replies WHERE id = 'r1'");
  expect(await old.value('SELECT count(*) FROM reply_messages')).toBe(0);
  expect(await old.value('SELECT count(*) FROM reply_applied')).toBe(0);
  await expect(
    old.run(`INSERT INTO message_claims VALUES (${REF}, '1.3', 'c', 'done', NULL, 'x', NULL, NULL)`),
  ).rejects.toThrow(/UNIQUE/);
  expect(await old.value('PRAGMA foreign_key_check')).toBeUndefined();
});

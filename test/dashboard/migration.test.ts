/**
 * Migration 007 on a database that already holds checked replies: the dashboard's per-type rows are
 * filled from what reply_checks recorded before it, and kept from then on by its triggers.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComplianceStore, DEFAULT_MIGRATIONS_DIR, openDatabase, ReportStore } from '../../src/core/storage/index.js';
import { tempDbPath, type TempDbPath } from '../support/temp-db.js';
import { checkResult, Seeder } from './seed.js';

let temp: TempDbPath;
let before007: string;

afterEach(() => {
  temp.cleanup();
  rmSync(before007, { recursive: true, force: true });
});

describe('migration 007', () => {
  it('GIVEN replies checked before it THEN a row per reply and check type, failing if any check of it did', async () => {
    temp = tempDbPath('heed-dash-migration-');
    before007 = mkdtempSync(join(tmpdir(), 'heed-migrations-'));
    for (const file of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((name) => /^00[1-6]_.*\.sql$/.test(name)))
      copyFileSync(join(DEFAULT_MIGRATIONS_DIR, file), join(before007, file));
    const old = await openDatabase(temp.path, { migrationsDir: before007 });
    const seed = new Seeder(old);
    const bullets = 'detectable_format:number_bullet_lists';
    const first = await seed.report({
      checks: [
        checkResult('keywords:existence', true, "includes 'alpha'", 'It does.'),
        checkResult('keywords:existence', false, "includes 'beta'", 'It does not.'),
        checkResult(bullets, true, 'exactly 3 bullet points', '3 bullet points.'),
      ],
    });
    await seed.rewrite(first, 'again', [checkResult(bullets, true, 'exactly 3 bullet points', '3 bullet points.')]);
    const firstReply = (await new ReportStore(old).get(first))?.replyId ?? '';
    await old.close();

    const db = await openDatabase(temp.path);
    try {
      const rows = () =>
        db.all('SELECT reply_id = ? AS first, check_id, ok, rewrite FROM reply_check_types ORDER BY 1 DESC, 2', [
          firstReply,
        ]);
      expect(await rows()).toEqual([
        { first: 1, check_id: bullets, ok: 1, rewrite: 0 },
        { first: 1, check_id: 'keywords:existence', ok: 0, rewrite: 0 },
        { first: 0, check_id: bullets, ok: 1, rewrite: 1 },
      ]);
      // A re-check replaces the rows of that reply.
      await new ComplianceStore(db).recordResult(firstReply, { passed: true, results: [] });
      expect(await rows()).toEqual([{ first: 0, check_id: bullets, ok: 1, rewrite: 1 }]);
    } finally {
      await db.close();
    }
  });
});

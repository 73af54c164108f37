import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshPostgres, postgresUrl } from '../../support/test-databases.js';

/** Whether a database of that name exists on the test server. */
async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: await postgresUrl() });
  await admin.connect();
  try {
    const result = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('freshPostgres', () => {
  it('gives each caller its own migrated database and drops it, open connections and all', async () => {
    const [a, b] = await Promise.all([freshPostgres(), freshPostgres()]);
    const nameOf = (url: string) => new URL(url).pathname.slice(1);
    expect(nameOf(a.url)).toMatch(/^heed_test_[0-9a-f]{12}$/);
    expect(nameOf(a.url)).not.toBe(nameOf(b.url));

    await a.client.run(`INSERT INTO deployment_secrets (name, value, created_at) VALUES ('k', 'v', 'now')`);
    expect(await b.client.value('SELECT COUNT(*) FROM deployment_secrets')).toBe(0);

    // A second connection left open (a test that forgot to close) does not stop the drop.
    const straggler = new pg.Client({ connectionString: a.url });
    straggler.on('error', () => undefined);
    await straggler.connect();
    await Promise.all([a.drop(), b.drop()]);
    await straggler.end().catch(() => undefined);

    expect(await databaseExists(nameOf(a.url))).toBe(false);
    expect(await databaseExists(nameOf(b.url))).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import type { SqlExecutor } from './sql.js';

/**
 * The deployment's secret called `name`: generated at random the first time it is asked for and stored,
 * so every process on this database and every restart use the same one. Insert-or-ignore then read, so
 * two processes starting together agree on the first one written.
 */
export async function deploymentSecret(
  sql: SqlExecutor,
  name: string,
  now: () => Date = () => new Date(),
): Promise<string> {
  await sql.run('INSERT INTO deployment_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
    name,
    randomBytes(32).toString('base64url'),
    now().toISOString(),
  ]);
  return (await sql.value<string>('SELECT value FROM deployment_secrets WHERE name = ?', [name])) ?? '';
}

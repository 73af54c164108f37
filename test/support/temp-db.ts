import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/core/storage/database.js';
import type { OpenDatabaseOptions } from '../../src/core/storage/database.js';
import type { SqliteClient } from '../../src/core/storage/sqlite-client.js';

/** A fresh directory under the OS temp dir and a database path inside it (the file is not created). */
export interface TempDbPath {
  dir: string;
  path: string;
  /** Remove the directory and everything in it (database, -wal and -shm files). Close connections first. */
  cleanup(): void;
}

/** A migrated database in its own temp directory. */
export interface TempDatabase {
  db: SqliteClient;
  dir: string;
  path: string;
  /** Close the database (if still open) and remove the directory and everything in it. */
  cleanup(): Promise<void>;
}

/** Make a fresh temp database path; call `cleanup()` when done (e.g. in `afterEach`). */
export function tempDbPath(prefix = 'heed-test-'): TempDbPath {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: join(dir, 'heed.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Open a migrated database on a fresh temp path. `cleanup()` closes it (if still open) and removes the files. */
export async function openTempDatabase(options?: OpenDatabaseOptions): Promise<TempDatabase> {
  const temp = tempDbPath();
  try {
    const db = await openDatabase(temp.path, options);
    return {
      db,
      dir: temp.dir,
      path: temp.path,
      cleanup: async () => {
        await db.close();
        temp.cleanup();
      },
    };
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/core/storage/database.js';
import type { Database, OpenDatabaseOptions } from '../../src/core/storage/database.js';

/** A fresh directory under the OS temp dir and a database path inside it (the file is not created). */
export interface TempDbPath {
  dir: string;
  path: string;
  /** Remove the directory and everything in it (database, -wal and -shm files). Close connections first. */
  cleanup(): void;
}

/** A migrated database in its own temp directory. */
export interface TempDatabase extends TempDbPath {
  db: Database;
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
export function openTempDatabase(options?: OpenDatabaseOptions): TempDatabase {
  const temp = tempDbPath();
  try {
    const db = openDatabase(temp.path, options);
    return {
      ...temp,
      db,
      cleanup: () => {
        if (db.open) db.close();
        temp.cleanup();
      },
    };
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

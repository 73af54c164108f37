import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTempDatabase, type TempDatabase } from '../../support/temp-db.js';

let temp: TempDatabase;
beforeEach(async () => {
  temp = await openTempDatabase();
  await temp.db.exec('CREATE TABLE events (n INTEGER NOT NULL)');
});
afterEach(() => temp.cleanup());

it('GIVEN an open transaction THEN others wait for it in order of arrival, and never run inside it', async () => {
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = temp.db.transaction(async (tx) => {
    await tx.run('INSERT INTO events (n) VALUES (1)');
    await held;
    order.push('first committed');
    throw new Error('rolled back');
  });
  // A read and a second transaction arrive while the first is open: the read must not see its row,
  // nor run after transactions that arrived later.
  const read = temp.db.value<number>('SELECT COUNT(*) FROM events').then((count) => order.push(`read ${count}`));
  const second = temp.db.transaction(async (tx) => {
    await tx.run('INSERT INTO events (n) VALUES (2)');
    order.push('second');
  });
  const laterRead = temp.db.value<number>('SELECT COUNT(*) FROM events').then((count) => order.push(`read ${count}`));
  release();
  await expect(first).rejects.toThrow('rolled back');
  await Promise.all([read, second, laterRead]);
  expect(order).toEqual(['first committed', 'read 0', 'second', 'read 1']);
});

it('GIVEN no transaction THEN a statement runs at once, and a failing one rejects without blocking the next', async () => {
  await expect(temp.db.run('INSERT INTO nowhere (n) VALUES (1)')).rejects.toThrow(/no such table/);
  await expect(temp.db.transaction(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
  expect(await temp.db.value('SELECT COUNT(*) FROM events')).toBe(0);
});

describe('group commit', () => {
  /** Another connection to the same file, as the reports CLI or a second process would have. */
  const otherCount = (): number => {
    const other = new Database(temp.path, { readonly: true });
    try {
      return (other.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      other.close();
    }
  };
  const insert = (n: number) => temp.db.transaction((tx) => tx.run('INSERT INTO events (n) VALUES (?)', [n]));

  it('GIVEN transactions in one turn THEN they share one commit, and each settles once it is durable', async () => {
    const transactions = [
      insert(1),
      temp.db.transaction(async (tx) => {
        await tx.run('INSERT INTO events (n) VALUES (2)');
        await tx.run('INSERT INTO events (n) VALUES (3)');
      }),
    ];
    // Read on this connection, the batch is already there; from another, nothing is committed yet.
    expect(await temp.db.value('SELECT COUNT(*) FROM events')).toBe(3);
    expect(otherCount()).toBe(0);
    await Promise.all(transactions);
    expect(otherCount()).toBe(3);
  });

  it('GIVEN a single statement while transactions wait THEN it commits at once, and takes them with it', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('turn ended'));
    const waiting = insert(1);
    await temp.db.run('INSERT INTO events (n) VALUES (2)');
    order.push('statement settled');
    // Settled, and the transaction with it, before the turn ended.
    expect(order).toEqual(['statement settled']);
    expect(otherCount()).toBe(2);
    await waiting;
  });

  it('GIVEN a failing transaction in the batch THEN only its writes are rolled back', async () => {
    const kept = insert(1);
    const failed = temp.db.transaction(async (tx) => {
      await tx.run('INSERT INTO events (n) VALUES (2)');
      throw new Error('changed my mind');
    });
    const after = insert(3);
    await expect(failed).rejects.toThrow('changed my mind');
    await Promise.all([kept, after]);
    expect(otherCount()).toBe(2);
    expect(await temp.db.all('SELECT n FROM events ORDER BY n')).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('GIVEN a PRAGMA while a batch is open THEN the batch is committed first (a WAL checkpoint needs that)', async () => {
    const write = insert(1);
    const checkpoint = await temp.db.get<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(checkpoint?.busy).toBe(0);
    expect(otherCount()).toBe(1);
    await write;
  });

  it('GIVEN the commit is refused THEN every transaction of the batch rejects and none is stored', async () => {
    await temp.db.exec(`CREATE TABLE parents (id INTEGER PRIMARY KEY);
      CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    // A deferred foreign key is checked at COMMIT: the batch's commit is refused.
    const good = insert(1);
    const orphan = temp.db.transaction((tx) => tx.run('INSERT INTO children (parent) VALUES (42)'));
    await expect(good).rejects.toThrow(/FOREIGN KEY/);
    await expect(orphan).rejects.toThrow(/FOREIGN KEY/);
    expect(otherCount()).toBe(0);
    // The next write starts afresh.
    await insert(2);
    expect(otherCount()).toBe(1);
  });

  it('GIVEN a single statement whose commit is refused THEN it rejects with the batch it took along', async () => {
    await temp.db.exec(`CREATE TABLE parents (id INTEGER PRIMARY KEY);
      CREATE TABLE children (parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    const orphan = temp.db.transaction((tx) => tx.run('INSERT INTO children (parent) VALUES (42)'));
    await expect(temp.db.run('INSERT INTO events (n) VALUES (1)')).rejects.toThrow(/FOREIGN KEY/);
    await expect(orphan).rejects.toThrow(/FOREIGN KEY/);
    expect(otherCount()).toBe(0);
  });
});

describe('the write-ahead log once writes stop', () => {
  const walBytes = (path: string): number => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

  it('GIVEN a burst of writes THEN the log is truncated once the database is idle, and again after the next burst', async () => {
    const idle = await openTempDatabase({ walIdleTrimMs: 20 });
    try {
      await idle.db.exec('CREATE TABLE notes (body TEXT NOT NULL)');
      for (let n = 0; n < 50; n++) await idle.db.run('INSERT INTO notes (body) VALUES (?)', ['x'.repeat(2000)]);
      expect(walBytes(idle.path)).toBeGreaterThan(0);
      await vi.waitFor(() => expect(walBytes(idle.path)).toBe(0), { timeout: 5_000, interval: 10 });
      // The rows are in the database file itself now.
      const reader = new Database(idle.path, { readonly: true });
      expect((reader.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n).toBe(50);
      reader.close();
      await idle.db.run('INSERT INTO notes (body) VALUES (?)', ['after']);
      expect(walBytes(idle.path)).toBeGreaterThan(0);
      await vi.waitFor(() => expect(walBytes(idle.path)).toBe(0), { timeout: 5_000, interval: 10 });
    } finally {
      await idle.cleanup();
    }
  });

  it('GIVEN another connection reading THEN the trim waits for it without blocking this one, then truncates', async () => {
    // A busy handler that waited for the reader would hold this thread for the whole minute.
    const idle = await openTempDatabase({ walIdleTrimMs: 20, busyTimeoutMs: 60_000 });
    try {
      await idle.db.exec('CREATE TABLE notes (body TEXT NOT NULL)');
      await idle.db.run('INSERT INTO notes (body) VALUES (?)', ['first']);
      const reader = new Database(idle.path, { readonly: true });
      const begin = reader.prepare('BEGIN');
      begin.run();
      reader.prepare('SELECT COUNT(*) FROM notes').get();
      // Wait for a few trim attempts against the open read snapshot; each must come back at once.
      let ticks = 0;
      await vi.waitFor(() => expect(++ticks).toBeGreaterThan(5), { timeout: 5_000, interval: 20 });
      expect(await idle.db.value('SELECT COUNT(*) FROM notes')).toBe(1);
      reader.prepare('COMMIT').run();
      reader.close();
      await vi.waitFor(() => expect(walBytes(idle.path)).toBe(0), { timeout: 5_000, interval: 10 });
    } finally {
      await idle.cleanup();
    }
  });
});

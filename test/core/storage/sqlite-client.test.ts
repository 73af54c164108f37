import { afterEach, beforeEach, expect, it } from 'vitest';
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

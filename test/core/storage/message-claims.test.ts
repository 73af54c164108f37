import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/storage/database.js';
import { MessageClaims } from '../../../src/core/storage/message-claims.js';
import type { SqlClient, SqlExecutor } from '../../../src/core/storage/sql.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { messageRef, testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

interface ClaimRow {
  owner: string;
  status: string;
  reply_id: string | null;
  claimed_at: string;
  completed_at: string | null;
}

let temp: TempDatabase;
let clock: TestClock;
let claims: MessageClaims;
const others: SqlClient[] = [];

function row(db: SqlExecutor, messageId: string): Promise<ClaimRow | undefined> {
  return db.get<ClaimRow>(
    'SELECT owner, status, reply_id, claimed_at, completed_at FROM message_claims WHERE message_id = ?',
    [messageId],
  );
}

async function secondConnection(): Promise<SqlClient> {
  const db = await openDatabase(temp.path);
  others.push(db);
  return db;
}

beforeEach(async () => {
  temp = await openTempDatabase();
  clock = testClock();
  claims = new MessageClaims(temp.db, clock.now);
});
afterEach(async () => {
  for (const db of others.splice(0)) await db.close();
  await temp.cleanup();
});

describe('MessageClaims', () => {
  it('claims a new message once; a second delivery is a duplicate', async () => {
    const ref = messageRef('1700000000.000100');
    expect(await claims.claim(ref, 'proc-a')).toBe('claimed');
    expect(await claims.claim(ref, 'proc-a')).toBe('duplicate');
    expect(await claims.claim(ref, 'proc-b')).toBe('duplicate');
    expect(await row(temp.db, ref.messageId)).toEqual({
      owner: 'proc-a',
      status: 'in_flight',
      reply_id: null,
      claimed_at: '2026-03-01T12:00:00.000Z',
      completed_at: null,
    });
  });

  it('treats the same message id in another channel, workspace or platform as another message', async () => {
    const ref = messageRef('42');
    expect(await claims.claim(ref, 'a')).toBe('claimed');
    expect(await claims.claim({ ...ref, channelId: 'C2' }, 'a')).toBe('claimed');
    expect(await claims.claim({ ...ref, workspaceId: 'T2' }, 'a')).toBe('claimed');
    expect(await claims.claim({ ...ref, platform: 'discord' }, 'a')).toBe('claimed');
  });

  it('keeps a completed message a duplicate and records the reply', async () => {
    const ref = messageRef('1');
    await claims.claim(ref, 'a');
    clock.advanceMs(2500);
    await claims.complete(ref, 'reply-1');
    expect(await row(temp.db, '1')).toMatchObject({
      status: 'done',
      reply_id: 'reply-1',
      completed_at: '2026-03-01T12:00:02.500Z',
    });
    expect(await claims.claim(ref, 'b')).toBe('duplicate');
  });

  it('lets a redelivery be answered after release', async () => {
    const ref = messageRef('1');
    await claims.claim(ref, 'a');
    await claims.release(ref);
    expect(await row(temp.db, '1')).toBeUndefined();
    expect(await claims.claim(ref, 'a')).toBe('claimed');
  });

  it('says a message is taken while in flight or done, and not when new, released or abandoned', async () => {
    const ref = messageRef('taken');
    expect(await claims.isTaken(ref)).toBe(false);
    await claims.claim(ref, 'old');
    expect(await claims.isTaken(ref)).toBe(true);
    await claims.abandonInFlight('new');
    expect(await claims.isTaken(ref)).toBe(false);
    await claims.claim(ref, 'new');
    await claims.complete(ref, null);
    expect(await claims.isTaken(ref)).toBe(true);
    await claims.release(ref);
    expect(await claims.isTaken(ref)).toBe(false);
  });

  it('marks only other owners\u2019 in-flight claims abandoned at start-up, and lets them be taken over', async () => {
    await claims.claim(messageRef('old-in-flight'), 'old');
    await claims.claim(messageRef('old-done'), 'old');
    await claims.complete(messageRef('old-done'), null);
    await claims.claim(messageRef('mine'), 'new');

    expect(await claims.abandonInFlight('new')).toBe(1);
    expect((await row(temp.db, 'old-in-flight'))?.status).toBe('abandoned');
    expect((await row(temp.db, 'old-done'))?.status).toBe('done');
    expect((await row(temp.db, 'mine'))?.status).toBe('in_flight');
    expect(await claims.abandonInFlight('new')).toBe(0);

    clock.advanceMs(60_000);
    expect(await claims.claim(messageRef('old-in-flight'), 'new')).toBe('claimed');
    expect(await row(temp.db, 'old-in-flight')).toMatchObject({
      owner: 'new',
      status: 'in_flight',
      claimed_at: '2026-03-01T12:01:00.000Z',
    });
    // Taken over once: the next delivery is a duplicate again.
    expect(await claims.claim(messageRef('old-in-flight'), 'other')).toBe('duplicate');
    expect(await claims.claim(messageRef('old-done'), 'new')).toBe('duplicate');
  });

  it('never lets two connections on the same file both claim a message', async () => {
    const other = new MessageClaims(await secondConnection(), clock.now);
    const ref = messageRef('1');
    expect(await claims.claim(ref, 'a')).toBe('claimed');
    expect(await other.claim(ref, 'b')).toBe('duplicate');

    expect(await other.claim(messageRef('2'), 'b')).toBe('claimed');
    expect(await claims.claim(messageRef('2'), 'a')).toBe('duplicate');

    // An abandoned claim is taken over by exactly one of them.
    await other.abandonInFlight('b');
    expect((await row(temp.db, '1'))?.status).toBe('abandoned');
    expect(await other.claim(ref, 'b')).toBe('claimed');
    expect(await claims.claim(ref, 'a')).toBe('duplicate');
  });

  it('agrees with a simple model under any interleaving of two connections', async () => {
    const connections = [claims, new MessageClaims(await secondConnection(), clock.now)];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('claim' as const),
        conn: fc.nat(1),
        msg: fc.nat(2),
        owner: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({ kind: fc.constant('complete' as const), conn: fc.nat(1), msg: fc.nat(2) }),
      fc.record({ kind: fc.constant('release' as const), conn: fc.nat(1), msg: fc.nat(2) }),
      fc.record({ kind: fc.constant('abandon' as const), conn: fc.nat(1), owner: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        await temp.db.exec('DELETE FROM message_claims');
        const model = new Map<number, { owner: string; status: 'in_flight' | 'done' | 'abandoned' }>();
        for (const o of ops) {
          const store = connections[o.conn]!;
          switch (o.kind) {
            case 'claim': {
              const existing = model.get(o.msg);
              const expected = !existing || existing.status === 'abandoned' ? 'claimed' : 'duplicate';
              if (expected === 'claimed') model.set(o.msg, { owner: o.owner, status: 'in_flight' });
              expect(await store.claim(messageRef(String(o.msg)), o.owner)).toBe(expected);
              break;
            }
            case 'complete': {
              const existing = model.get(o.msg);
              if (existing) existing.status = 'done';
              await store.complete(messageRef(String(o.msg)), null);
              break;
            }
            case 'release':
              model.delete(o.msg);
              await store.release(messageRef(String(o.msg)));
              break;
            case 'abandon': {
              let expected = 0;
              for (const claim of model.values()) {
                if (claim.status === 'in_flight' && claim.owner !== o.owner) {
                  claim.status = 'abandoned';
                  expected++;
                }
              }
              expect(await store.abandonInFlight(o.owner)).toBe(expected);
              break;
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('purges claims older than the retention period', async () => {
    await claims.claim(messageRef('old'), 'a');
    await claims.complete(messageRef('old'), null);
    clock.advanceDays(20);
    await claims.claim(messageRef('recent'), 'a');
    clock.advanceDays(15);

    expect(await claims.purge(30)).toBe(1);
    expect(await row(temp.db, 'old')).toBeUndefined();
    expect(await row(temp.db, 'recent')).toBeDefined();
    expect(await claims.purge(30)).toBe(0);
  });
});

describe('MessageClaims across threads', () => {
  it('gives each message to exactly one of several workers racing on the same file', async () => {
    const { Worker } = await import('node:worker_threads');
    const workers = 4;
    const messages = 300;
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const script = new URL('./claim-worker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); });`;
    const results = await Promise.all(
      Array.from({ length: workers }, (_, i) => {
        // Workers do not inherit vitest's TypeScript transform; tsx's loader is registered inside each one.
        const worker = new Worker(bootstrap, {
          eval: true,
          workerData: { path: temp.path, owner: `worker-${i}`, messages, gate, workers },
        });
        return new Promise<number[]>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
        });
      }),
    );
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: messages }, (_, i) => i));
  });
});

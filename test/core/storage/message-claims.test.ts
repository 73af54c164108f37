import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/storage/database.js';
import type { Database } from '../../../src/core/storage/database.js';
import { MessageClaims } from '../../../src/core/storage/message-claims.js';
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
const others: Database[] = [];

function row(db: Database, messageId: string): ClaimRow | undefined {
  return db
    .prepare<[string], ClaimRow>(
      'SELECT owner, status, reply_id, claimed_at, completed_at FROM message_claims WHERE message_id = ?',
    )
    .get(messageId);
}

function secondConnection(): Database {
  const db = openDatabase(temp.path);
  others.push(db);
  return db;
}

beforeEach(() => {
  temp = openTempDatabase();
  clock = testClock();
  claims = new MessageClaims(temp.db, clock.now);
});
afterEach(() => {
  for (const db of others.splice(0)) db.close();
  temp.cleanup();
});

describe('MessageClaims', () => {
  it('claims a new message once; a second delivery is a duplicate', () => {
    const ref = messageRef('1700000000.000100');
    expect(claims.claim(ref, 'proc-a')).toBe('claimed');
    expect(claims.claim(ref, 'proc-a')).toBe('duplicate');
    expect(claims.claim(ref, 'proc-b')).toBe('duplicate');
    expect(row(temp.db, ref.messageId)).toEqual({
      owner: 'proc-a',
      status: 'in_flight',
      reply_id: null,
      claimed_at: '2026-03-01T12:00:00.000Z',
      completed_at: null,
    });
  });

  it('treats the same message id in another channel, workspace or platform as another message', () => {
    const ref = messageRef('42');
    expect(claims.claim(ref, 'a')).toBe('claimed');
    expect(claims.claim({ ...ref, channelId: 'C2' }, 'a')).toBe('claimed');
    expect(claims.claim({ ...ref, workspaceId: 'T2' }, 'a')).toBe('claimed');
    expect(claims.claim({ ...ref, platform: 'discord' }, 'a')).toBe('claimed');
  });

  it('keeps a completed message a duplicate and records the reply', () => {
    const ref = messageRef('1');
    claims.claim(ref, 'a');
    clock.advanceMs(2500);
    claims.complete(ref, 'reply-1');
    expect(row(temp.db, '1')).toMatchObject({
      status: 'done',
      reply_id: 'reply-1',
      completed_at: '2026-03-01T12:00:02.500Z',
    });
    expect(claims.claim(ref, 'b')).toBe('duplicate');
  });

  it('lets a redelivery be answered after release', () => {
    const ref = messageRef('1');
    claims.claim(ref, 'a');
    claims.release(ref);
    expect(row(temp.db, '1')).toBeUndefined();
    expect(claims.claim(ref, 'a')).toBe('claimed');
  });

  it('says a message is taken while in flight or done, and not when new, released or abandoned', () => {
    const ref = messageRef('taken');
    expect(claims.isTaken(ref)).toBe(false);
    claims.claim(ref, 'old');
    expect(claims.isTaken(ref)).toBe(true);
    claims.abandonInFlight('new');
    expect(claims.isTaken(ref)).toBe(false);
    claims.claim(ref, 'new');
    claims.complete(ref, null);
    expect(claims.isTaken(ref)).toBe(true);
    claims.release(ref);
    expect(claims.isTaken(ref)).toBe(false);
  });

  it('marks only other owners\u2019 in-flight claims abandoned at start-up, and lets them be taken over', () => {
    claims.claim(messageRef('old-in-flight'), 'old');
    claims.claim(messageRef('old-done'), 'old');
    claims.complete(messageRef('old-done'), null);
    claims.claim(messageRef('mine'), 'new');

    expect(claims.abandonInFlight('new')).toBe(1);
    expect(row(temp.db, 'old-in-flight')?.status).toBe('abandoned');
    expect(row(temp.db, 'old-done')?.status).toBe('done');
    expect(row(temp.db, 'mine')?.status).toBe('in_flight');
    expect(claims.abandonInFlight('new')).toBe(0);

    clock.advanceMs(60_000);
    expect(claims.claim(messageRef('old-in-flight'), 'new')).toBe('claimed');
    expect(row(temp.db, 'old-in-flight')).toMatchObject({
      owner: 'new',
      status: 'in_flight',
      claimed_at: '2026-03-01T12:01:00.000Z',
    });
    // Taken over once: the next delivery is a duplicate again.
    expect(claims.claim(messageRef('old-in-flight'), 'other')).toBe('duplicate');
    expect(claims.claim(messageRef('old-done'), 'new')).toBe('duplicate');
  });

  it('never lets two connections on the same file both claim a message', () => {
    const other = new MessageClaims(secondConnection(), clock.now);
    const ref = messageRef('1');
    expect(claims.claim(ref, 'a')).toBe('claimed');
    expect(other.claim(ref, 'b')).toBe('duplicate');

    expect(other.claim(messageRef('2'), 'b')).toBe('claimed');
    expect(claims.claim(messageRef('2'), 'a')).toBe('duplicate');

    // An abandoned claim is taken over by exactly one of them.
    other.abandonInFlight('b');
    expect(row(temp.db, '1')?.status).toBe('abandoned');
    expect(other.claim(ref, 'b')).toBe('claimed');
    expect(claims.claim(ref, 'a')).toBe('duplicate');
  });

  it('agrees with a simple model under any interleaving of two connections', () => {
    const connections = [claims, new MessageClaims(secondConnection(), clock.now)];
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
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        temp.db.exec('DELETE FROM message_claims');
        const model = new Map<number, { owner: string; status: 'in_flight' | 'done' | 'abandoned' }>();
        for (const o of ops) {
          const store = connections[o.conn]!;
          switch (o.kind) {
            case 'claim': {
              const existing = model.get(o.msg);
              const expected = !existing || existing.status === 'abandoned' ? 'claimed' : 'duplicate';
              if (expected === 'claimed') model.set(o.msg, { owner: o.owner, status: 'in_flight' });
              expect(store.claim(messageRef(String(o.msg)), o.owner)).toBe(expected);
              break;
            }
            case 'complete': {
              const existing = model.get(o.msg);
              if (existing) existing.status = 'done';
              store.complete(messageRef(String(o.msg)), null);
              break;
            }
            case 'release':
              model.delete(o.msg);
              store.release(messageRef(String(o.msg)));
              break;
            case 'abandon': {
              let expected = 0;
              for (const claim of model.values()) {
                if (claim.status === 'in_flight' && claim.owner !== o.owner) {
                  claim.status = 'abandoned';
                  expected++;
                }
              }
              expect(store.abandonInFlight(o.owner)).toBe(expected);
              break;
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('purges claims older than the retention period', () => {
    claims.claim(messageRef('old'), 'a');
    claims.complete(messageRef('old'), null);
    clock.advanceDays(20);
    claims.claim(messageRef('recent'), 'a');
    clock.advanceDays(15);

    expect(claims.purge(30)).toBe(1);
    expect(row(temp.db, 'old')).toBeUndefined();
    expect(row(temp.db, 'recent')).toBeDefined();
    expect(claims.purge(30)).toBe(0);
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

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/storage/database.js';
import { MessageClaims } from '../../../src/core/storage/message-claims.js';
import type { SqlClient, SqlExecutor } from '../../../src/core/storage/sql.js';
import { openTempDatabase } from '../../support/temp-db.js';
import type { TempDatabase } from '../../support/temp-db.js';
import { eachBackend } from '../../support/test-databases.js';
import { messageRef, testClock } from './fixtures.js';
import type { TestClock } from './fixtures.js';

interface ClaimRow {
  owner: string;
  status: string;
  reply_id: string | null;
  claimed_at: string;
  completed_at: string | null;
}

function row(db: SqlExecutor, messageId: string): Promise<ClaimRow | undefined> {
  return db.get<ClaimRow>(
    'SELECT owner, status, reply_id, claimed_at, completed_at FROM message_claims WHERE message_id = ?',
    [messageId],
  );
}

eachBackend('MessageClaims', (database) => {
  let clock: TestClock;
  let claims: MessageClaims;

  beforeEach(() => {
    clock = testClock();
    claims = new MessageClaims(database(), clock.now);
  });

  it('claims a new message once; a second delivery is a duplicate', async () => {
    const ref = messageRef('1700000000.000100');
    expect(await claims.claim(ref, 'proc-a')).toBe('claimed');
    expect(await claims.claim(ref, 'proc-a')).toBe('duplicate');
    expect(await claims.claim(ref, 'proc-b')).toBe('duplicate');
    expect(await row(database(), ref.messageId)).toEqual({
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
    expect(await claims.complete(ref, 'reply-1', 'a')).toBe(true);
    expect(await row(database(), '1')).toMatchObject({
      status: 'done',
      reply_id: 'reply-1',
      completed_at: '2026-03-01T12:00:02.500Z',
    });
    expect(await claims.claim(ref, 'b')).toBe('duplicate');
  });

  it('keeps no lease on a completed message (it would only take room)', async () => {
    const ref = messageRef('1');
    await claims.claim(ref, 'a');
    await claims.complete(ref, 'reply-1', 'a');
    expect(await database().value('SELECT lease_until FROM message_claims WHERE message_id = ?', ['1'])).toBeNull();
    expect(await claims.isTaken(ref)).toBe(true);
  });

  it('lets a redelivery be answered after release', async () => {
    const ref = messageRef('1');
    await claims.claim(ref, 'a');
    await claims.release(ref, 'a');
    expect(await row(database(), '1')).toBeUndefined();
    expect(await claims.claim(ref, 'a')).toBe('claimed');
  });

  it('says a message is taken while in flight under a live lease or done, and not when new, released or expired', async () => {
    const ref = messageRef('taken');
    expect(await claims.isTaken(ref)).toBe(false);
    await claims.claim(ref, 'old');
    expect(await claims.isTaken(ref)).toBe(true);
    clock.advanceMs(claims.leaseMs + 1);
    expect(await claims.isTaken(ref)).toBe(false);
    await claims.claim(ref, 'new');
    await claims.release(ref, 'new');
    expect(await claims.isTaken(ref)).toBe(false);
    await claims.claim(ref, 'new');
    await claims.complete(ref, null, 'new');
    clock.advanceMs(claims.leaseMs + 1);
    expect(await claims.isTaken(ref)).toBe(true);
  });

  it('never takes a claim whose owner keeps renewing it, and takes it over once the lease has run out', async () => {
    const ref = messageRef('leased');
    expect(await claims.claim(ref, 'old')).toBe('claimed');
    await claims.claim(messageRef('old-done'), 'old');
    await claims.complete(messageRef('old-done'), null, 'old');
    await claims.claim(messageRef('other-owner'), 'someone');

    clock.advanceMs(claims.leaseMs - 1);
    expect(await claims.claim(ref, 'new')).toBe('duplicate');
    // The owner renews only its own claims still in flight.
    const renewal = await claims.renew('old');
    expect(renewal).toEqual({ renewed: 1, until: new Date(clock.now().getTime() + claims.leaseMs).toISOString() });
    clock.advanceMs(claims.leaseMs - 1);
    // Older than one lease since the claim, but renewed: still the live owner's.
    expect(await claims.claim(ref, 'new')).toBe('duplicate');

    clock.advanceMs(2);
    expect(await claims.claim(ref, 'new')).toBe('claimed');
    expect(await row(database(), 'leased')).toMatchObject({ owner: 'new', status: 'in_flight' });
    // Taken over once: the next delivery is a duplicate again; a done claim never expires.
    expect(await claims.claim(ref, 'other')).toBe('duplicate');
    expect(await claims.claim(messageRef('old-done'), 'new')).toBe('duplicate');
    expect(await claims.renew('old')).toMatchObject({ renewed: 0 });
  });

  it('GIVEN a claim taken over after its lease ran out THEN its first owner can neither complete nor release it', async () => {
    const ref = messageRef('stalled');
    await claims.claim(ref, 'stalled');
    clock.advanceMs(claims.leaseMs + 1);
    expect(await claims.claim(ref, 'rescuer')).toBe('claimed');
    // The stalled process wakes up, answers, and tries to record it: the rescuer's claim stays in flight.
    expect(await claims.complete(ref, 'stalled-reply', 'stalled')).toBe(false);
    await claims.release(ref, 'stalled');
    expect(await row(database(), 'stalled')).toMatchObject({ owner: 'rescuer', status: 'in_flight', reply_id: null });
    expect(await claims.complete(ref, 'rescuer-reply', 'rescuer')).toBe(true);
    expect(await row(database(), 'stalled')).toMatchObject({
      owner: 'rescuer',
      status: 'done',
      reply_id: 'rescuer-reply',
    });
    // Done is done: not released, not completed again.
    await claims.release(ref, 'rescuer');
    expect(await claims.complete(ref, 'late', 'rescuer')).toBe(false);
    expect(await row(database(), 'stalled')).toMatchObject({ status: 'done', reply_id: 'rescuer-reply' });
  });

  it('takes over a claim an older Heed marked abandoned, or left without a lease', async () => {
    await claims.claim(messageRef('abandoned'), 'old');
    await claims.claim(messageRef('no-lease'), 'old');
    await database().run("UPDATE message_claims SET status = 'abandoned' WHERE message_id = 'abandoned'");
    await database().run("UPDATE message_claims SET lease_until = NULL WHERE message_id = 'no-lease'");
    expect(await claims.claim(messageRef('abandoned'), 'new')).toBe('claimed');
    expect(await claims.claim(messageRef('no-lease'), 'new')).toBe('claimed');
  });

  it('purges claims older than the retention period', async () => {
    await claims.claim(messageRef('old'), 'a');
    await claims.complete(messageRef('old'), null, 'a');
    clock.advanceDays(20);
    await claims.claim(messageRef('recent'), 'a');
    clock.advanceDays(15);

    expect(await claims.purge(30)).toBe(1);
    expect(await row(database(), 'old')).toBeUndefined();
    expect(await row(database(), 'recent')).toBeDefined();
    expect(await claims.purge(30)).toBe(0);
  });
});

// Two connections on one SQLite file (and threads racing on it): PostgreSQL has no file to open twice.
describe('MessageClaims on a SQLite file', () => {
  let temp: TempDatabase;
  let clock: TestClock;
  let claims: MessageClaims;
  const others: SqlClient[] = [];

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

  it('never lets two connections on the same file both claim a message', async () => {
    const other = new MessageClaims(await secondConnection(), clock.now);
    const ref = messageRef('1');
    expect(await claims.claim(ref, 'a')).toBe('claimed');
    expect(await other.claim(ref, 'b')).toBe('duplicate');

    expect(await other.claim(messageRef('2'), 'b')).toBe('claimed');
    expect(await claims.claim(messageRef('2'), 'a')).toBe('duplicate');

    // An expired claim is taken over by exactly one of them.
    clock.advanceMs(claims.leaseMs + 1);
    expect(await other.claim(ref, 'b')).toBe('claimed');
    expect(await claims.claim(ref, 'a')).toBe('duplicate');
  });

  it('agrees with a simple model under any interleaving of two connections and the clock', async () => {
    const connections = [claims, new MessageClaims(await secondConnection(), clock.now)];
    const lease = claims.leaseMs;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('claim' as const),
        conn: fc.nat(1),
        msg: fc.nat(2),
        owner: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({
        kind: fc.constant('complete' as const),
        conn: fc.nat(1),
        msg: fc.nat(2),
        owner: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({
        kind: fc.constant('release' as const),
        conn: fc.nat(1),
        msg: fc.nat(2),
        owner: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({ kind: fc.constant('renew' as const), conn: fc.nat(1), owner: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: lease }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        await temp.db.exec('DELETE FROM message_claims');
        const model = new Map<number, { owner: string; status: 'in_flight' | 'done'; leaseUntil: number }>();
        for (const o of ops) {
          const now = clock.now().getTime();
          switch (o.kind) {
            case 'claim': {
              const existing = model.get(o.msg);
              const free = !existing || (existing.status === 'in_flight' && existing.leaseUntil < now);
              if (free) model.set(o.msg, { owner: o.owner, status: 'in_flight', leaseUntil: now + lease });
              const got = await connections[o.conn]!.claim(messageRef(String(o.msg)), o.owner);
              expect(got).toBe(free ? 'claimed' : 'duplicate');
              break;
            }
            case 'complete': {
              const existing = model.get(o.msg);
              const mine = existing?.owner === o.owner && existing.status === 'in_flight';
              if (mine) existing.status = 'done';
              expect(await connections[o.conn]!.complete(messageRef(String(o.msg)), null, o.owner)).toBe(mine);
              break;
            }
            case 'release': {
              const existing = model.get(o.msg);
              if (existing?.owner === o.owner && existing.status === 'in_flight') model.delete(o.msg);
              await connections[o.conn]!.release(messageRef(String(o.msg)), o.owner);
              break;
            }
            case 'renew': {
              let expected = 0;
              for (const claim of model.values()) {
                if (claim.status === 'in_flight' && claim.owner === o.owner) {
                  claim.leaseUntil = now + lease;
                  expected++;
                }
              }
              expect((await connections[o.conn]!.renew(o.owner)).renewed).toBe(expected);
              break;
            }
            case 'tick':
              clock.advanceMs(o.ms);
              break;
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  describe('across threads', () => {
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
});

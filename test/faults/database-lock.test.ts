/**
 * Another connection (a worker thread with its own better-sqlite3 handle, as another process would have)
 * holds the database write lock. Held briefly, replies wait for it and succeed; held past
 * DATABASE_BUSY_TIMEOUT_MS, the person gets an apology, the error is logged, nothing is claimed (so a
 * redelivery is answered), and the bot keeps serving.
 */
import { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY } from '../support/fake-openai.js';
import { FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../support/fake-slack.js';
import { CHANNEL } from '../adapters/slack/harness.js';
import { startWorld, type World } from './world.js';

/**
 * Takes the write lock, says `locked`, and commits when told `release` or, with `releaseAfterMs`, that
 * long after the shared flag is raised. The wait is on its own thread: the bot's thread is blocked in
 * SQLite's busy handler meanwhile and could not tell it anything.
 */
const LOCK_HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.path);
db.exec('BEGIN IMMEDIATE');
const release = () => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); };
parentPort.postMessage('locked');
if (workerData.releaseAfterMs === undefined) {
  parentPort.once('message', release);
} else {
  Atomics.wait(workerData.flag, 0, 0);
  Atomics.wait(workerData.flag, 0, 1, workerData.releaseAfterMs);
  release();
}
`;

interface LockHolder {
  /** Resolves once the worker has committed and closed its connection. */
  released: Promise<void>;
  /** Ask a holder without `releaseAfterMs` to let go. */
  release(): void;
}

async function holdWriteLock(
  path: string,
  options: { flag?: Int32Array; releaseAfterMs?: number } = {},
): Promise<LockHolder> {
  const worker = new Worker(LOCK_HOLDER, { eval: true, workerData: { path, ...options } });
  const messages: string[] = [];
  const waiters = new Map<string, () => void>();
  worker.on('message', (message: string) => {
    messages.push(message);
    waiters.get(message)?.();
  });
  const failed = new Promise<never>((_resolve, reject) => worker.once('error', reject));
  const next = (message: string) =>
    Promise.race([
      failed,
      new Promise<void>((resolve) => (messages.includes(message) ? resolve() : waiters.set(message, resolve))),
    ]);
  await next('locked');
  return {
    released: next('released').then(() => worker.terminate().then(() => undefined)),
    release: () => worker.postMessage('release'),
  };
}

let h: World;
let holder: LockHolder | undefined;
afterEach(async () => {
  holder?.release();
  await holder?.released;
  holder = undefined;
  await h?.close();
});

it('waits for a write lock held briefly by another connection, then answers and stores the reply', async () => {
  h = await startWorld();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  holder = await holdWriteLock(h.test.dbPath, { flag, releaseAfterMs: 200 });
  // users.info is the adapter's last call before the core claims the message: from then on the claim
  // is moments away, and the holder keeps the lock for a while longer.
  void h.slack.waitForCall('users.info', 1).then(() => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  const { ts } = await h.mention('U1', 'hello while the database is busy');
  await h.idle();
  await holder.released;

  const replies = h.botReplies(ts);
  expect(replies.map((message) => message.text)).toEqual([FAKE_REPLY]);
  expect(
    await h.test.core.isReply({
      platform: 'slack',
      workspaceId: FAKE_TEAM_ID,
      channelId: CHANNEL,
      messageId: replies[0]?.ts ?? '',
    }),
  ).toBe(true);
  expect(h.logs.filter((line) => line.level >= 50)).toEqual([]);
});

it('apologises when the lock is held past DATABASE_BUSY_TIMEOUT_MS, logs the error, and keeps serving', async () => {
  h = await startWorld({ DATABASE_BUSY_TIMEOUT_MS: '100' });
  holder = await holdWriteLock(h.test.dbPath);
  const first = await h.mention('U1', 'hello while the database is locked');
  await h.idle();

  const apology = h.botReplies(first.ts);
  expect(apology.map((message) => message.text)).toEqual([
    'Something went wrong on my side. Please try again in a moment.',
  ]);
  // The text alone, posted whole: no feedback buttons.
  expect(apology[0]?.blocks?.map((block) => (block as { type: string }).type)).toEqual(['markdown']);
  expect(h.modelRequests()).toBe(0);
  const logged = h.logs.find((line) => line.msg === 'could not claim the message');
  expect(logged?.level).toBe(50);
  expect((logged?.err as { code?: string } | undefined)?.code).toBe('SQLITE_BUSY');

  holder.release();
  await holder.released;
  holder = undefined;

  // Still serving: a new mention is answered, and so is Slack's redelivery of the one that failed.
  const second = await h.mention('U2', 'and now?');
  await h.idle();
  expect(h.botReplies(second.ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
  await h.event(
    {
      type: 'app_mention',
      channel: CHANNEL,
      user: 'U1',
      text: `<@${FAKE_BOT_USER_ID}> hello while the database is locked`,
      ts: first.ts,
      event_ts: first.ts,
    },
    { headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } },
  );
  await h.idle();
  expect(h.botReplies(first.ts).map((message) => message.text)).toEqual([apology[0]?.text, FAKE_REPLY]);
  expect(h.modelRequests()).toBe(2);
});

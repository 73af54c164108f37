/**
 * Graceful shutdown of the real process: SIGTERM stops new work, lets the reply in flight finish, closes
 * the database cleanly and exits 0; a reply that would outlast HEED_SHUTDOWN_TIMEOUT_MS is left claimed
 * for a redelivery after the restart.
 */
import { existsSync, statSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/storage/database.js';
import { FAKE_BOT_USER_ID } from '../support/fake-slack.js';
import { CHANNEL } from '../adapters/slack/harness.js';
import { startChildWorld, type ChildWorld } from './child-world.js';

let world: ChildWorld;
afterEach(async () => {
  await world?.close();
});

const completedReplies = (threadTs: string) =>
  world.slack
    .messagesIn(CHANNEL)
    .filter(
      (message) => message.user === FAKE_BOT_USER_ID && message.thread_ts === threadTs && message.streaming !== true,
    );

const modelRequests = () => world.openai.requests.filter((request) => request.path.endsWith('/chat/completions'));

it('on SIGTERM mid-reply finishes the reply, refuses new events, checkpoints the database and exits 0', async () => {
  world = await startChildWorld();
  const reply = 'This answer is still streaming when the signal arrives, and it is finished all the same.';
  world.openai.enqueue({ reply, chunkSize: 10, tokenIntervalMs: 100 });
  const bot = await world.startBot({ HEED_SHUTDOWN_TIMEOUT_MS: '20000' });
  const { ts, event } = world.mention('U1', 'take your time');
  expect((await world.deliver(bot, event, 'EvSLOW')).status).toBe(200);
  await world.openai.waitForRequest(1);
  await world.slack.waitForCall('chat.startStream', 1);

  bot.signal('SIGTERM');
  const stopping = await bot.waitForLog((line) => line.msg.startsWith('shutting down'));
  expect(stopping.inFlight).toBe(1);

  // The receiver closed in the same turn as that log line: a new event is refused, never half-taken.
  const late = world.mention('U2', 'are you there?');
  const outcome = await world.deliver(bot, late.event, 'EvLATE').then(
    (response) => response.status,
    () => 'refused',
  );
  expect([503, 'refused']).toContain(outcome);

  expect(await bot.exited).toEqual({ code: 0, signal: null });
  expect(completedReplies(ts).map((message) => message.text)).toEqual([reply]);
  expect(completedReplies(late.ts)).toHaveLength(0);
  expect(modelRequests()).toHaveLength(1);
  expect(bot.logs.some((line) => line.msg === 'stopped')).toBe(true);

  // A clean close checkpoints the write-ahead log into the database file.
  const wal = `${world.dbPath}-wal`;
  expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
  const db = await openDatabase(world.dbPath);
  try {
    expect(await db.value('PRAGMA integrity_check')).toBe('ok');
    expect(await db.all('SELECT status, reply_text FROM replies')).toEqual([{ status: 'complete', reply_text: reply }]);
    expect(await db.all('SELECT message_id, status FROM message_claims')).toEqual([{ message_id: ts, status: 'done' }]);
  } finally {
    await db.close();
  }
});

it('at HEED_SHUTDOWN_TIMEOUT_MS cuts a hanging reply short with a restart notice, records it, and exits 0', async () => {
  world = await startChildWorld();
  world.openai.enqueue({ hang: true });
  const bot = await world.startBot({ HEED_SHUTDOWN_TIMEOUT_MS: '300', OPENAI_TIMEOUT_MS: '600000' });
  const { ts, event } = world.mention('U1', 'a question the model never answers');
  expect((await world.deliver(bot, event, 'EvHANG')).status).toBe(200);
  await world.openai.waitForRequest(1);

  bot.signal('SIGTERM');
  expect(await bot.exited).toEqual({ code: 0, signal: null });
  expect(
    completedReplies(ts)
      .map((message) => message.text)
      .join('\n'),
  ).toMatch(/I am restarting\. Please ask again/);
  expect(world.query('SELECT message_id, status FROM message_claims')).toEqual([{ message_id: ts, status: 'done' }]);
  expect(world.query('SELECT status, error FROM replies')).toEqual([{ status: 'failed', error: 'model_cancelled' }]);

  // The person was told; a redelivery after the restart is not answered again.
  const restarted = await world.startBot();
  expect((await world.deliver(restarted, event, 'EvHANG', 1)).status).toBe(200);
  await restarted.waitForLog((line) => line.msg === 'message handled' && line.ts === ts);
  expect(modelRequests()).toHaveLength(1);
});

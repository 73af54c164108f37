/**
 * Exactly one reply across a crash: the bot runs in a child process and is SIGKILLed mid-reply; once
 * the dead process's claim lease has run out, a new process on the same database answers Slack's
 * redelivery once, and ignores a redelivery of an event whose reply completed.
 */
import { afterEach, expect, it } from 'vitest';
import { FAKE_REPLY } from '../support/fake-openai.js';
import { FAKE_BOT_USER_ID } from '../support/fake-slack.js';
import { CHANNEL } from '../adapters/slack/harness.js';
import { startChildWorld, type ChildWorld } from './child-world.js';

let world: ChildWorld;
afterEach(async () => {
  await world?.close();
});

it('answers once after a SIGKILL mid-reply and a redelivery; a completed event redelivered gets no reply', async () => {
  world = await startChildWorld();
  const { slack, openai } = world;
  // The first words stream at once; the rest would take a minute, so the kill always lands mid-reply.
  openai.enqueue({
    reply: 'The first words arrive, and then the model stalls for a minute.',
    chunkSize: 16,
    tokenIntervalMs: 60_000,
  });
  // The second process's answer streams too: its rest follows the second chat.startStream.
  openai.enqueue({ reply: FAKE_REPLY, pauseAfterFirst: () => slack.waitForCall('chat.startStream', 2) });
  // A short lease, so that the dead process's claim lapses within the test.
  const env = { HEED_CLAIM_LEASE_MS: '1000' };
  const first = await world.startBot(env);
  const { ts, event } = world.mention('U1', 'tell me something');

  expect((await world.deliver(first, event, 'EvCRASH')).status).toBe(200);
  await openai.waitForRequest(1);
  const started = await slack.waitForCall('chat.startStream', 1);
  expect(started.args.thread_ts).toBe(ts);
  expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
  expect(world.query<{ status: string }>('SELECT status FROM message_claims')).toEqual([{ status: 'in_flight' }]);

  const second = await world.startBot(env);
  // Nobody renews the dead process's lease: wait for the moment it runs out, read from the claim itself.
  const [{ lease_until: leaseUntil }] = world.query<{ lease_until: string }>(
    'SELECT lease_until FROM message_claims',
  ) as [{ lease_until: string }];
  while (Date.now() <= Date.parse(leaseUntil)) await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await world.deliver(second, event, 'EvCRASH', 1)).status).toBe(200);
  const stop = await slack.waitForCall('chat.stopStream', 1);
  await second.waitForLog((line) => line.msg === 'message handled' && line.ts === ts);

  const completed = slack
    .messagesIn(CHANNEL)
    .filter((message) => message.user === FAKE_BOT_USER_ID && message.thread_ts === ts && message.streaming === false);
  expect(completed.map((message) => message.text)).toEqual([FAKE_REPLY]);
  expect(completed[0]?.ts).toBe(stop.args.ts);
  expect(openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(2);
  expect(world.query<{ status: string }>('SELECT status FROM replies WHERE source_message_id = ?', ts)).toEqual([
    { status: 'complete' },
  ]);

  // Slack redelivers the same event again, after the reply completed: nothing new is posted.
  expect((await world.deliver(second, event, 'EvCRASH', 2)).status).toBe(200);
  const handled = await second.waitForLog(
    (line) => line.msg === 'message handled' && line.ts === ts && line.outcome === 'duplicate',
  );
  expect(handled.via).toBe('app_mention');
  expect(slack.callsOf('chat.startStream')).toHaveLength(2);
  expect(slack.callsOf('chat.stopStream')).toHaveLength(1);
  expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
  expect(openai.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(2);
  expect(world.query<{ status: string }>('SELECT status FROM message_claims')).toEqual([{ status: 'done' }]);
});

/**
 * Three Heed processes (the `npm start` entry) on one PostgreSQL database behind the fake Slack, each
 * receiving some of the deliveries as a load balancer would spread them: exactly one reply per message
 * whatever replica gets which twin or retry, instructions in force everywhere at once, a replica killed
 * mid-reply taken over only after its lease ran out, and one rate limit across all of them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_REPLY, startFakeOpenAI, systemPromptOf, type FakeOpenAI } from '../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { postCommand, postEvent } from '../support/slack-signing.js';
import { freshPostgres, type FreshDatabase } from '../support/test-databases.js';
import type { PostgresClient } from '../../src/core/storage/postgres-client.js';
import { BOT_TOKEN, CHANNEL, envelope, SIGNING_SECRET } from '../adapters/slack/harness.js';

const LEASE_MS = 1500;

let slack: FakeSlack;
let openai: FakeOpenAI;
let database: FreshDatabase<PostgresClient>;
let replicas: BotProcess[] = [];

// Three processes start in each test, on a 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

beforeAll(async () => {
  slack = await startFakeSlack();
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
  await slack.close();
});
afterEach(async () => {
  await Promise.all(replicas.map((replica) => replica.kill()));
  replicas = [];
  await database?.drop();
});

async function startReplicas(count: number, env: Record<string, string> = {}): Promise<BotProcess[]> {
  database = await freshPostgres();
  // One after the other would hide a race of migrations at start-up; all at once is what a deploy does.
  replicas = await Promise.all(
    Array.from({ length: count }, () =>
      startBotProcess({
        env: {
          DATABASE_URL: database.url,
          LOG_LEVEL: 'debug',
          OPENAI_BASE_URL: openai.url,
          OPENAI_API_KEY: 'sk-test-key-for-fake-server',
          OPENAI_MODEL: 'fake-model',
          OPENAI_MAX_RETRIES: '0',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.url,
          PORT: '0',
          HEED_CLAIM_LEASE_MS: String(LEASE_MS),
          ...env,
        },
      }),
    ),
  );
  return replicas;
}

let eventCounter = 0;
function mention(user: string, text: string): { ts: string; event: Record<string, unknown> } {
  const ts = slack.nextTs();
  const fullText = `<@${FAKE_BOT_USER_ID}> ${text}`;
  slack.addMessage(CHANNEL, { ts, text: fullText, user });
  return { ts, event: { type: 'app_mention', user, text: fullText, ts, channel: CHANNEL, event_ts: ts } };
}

function deliver(replica: BotProcess, event: Record<string, unknown>, eventId: string, retry = 0): Promise<Response> {
  const headers: Record<string, string> = retry
    ? { 'X-Slack-Retry-Num': String(retry), 'X-Slack-Retry-Reason': 'http_timeout' }
    : {};
  return postEvent(replica.baseUrl, SIGNING_SECRET, envelope(event, eventId), { headers });
}

function handled(replica: BotProcess, ts: string) {
  return replica.waitForLog((line) => line.msg === 'message handled' && line.ts === ts);
}

const completions = () => openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
const finishedReplies = (ts: string) =>
  slack
    .messagesIn(CHANNEL)
    .filter((message) => message.user === FAKE_BOT_USER_ID && message.thread_ts === ts && message.streaming === false);

describe('three replicas on one PostgreSQL database', () => {
  it('GIVEN one mention, its message twin and a retry at three replicas THEN one reply and one model request', async () => {
    const [a, b, c] = await startReplicas(3);
    if (!a || !b || !c) throw new Error('three replicas');
    const before = completions().length;
    const { ts, event } = mention('U1', 'hello from everywhere');
    const twin = { ...event, type: 'message', channel_type: 'channel' };
    const eventId = `EvTWIN${++eventCounter}`;
    const responses = await Promise.all([
      deliver(a, event, eventId),
      deliver(b, twin, `${eventId}M`),
      deliver(c, event, eventId, 1),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    const outcomes = await Promise.all([a, b, c].map((replica) => handled(replica, ts)));
    expect(outcomes.map((line) => line.outcome).sort()).toEqual(['duplicate', 'duplicate', 'replied']);
    expect(finishedReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(completions().length - before).toBe(1);
  });

  it('GIVEN instructions set through one replica THEN the next reply from another follows them', async () => {
    const [a, b] = await startReplicas(2);
    if (!a || !b) throw new Error('two replicas');
    const responseId = `cmd-${++eventCounter}`;
    const command = await postCommand(a.baseUrl, SIGNING_SECRET, {
      token: 'unused-verification-token',
      team_id: FAKE_TEAM_ID,
      team_domain: 'fake',
      channel_id: CHANNEL,
      channel_name: 'general',
      user_id: 'U2',
      user_name: 'u2',
      command: '/instructions',
      text: 'set Always answer like a pirate.',
      api_app_id: FAKE_APP_ID,
      is_enterprise_install: 'false',
      response_url: slack.responseUrl(responseId),
      trigger_id: `trigger-${responseId}`,
    });
    expect(command.status).toBe(200);
    await slack.waitForResponse(responseId);

    const { ts, event } = mention('U2', 'how are you?');
    await deliver(b, event, `EvPIRATE${eventCounter}`);
    expect((await handled(b, ts)).outcome).toBe('replied');
    expect(systemPromptOf(completions().at(-1)!)).toContain('Always answer like a pirate.');
  });

  it('GIVEN a replica killed mid-reply THEN a live lease is never taken, and once it ran out another answers once', async () => {
    const [a, b, c] = await startReplicas(3);
    if (!a || !b || !c) throw new Error('three replicas');
    openai.enqueue({ reply: 'The first words arrive, then the model stalls.', chunkSize: 16, tokenIntervalMs: 60_000 });
    const { ts, event } = mention('U3', 'tell me something slowly');
    const eventId = `EvKILL${++eventCounter}`;
    await deliver(a, event, eventId);
    await slack.waitForCall('chat.startStream', slack.callsOf('chat.startStream').length + 1);
    const leaseOf = async () =>
      Date.parse(
        (await database.client.value<string>('SELECT lease_until FROM message_claims WHERE message_id = @ts', {
          ts,
        })) ?? '',
      );
    // Wait until A has renewed its lease past the first one's end: a live owner's claim, though older than a lease.
    const firstLease = await leaseOf();
    await a.waitForLog(
      (line) => line.msg === 'claim leases renewed' && Date.parse(String(line.until)) > firstLease + LEASE_MS / 2,
    );
    await deliver(b, event, eventId, 1);
    const firstAtB = await handled(b, ts);
    expect(firstAtB.outcome).toBe('duplicate');

    await a.kill();
    const before = completions().length;
    // The lease A held runs out; nothing renews it. Wait for that moment on the database's own record.
    const deadline = await leaseOf();
    await waitUntil(() => Date.now() > deadline);
    await deliver(c, event, eventId, 2);
    expect((await handled(c, ts)).outcome).toBe('replied');
    await deliver(b, event, eventId, 3);
    const again = await b.waitForLog(
      (line) => line.msg === 'message handled' && line.ts === ts && line.outcome === 'duplicate' && line !== firstAtB,
    );
    expect(again.outcome).toBe('duplicate');
    expect(finishedReplies(ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(completions().length - before).toBe(1);
  });

  it('GIVEN a limit of 2 a minute THEN the third message to any replica gets the one notice', async () => {
    const replicasUp = await startReplicas(3, { HEED_RATE_LIMIT_PER_MINUTE: '2' });
    const outcomes: unknown[] = [];
    for (const [index, replica] of replicasUp.entries()) {
      const { ts, event } = mention('U4', `question ${index}`);
      await deliver(replica, event, `EvRATE${++eventCounter}`);
      outcomes.push((await handled(replica, ts)).outcome);
    }
    expect(outcomes).toEqual(['replied', 'replied', 'rate_limited']);
  });
});

/** Resolves once `condition` holds, checking on each timer tick (a lease runs out by the clock alone). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

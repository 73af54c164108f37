/**
 * Three Heed processes (the `npm start` entry) on one PostgreSQL database behind the fake Slack, each
 * receiving some of the deliveries as a load balancer would spread them: exactly one reply per message
 * whatever replica gets which twin or retry, instructions in force everywhere at once, a replica killed
 * mid-reply taken over only after its lease ran out, and one rate limit across all of them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PostgresClient } from '../../src/core/storage/postgres-client.js';
import { FAKE_REPLY, systemPromptOf } from '../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID } from '../support/fake-slack.js';
import type { BotProcess } from '../support/bot-process.js';
import { postCommand } from '../support/slack-signing.js';
import { freshPostgres, type FreshDatabase } from '../support/test-databases.js';
import { CHANNEL, SIGNING_SECRET } from '../adapters/slack/harness.js';
import { startChildWorld, type ChildWorld } from '../faults/child-world.js';

const LEASE_MS = 1500;

let world: ChildWorld | undefined;
let database: FreshDatabase<PostgresClient> | undefined;

// Three processes start in each test, on a 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

afterEach(async () => {
  await world?.close();
  await database?.drop();
  world = undefined;
  database = undefined;
});

/** The fakes, a fresh PostgreSQL database, and `count` replicas on it, started together as a deploy does. */
async function startReplicas(count: number, env: Record<string, string> = {}) {
  const fakes = (world = await startChildWorld());
  const shared = (database = await freshPostgres());
  // One after the other would hide a race of migrations at start-up; all at once is what a deploy does.
  const replicas = await Promise.all(
    Array.from({ length: count }, () =>
      fakes.startBot({ DATABASE_URL: shared.url, HEED_CLAIM_LEASE_MS: String(LEASE_MS), ...env }),
    ),
  );
  return { ...fakes, database: shared, replicas };
}

let eventCounter = 0;

function handled(replica: BotProcess, ts: string) {
  return replica.waitForLog((line) => line.msg === 'message handled' && line.ts === ts);
}

const completions = (fakes: ChildWorld) =>
  fakes.openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
const finishedReplies = (fakes: ChildWorld, ts: string) =>
  fakes.slack
    .messagesIn(CHANNEL)
    .filter((message) => message.user === FAKE_BOT_USER_ID && message.thread_ts === ts && message.streaming === false);

describe('three replicas on one PostgreSQL database', () => {
  it('GIVEN one mention, its message twin and a retry at three replicas THEN one reply and one model request', async () => {
    const fakes = await startReplicas(3);
    const [a, b, c] = fakes.replicas;
    if (!a || !b || !c) throw new Error('three replicas');
    const before = completions(fakes).length;
    const { ts, event } = fakes.mention('U1', 'hello from everywhere');
    const twin = { ...event, type: 'message', channel_type: 'channel' };
    const eventId = `EvTWIN${++eventCounter}`;
    const responses = await Promise.all([
      fakes.deliver(a, event, eventId),
      fakes.deliver(b, twin, `${eventId}M`),
      fakes.deliver(c, event, eventId, 1),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    const outcomes = await Promise.all([a, b, c].map((replica) => handled(replica, ts)));
    expect(outcomes.map((line) => line.outcome).sort()).toEqual(['duplicate', 'duplicate', 'replied']);
    expect(finishedReplies(fakes, ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(completions(fakes).length - before).toBe(1);
  });

  it('GIVEN instructions set through one replica THEN the next reply from another follows them', async () => {
    const fakes = await startReplicas(2);
    const [a, b] = fakes.replicas;
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
      response_url: fakes.slack.responseUrl(responseId),
      trigger_id: `trigger-${responseId}`,
    });
    expect(command.status).toBe(200);
    await fakes.slack.waitForResponse(responseId);

    const { ts, event } = fakes.mention('U2', 'how are you?');
    await fakes.deliver(b, event, `EvPIRATE${eventCounter}`);
    expect((await handled(b, ts)).outcome).toBe('replied');
    expect(systemPromptOf(completions(fakes).at(-1)!)).toContain('Always answer like a pirate.');
  });

  it('GIVEN a replica killed mid-reply THEN a live lease is never taken, and once it ran out another answers once', async () => {
    const fakes = await startReplicas(3);
    const [a, b, c] = fakes.replicas;
    if (!a || !b || !c) throw new Error('three replicas');
    fakes.openai.enqueue({
      reply: 'The first words arrive, then the model stalls.',
      chunkSize: 16,
      tokenIntervalMs: 60_000,
    });
    const { ts, event } = fakes.mention('U3', 'tell me something slowly');
    const eventId = `EvKILL${++eventCounter}`;
    await fakes.deliver(a, event, eventId);
    await fakes.slack.waitForCall('chat.startStream', fakes.slack.callsOf('chat.startStream').length + 1);
    const leaseOf = async () =>
      Date.parse(
        (await fakes.database.client.value<string>('SELECT lease_until FROM message_claims WHERE message_id = @ts', {
          ts,
        })) ?? '',
      );
    // Wait until A has renewed its lease past the first one's end: a live owner's claim, though older than a lease.
    const firstLease = await leaseOf();
    await a.waitForLog(
      (line) => line.msg === 'claim leases renewed' && Date.parse(String(line.until)) > firstLease + LEASE_MS / 2,
    );
    await fakes.deliver(b, event, eventId, 1);
    const firstAtB = await handled(b, ts);
    expect(firstAtB.outcome).toBe('duplicate');

    await a.kill();
    const before = completions(fakes).length;
    // The lease A held runs out; nothing renews it. Wait for that moment on the database's own record.
    const deadline = await leaseOf();
    await waitUntil(() => Date.now() > deadline);
    await fakes.deliver(c, event, eventId, 2);
    expect((await handled(c, ts)).outcome).toBe('replied');
    await fakes.deliver(b, event, eventId, 3);
    const again = await b.waitForLog(
      (line) => line.msg === 'message handled' && line.ts === ts && line.outcome === 'duplicate' && line !== firstAtB,
    );
    expect(again.outcome).toBe('duplicate');
    expect(finishedReplies(fakes, ts).map((message) => message.text)).toEqual([FAKE_REPLY]);
    expect(completions(fakes).length - before).toBe(1);
  });

  it('GIVEN a limit of 2 a minute THEN the third message to any replica gets the one notice', async () => {
    const fakes = await startReplicas(3, { HEED_RATE_LIMIT_PER_MINUTE: '2' });
    const outcomes: unknown[] = [];
    for (const [index, replica] of fakes.replicas.entries()) {
      const { ts, event } = fakes.mention('U4', `question ${index}`);
      await fakes.deliver(replica, event, `EvRATE${++eventCounter}`);
      outcomes.push((await handled(replica, ts)).outcome);
    }
    expect(outcomes).toEqual(['replied', 'replied', 'rate_limited']);
  });
});

/** Resolves once `condition` holds, checking on each timer tick (a lease runs out by the clock alone). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

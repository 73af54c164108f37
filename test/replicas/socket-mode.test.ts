/**
 * Socket Mode with two replicas: each opens its own connection (Slack spreads events over an app's
 * connections and may redeliver on another one), both on one PostgreSQL database. The same event arriving
 * on both connections gets one reply.
 */
import { afterEach, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../src/adapters/slack/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { FAKE_REPLY, startFakeOpenAI } from '../support/fake-openai.js';
import { FAKE_BOT_USER_ID, startFakeSlack } from '../support/fake-slack.js';
import { startSocketModeServer } from '../support/socket-mode-server.js';
import { createTestCore } from '../support/test-core.js';
import { freshPostgres } from '../support/test-databases.js';
import { BOT_TOKEN, CHANNEL, envelope } from '../adapters/slack/harness.js';

const APP_TOKEN = 'xapp-1-A0APP-test';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

it('GIVEN two Socket Mode replicas on one database THEN an event delivered on both connections is answered once', async () => {
  const slack = await startFakeSlack();
  cleanup.push(() => slack.close());
  const openai = await startFakeOpenAI();
  cleanup.push(() => openai.close());
  const sockets = await startSocketModeServer();
  cleanup.push(() => sockets.close());
  const database = await freshPostgres();
  cleanup.push(() => database.drop());

  const adapters: SlackAdapter[] = [];
  for (let replica = 0; replica < 2; replica++) {
    slack.enqueue('apps.connections.open', { body: { url: sockets.url } });
    const test = await createTestCore({
      openaiUrl: openai.url,
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: slack.url,
        DATABASE_URL: database.url,
      },
    });
    cleanup.push(() => test.close());
    const adapter = await startSlack({ config: test.config, core: test.core, logger: silentLogger() });
    cleanup.push(() => adapter.stop());
    adapters.push(adapter);
  }
  expect(slack.callsOf('apps.connections.open')).toHaveLength(2);

  const ts = slack.nextTs();
  const event = {
    type: 'app_mention',
    user: 'U1',
    text: `<@${FAKE_BOT_USER_ID}> hi, both of you`,
    ts,
    channel: CHANNEL,
    event_ts: ts,
  };
  const [first, second] = [await sockets.connection(0), await sockets.connection(1)];
  for (const [ws, retry] of [
    [first, 0],
    [second, 1],
  ] as const) {
    ws.send(
      JSON.stringify({
        envelope_id: `env-${retry}`,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: retry,
        retry_reason: retry ? 'timeout' : '',
        payload: envelope(event, 'EvSOCKET'),
      }),
    );
  }
  await sockets.received('env-0');
  await sockets.received('env-1');
  await slack.waitForCall('chat.stopStream', 1);
  await Promise.all(adapters.map((adapter) => adapter.idle()));
  const completions = () => openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
  expect(completions()).toHaveLength(1);
  const replies = slack
    .messagesIn(CHANNEL)
    .filter((message) => message.thread_ts === ts && message.user === FAKE_BOT_USER_ID);
  expect(replies.map((message) => message.text)).toEqual([FAKE_REPLY]);
});

import { afterEach, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FAKE_REPLY, startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { FAKE_BOT_USER_ID, startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { startSocketModeServer } from '../../support/socket-mode-server.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';
import { BOT_TOKEN, CHANNEL, envelope } from './harness.js';

const APP_TOKEN = 'xapp-1-A0APP-test';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

it('runs in Socket Mode when SLACK_APP_TOKEN is set: connects through SLACK_API_URL, acks envelopes and answers', async () => {
  const slack: FakeSlack = await startFakeSlack();
  cleanup.push(() => slack.close());
  const openai: FakeOpenAI = await startFakeOpenAI();
  cleanup.push(() => openai.close());
  const sockets = await startSocketModeServer();
  cleanup.push(() => sockets.close());
  slack.enqueue('apps.connections.open', { body: { url: sockets.url } });

  const test: TestCore = await createTestCore({
    openaiUrl: openai.url,
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: slack.url },
  });
  cleanup.push(() => test.close());
  const adapter: SlackAdapter = await startSlack({ config: test.config, core: test.core, logger: silentLogger() });
  cleanup.push(() => adapter.stop());

  expect(adapter.port).toBeUndefined();
  expect(slack.callsOf('apps.connections.open')[0]?.token).toBe(APP_TOKEN);

  const ts = slack.nextTs();
  const ws = await sockets.connection(0);
  ws.send(
    JSON.stringify({
      envelope_id: 'env-1',
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: envelope({
        type: 'app_mention',
        user: 'U1',
        text: `<@${FAKE_BOT_USER_ID}> hi over the socket`,
        ts,
        channel: CHANNEL,
        event_ts: ts,
      }),
    }),
  );
  expect(await sockets.received('env-1')).toMatchObject({ envelope_id: 'env-1' });
  await adapter.idle();
  const replies = slack
    .messagesIn(CHANNEL)
    .filter((message) => message.thread_ts === ts && message.user === FAKE_BOT_USER_ID);
  expect(replies.map((message) => message.text)).toEqual([FAKE_REPLY]);
});

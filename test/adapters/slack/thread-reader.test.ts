/**
 * ThreadReader against the fake Slack Web API: a rate limit on `conversations.replies` fails the read at
 * once and pauses reads until Retry-After has passed; then they resume.
 */
import { webApi } from '@slack/bolt';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { ThreadReader } from '../../../src/adapters/slack/thread-history.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';

let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.close();
});

it('reads nothing while Slack’s Retry-After runs, then reads again', async () => {
  slack = await startFakeSlack();
  const root = slack.nextTs();
  slack.addMessage('C1', { ts: root, user: 'U1', text: 'the question' });
  let now = 1_000_000;
  const client = new webApi.WebClient('xoxb-test-token', {
    slackApiUrl: slack.url,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const reader = new ThreadReader(client, silentLogger(), () => now);

  slack.enqueue('conversations.replies', { rateLimited: 30 });
  expect(await reader.page('C1', root, undefined)).toBeUndefined();
  now += 29_999;
  expect(await reader.page('C1', root, undefined)).toBeUndefined();
  expect(slack.callsOf('conversations.replies')).toHaveLength(1);

  now += 1;
  const page = await reader.page('C1', root, undefined);
  expect(page?.messages?.map((message) => message.text)).toEqual(['the question']);
  expect(slack.callsOf('conversations.replies').map((call) => call.answer)).toEqual(['http 429', 'ok']);
});

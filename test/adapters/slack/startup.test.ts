import { afterEach, expect, it } from 'vitest';
import { startSlack } from '../../../src/adapters/slack/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';
import { BOT_TOKEN, SIGNING_SECRET } from './harness.js';

let slack: FakeSlack;
let openai: FakeOpenAI;
let test: TestCore;
afterEach(async () => {
  await test?.close();
  await openai?.close();
  await slack?.close();
});

it('stops start-up with one line saying what to fix when Slack rejects the bot token', async () => {
  slack = await startFakeSlack();
  openai = await startFakeOpenAI();
  test = await createTestCore({
    openaiUrl: openai.url,
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, PORT: '0' },
  });
  slack.enqueue('auth.test', { error: 'invalid_auth' });
  const started = startSlack({ config: test.config, core: test.core, logger: silentLogger(), host: '127.0.0.1' });
  await expect(started).rejects.toMatchObject({
    code: 'slack_start',
    operatorMessage: expect.stringMatching(/invalid_auth.*SLACK_BOT_TOKEN/),
  });
  expect(slack.callsOf('auth.test')).toHaveLength(1);
});

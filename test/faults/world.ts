/**
 * The in-process world of the fault tests: test/slack/harness.ts's set-up (fake Slack, fake OpenAI, a
 * real core on a temporary database, the adapter started by `startSlack` in HTTP mode), with one logger
 * for the adapter *and* the core, so a test can see the core's error lines too.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startSlack, type SlackAdapter } from '../../src/adapters/slack/index.js';
import type { Logger } from '../../src/core/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { FAKE_APP_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, startFakeSlack, type FakeMessage, type FakeSlack } from '../support/fake-slack.js';
import { postCommand, postEvent, postInteraction, postSigned, type SignedPostOptions, type SlackContentType } from '../support/slack-signing.js';
import { createTestCore, type TestCore } from '../support/test-core.js';
import { BOT_TOKEN, CHANNEL, envelope, SIGNING_SECRET, type CapturedLog } from '../slack/harness.js';

export interface World {
  slack: FakeSlack;
  openai: FakeOpenAI;
  test: TestCore;
  adapter: SlackAdapter;
  baseUrl: string;
  /** Log lines of the adapter and the core, parsed. */
  logs: CapturedLog[];
  /** POST an event envelope around `event`. */
  event(event: Record<string, unknown>, options?: SignedPostOptions & { eventId?: string }): Promise<Response>;
  /** A person's mention in CHANNEL (held by the fake, sent as `app_mention`). */
  mention(user: string, text: string): Promise<{ ts: string; response: Response }>;
  /** POST `/instructions <text>`; `answer()` resolves with the first body posted to its response URL. */
  command(user: string, text: string): Promise<{ response: Response; answer: () => Promise<Record<string, unknown>> }>;
  /** POST a raw body, signed. */
  post(rawBody: string, contentType: SlackContentType, options?: SignedPostOptions): Promise<Response>;
  interaction(payload: unknown): Promise<Response>;
  idle(): Promise<void>;
  /** Messages the bot posted in a thread of CHANNEL, oldest first. */
  botReplies(threadTs: string): FakeMessage[];
  /** Chat-completion requests the fake model received. */
  modelRequests(): number;
  close(): Promise<void>;
}

function captureLogger(logs: CapturedLog[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as CapturedLog);
      }
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

/** Start the world; `env` overrides configuration. */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const slack = await startFakeSlack();
  const openai = await startFakeOpenAI();
  const logs: CapturedLog[] = [];
  const logger = captureLogger(logs);
  const test = await createTestCore({
    openaiUrl: openai.url,
    logger,
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, PORT: '0', HEED_RATE_LIMIT_PER_MINUTE: '1000', ...env },
  });
  const adapter = await startSlack({ config: test.config, core: test.core, logger, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${adapter.port ?? 0}`;
  let commands = 0;
  const world: World = {
    slack,
    openai,
    test,
    adapter,
    baseUrl,
    logs,
    event(event, options = {}) {
      const { eventId, ...signed } = options;
      return postEvent(baseUrl, SIGNING_SECRET, envelope(event, eventId), signed);
    },
    async mention(user, text) {
      const ts = slack.nextTs();
      const fullText = `<@${FAKE_BOT_USER_ID}> ${text}`;
      slack.addMessage(CHANNEL, { ts, text: fullText, user });
      const response = await world.event({ type: 'app_mention', user, text: fullText, ts, channel: CHANNEL, event_ts: ts, team: FAKE_TEAM_ID });
      return { ts, response };
    },
    async command(user, text) {
      const id = `cmd-${++commands}`;
      const response = await postCommand(baseUrl, SIGNING_SECRET, {
        token: 'unused-verification-token',
        team_id: FAKE_TEAM_ID,
        team_domain: 'fake',
        channel_id: CHANNEL,
        channel_name: 'general',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/instructions',
        text,
        api_app_id: FAKE_APP_ID,
        is_enterprise_install: 'false',
        response_url: slack.responseUrl(id),
        trigger_id: `trigger-${id}`,
      });
      return { response, answer: async () => (await slack.waitForResponse(id)).body };
    },
    post: (rawBody, contentType, options) => postSigned(baseUrl, SIGNING_SECRET, rawBody, contentType, options),
    interaction: (payload) => postInteraction(baseUrl, SIGNING_SECRET, payload),
    idle: () => adapter.idle(),
    botReplies: (threadTs) => slack.messagesIn(CHANNEL).filter((message) => message.thread_ts === threadTs && message.user === FAKE_BOT_USER_ID),
    modelRequests: () => openai.requests.filter((request) => request.path.endsWith('/chat/completions')).length,
    async close() {
      await adapter.stop();
      await test.close();
      await openai.close();
      await slack.close();
    },
  };
  return world;
}

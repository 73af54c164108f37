/**
 * One Slack test world: the fake Slack Web API, the fake OpenAI server, a real core on a temporary
 * database, and the adapter started by `startSlack` in HTTP mode on 127.0.0.1 exactly as in production
 * (SLACK_API_URL → the fake). Requests into the app are signed like Slack's.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startSlack, type SlackAdapter, type StartSlackOptions } from '../../../src/adapters/slack/index.js';
import type { Logger } from '../../../src/core/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai.js';
import {
  eventEnvelope,
  FAKE_APP_ID,
  FAKE_BOT_USER_ID,
  FAKE_TEAM_ID,
  startFakeSlack,
  type FakeSlack,
} from '../../support/fake-slack.js';
import { postCommand, postEvent, postInteraction, type SignedPostOptions } from '../../support/slack-signing.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
export const CHANNEL = 'C0CHAN';
export const DM = 'D0DM';

/** Log lines captured from the adapter and the core, parsed. */
export interface CapturedLog {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Harness {
  slack: FakeSlack;
  openai: FakeOpenAI;
  test: TestCore;
  adapter: SlackAdapter;
  baseUrl: string;
  logs: CapturedLog[];
  /** POST an event envelope around `event`; resolves with the HTTP response (Bolt acks before working). */
  event(event: Record<string, unknown>, options?: SignedPostOptions & { eventId?: string }): Promise<Response>;
  /** A person's message in a channel or thread, stored in the fake (so history sees it) and sent as `app_mention`. */
  mention(
    user: string,
    text: string,
    options?: { channel?: string; threadTs?: string },
  ): Promise<{ ts: string; response: Response }>;
  /** POST `/instructions <text>`; `answer()` resolves with the first body posted to its response URL. */
  instructions(
    user: string,
    text: string,
    options?: { channel?: string; triggerId?: string },
  ): Promise<{ response: Response; answer: () => Promise<Record<string, unknown>>; responseId: string }>;
  interaction(payload: Record<string, unknown>): Promise<Response>;
  /** Wait until the app has finished every event it received. */
  idle(): Promise<void>;
  /** Messages the bot posted in a thread, oldest first. */
  botReplies(channel: string, threadTs: string): ReturnType<FakeSlack['messagesIn']>;
  close(): Promise<void>;
}

let eventCounter = 0;
let commandCounter = 0;

/** The fields every Events API envelope carries, with a fresh event id unless one is given. */
export function envelope(
  event: Record<string, unknown>,
  eventId = `Ev${String(++eventCounter).padStart(8, '0')}`,
): Record<string, unknown> {
  return eventEnvelope(event, eventId);
}

/**
 * The `block_actions` payload of a click on a button in one of Heed's ephemeral answers in CHANNEL;
 * `triggerId` is the trigger a modal opened by the click must use.
 */
export function ephemeralButtonClick(
  user: string,
  action: { actionId: string; value: string; text: string },
  responseUrl: string,
  triggerId: string,
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FAKE_TEAM_ID },
    api_app_id: FAKE_APP_ID,
    token: 'unused-verification-token',
    container: { type: 'message', message_ts: '1.000001', channel_id: CHANNEL, is_ephemeral: true },
    trigger_id: triggerId,
    team: { id: FAKE_TEAM_ID, domain: 'fake' },
    channel: { id: CHANNEL, name: 'general' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: action.actionId,
        block_id: 'b',
        value: action.value,
        text: { type: 'plain_text', text: action.text },
        action_ts: '1.1',
      },
    ],
  };
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

/**
 * Start the world. `env` overrides configuration (e.g. `{ HEED_ADMINS: 'U_ADMIN' }`); `slack` overrides
 * adapter options (host, clock, health cache).
 */
export async function startHarness(
  options: { env?: Record<string, string>; slack?: Pick<StartSlackOptions, 'host' | 'clock' | 'healthCacheMs'> } = {},
): Promise<Harness> {
  const slack = await startFakeSlack();
  const openai = await startFakeOpenAI();
  const logs: CapturedLog[] = [];
  const logger = captureLogger(logs);
  const test = await createTestCore({
    openaiUrl: openai.url,
    logger,
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
      HEED_RATE_LIMIT_PER_MINUTE: '1000',
      ...options.env,
    },
  });
  const adapter = await startSlack({
    config: test.config,
    core: test.core,
    logger,
    host: '127.0.0.1',
    ...options.slack,
  });

  const harness: Harness = {
    slack,
    openai,
    test,
    adapter,
    baseUrl: `http://127.0.0.1:${adapter.port ?? 0}`,
    logs,
    event(event, postOptions = {}) {
      const { eventId, ...signed } = postOptions;
      return postEvent(harness.baseUrl, SIGNING_SECRET, envelope(event, eventId), signed);
    },
    async mention(user, text, mentionOptions = {}) {
      const channel = mentionOptions.channel ?? CHANNEL;
      const ts = slack.nextTs();
      const fullText = `<@${FAKE_BOT_USER_ID}> ${text}`;
      const threadTs = mentionOptions.threadTs;
      slack.addMessage(channel, { ts, text: fullText, user, ...(threadTs ? { thread_ts: threadTs } : {}) });
      const response = await harness.event({
        type: 'app_mention',
        user,
        text: fullText,
        ts,
        channel,
        event_ts: ts,
        team: FAKE_TEAM_ID,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return { ts, response };
    },
    async instructions(user, text, commandOptions = {}) {
      const responseId = `cmd-${++commandCounter}`;
      const channel = commandOptions.channel ?? CHANNEL;
      const response = await postCommand(harness.baseUrl, SIGNING_SECRET, {
        token: 'unused-verification-token',
        team_id: FAKE_TEAM_ID,
        team_domain: 'fake',
        channel_id: channel,
        channel_name: channel.startsWith('D') ? 'directmessage' : 'general',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/instructions',
        text,
        api_app_id: FAKE_APP_ID,
        is_enterprise_install: 'false',
        response_url: slack.responseUrl(responseId),
        trigger_id: commandOptions.triggerId ?? `trigger-${responseId}`,
      });
      return { response, responseId, answer: async () => (await slack.waitForResponse(responseId)).body };
    },
    interaction(payload) {
      return postInteraction(harness.baseUrl, SIGNING_SECRET, payload);
    },
    idle: () => adapter.idle(),
    botReplies: (channel, threadTs) =>
      slack
        .messagesIn(channel)
        .filter((message) => message.thread_ts === threadTs && message.user === FAKE_BOT_USER_ID),
    async close() {
      await adapter.stop();
      await test.close();
      await openai.close();
      await slack.close();
    },
  };
  return harness;
}

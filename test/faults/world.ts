/**
 * The in-process world of the fault tests: test/adapters/slack/harness.ts's world (fake Slack, fake OpenAI, a
 * real core on a temporary database, the adapter started by `startSlack` in HTTP mode, one logger for
 * the adapter and the core), with the shorthands the fault tests use.
 */
import type { FakeMessage } from '../support/fake-slack.js';
import { postSigned, type SignedPostOptions, type SlackContentType } from '../support/slack-signing.js';
import { CHANNEL, SIGNING_SECRET, startHarness, type Harness } from '../adapters/slack/harness.js';

export interface World extends Omit<Harness, 'botReplies'> {
  /** POST `/instructions <text>` in CHANNEL; `answer()` resolves with the first body posted to its response URL. */
  command(user: string, text: string): ReturnType<Harness['instructions']>;
  /** POST a raw body, signed. */
  post(rawBody: string, contentType: SlackContentType, options?: SignedPostOptions): Promise<Response>;
  /** Messages the bot posted in a thread of CHANNEL, oldest first. */
  botReplies(threadTs: string): FakeMessage[];
  /** Chat-completion requests the fake model received. */
  modelRequests(): number;
}

/** Start the world; `env` overrides configuration. */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const harness = await startHarness({ env });
  return {
    ...harness,
    command: (user, text) => harness.instructions(user, text),
    post: (rawBody, contentType, options) => postSigned(harness.baseUrl, SIGNING_SECRET, rawBody, contentType, options),
    botReplies: (threadTs) => harness.botReplies(CHANNEL, threadTs),
    modelRequests: () => harness.openai.requests.filter((request) => request.path.endsWith('/chat/completions')).length,
  };
}

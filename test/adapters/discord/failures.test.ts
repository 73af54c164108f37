import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../src/adapters/discord/index.js';
import { DiscordStartError } from '../../../src/adapters/discord/errors.js';
import { EDITOR_MODAL_ID } from '../../../src/adapters/discord/modals.js';
import { silentLogger } from '../../../src/core/logger.js';
import { MODEL_ERROR_MESSAGES } from '../../../src/core/model/model-error.js';
import { GatewayIntentBits } from 'discord.js';
import { EPHEMERAL, FAKE_IDS, startFakeDiscord, type FakeDiscord } from '../../support/fake-discord.js';
import { FAKE_REPLY } from '../../support/fake-openai.js';
import { createTestCore, type TestCore } from '../../support/test-core.js';
import { startHarness, type DiscordHarness } from './harness.js';

const postsTo = (channelId: string) => ({ method: 'POST', path: `/channels/${channelId}/messages` });

describe('Discord failures', () => {
  let h: DiscordHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const warnings = (harness: DiscordHarness) =>
    harness.logs.filter((line) => (line.level ?? 0) >= 40).map((line) => String(line.msg));

  it("GIVEN the model fails once THEN the core's sentence is the reply, and the next mention works", async () => {
    h = await startHarness();
    const general = h.fake.channels.general;
    h.openai.enqueue({ status: 500 });
    h.fake.userMessage({ content: 'first try', mention: true });
    await h.fake.waitForCall(postsTo(general));
    await h.adapter.idle();
    expect(h.fake.botMessagesIn(general)[0]?.content).toBe(MODEL_ERROR_MESSAGES.model_unavailable);

    h.fake.userMessage({ content: 'second try', mention: true });
    await h.fake.waitForCall(postsTo(general), 2);
    await h.adapter.idle();
    expect(h.fake.botMessagesIn(general)[1]?.content).toBe(FAKE_REPLY);
  });

  it('GIVEN the model stream breaks mid-answer THEN the partial text stays with the notice after it', async () => {
    h = await startHarness();
    h.openai.enqueue({ cutAfterChunks: 3, reply: 'The answer is forty-two, because…' });
    h.fake.userMessage({ content: 'meaning of life?', mention: true });
    await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();
    const [reply] = h.fake.botMessagesIn(h.fake.channels.general);
    expect(reply?.content.startsWith('The answer')).toBe(true);
    expect(reply?.content).toContain(MODEL_ERROR_MESSAGES.model_stream_cut);
  });

  it('GIVEN Discord refuses a post (Missing Permissions) THEN the log says what to fix and the bot keeps answering', async () => {
    h = await startHarness();
    const general = h.fake.channels.general;
    h.fake.failNext(postsTo(general), { status: 403, code: 50013, message: 'Missing Permissions' });
    h.fake.userMessage({ content: 'are you there?', mention: true });
    await h.fake.waitForCall(postsTo(general));
    await h.adapter.idle();
    expect(warnings(h).some((msg) => /could not post the reply: .*Send Messages/.test(msg))).toBe(true);

    h.fake.userMessage({ content: 'and now?', mention: true });
    await h.fake.waitForCall(postsTo(general), 2);
    await h.adapter.idle();
    expect(h.fake.botMessagesIn(general).map((m) => m.content)).toEqual([FAKE_REPLY]);
  });

  it('GIVEN the reports channel does not exist THEN the report is still filed and the log names HEED_REPORTS_CHANNEL', async () => {
    h = await startHarness({ env: { HEED_REPORTS_CHANNEL: '1499999999999999999' } });
    h.fake.userMessage({ content: 'hi', mention: true });
    await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();
    const [reply] = h.fake.botMessagesIn(h.fake.channels.general);
    h.fake.react({ messageId: reply!.id });
    await h.settle();
    expect(
      await h.testCore.core.recentReports(
        { platform: 'discord', workspaceId: FAKE_IDS.guild, userId: FAKE_IDS.alice },
        5,
      ),
    ).toHaveLength(1);
    expect(warnings(h).some((msg) => msg.includes('HEED_REPORTS_CHANNEL'))).toBe(true);
  });

  it('GIVEN Discord rate-limits a post THEN discord.js retries, the reply arrives once, and the 429 is logged', async () => {
    h = await startHarness();
    const general = h.fake.channels.general;
    h.fake.failNext(postsTo(general), { status: 429, retryAfter: 0 });
    h.fake.userMessage({ content: 'quick question', mention: true });
    await h.fake.waitForCall({ ...postsTo(general), where: (call) => call.status === 200 });
    await h.adapter.idle();
    expect(h.fake.callsMatching(postsTo(general)).map((call) => call.status)).toEqual([429, 200]);
    expect(h.fake.botMessagesIn(general)).toHaveLength(1);
    expect(warnings(h).some((msg) => msg.includes('429'))).toBe(true);
  });

  it('GIVEN the gateway drops the connection THEN discord.js resumes the session and events keep arriving', async () => {
    h = await startHarness();
    h.fake.dropGateway();
    await h.fake.waitForSession(2);
    h.fake.userMessage({ content: 'still there?', mention: true });
    await h.fake.waitForCall(postsTo(h.fake.channels.general));
    await h.adapter.idle();
    expect(h.fake.botMessagesIn(h.fake.channels.general).map((m) => m.content)).toEqual([FAKE_REPLY]);
    expect(h.logs.some((line) => line.msg === 'Discord gateway session resumed')).toBe(true);
  });

  it('GIVEN an interaction answered too late (Unknown interaction) THEN the failure is logged and nothing crashes', async () => {
    h = await startHarness();
    h.fake.failNext(
      { method: 'POST', path: /^\/interactions\// },
      { status: 404, code: 10062, message: 'Unknown interaction' },
    );
    await h.fake.slash({ subcommand: 'show' }).callback();
    await h.adapter.idle();
    expect(warnings(h).some((msg) => msg.includes('3 seconds'))).toBe(true);
    await h.settle();
  });

  it('GIVEN an interaction that cannot be handled (a malformed modal) THEN the person gets one sentence and the failure is logged', async () => {
    h = await startHarness();
    const body = (
      await h.fake.modalSubmit({ customId: EDITOR_MODAL_ID, fields: { about: 'only one field' } }).callback()
    ).body as {
      data: { content: string; flags: number };
    };
    expect(body.data.flags).toBe(EPHEMERAL);
    expect(body.data.content).toMatch(/went wrong/i);
    await h.adapter.idle();
    expect(warnings(h).some((msg) => msg.startsWith('Discord: could not handle interaction'))).toBe(true);
  });

  describe('start-up', () => {
    let fake: FakeDiscord | undefined;
    let testCore: TestCore | undefined;

    afterEach(async () => {
      await testCore?.close();
      await fake?.close();
      fake = undefined;
      testCore = undefined;
    });

    async function start(options: { token?: string; disallow?: number }) {
      fake = await startFakeDiscord(options.disallow ? { disallowedIntents: options.disallow } : {});
      testCore = await createTestCore({
        openaiUrl: 'http://127.0.0.1:9/v1',
        env: { DISCORD_TOKEN: options.token ?? fake.token, DISCORD_API_URL: `${fake.apiUrl}/v10/` },
      });
      return startDiscord({ config: testCore.config, core: testCore.core, logger: silentLogger() });
    }

    it('GIVEN a wrong token THEN start-up fails with a sentence about DISCORD_TOKEN', async () => {
      const failure = await start({ token: 'not-the-token' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DiscordStartError);
      expect((failure as DiscordStartError).operatorMessage).toMatch(/DISCORD_TOKEN was rejected/);
    });

    it('GIVEN the Message Content intent is not enabled THEN start-up says where to enable it', async () => {
      const failure = await start({ disallow: GatewayIntentBits.MessageContent }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DiscordStartError);
      expect((failure as DiscordStartError).operatorMessage).toMatch(
        /Privileged Gateway Intents → Message Content Intent/,
      );
    });

    it('GIVEN DISCORD_API_URL with a version and trailing slash THEN the client still reaches the fake', async () => {
      const adapter = await start({});
      expect(adapter.client.isReady()).toBe(true);
      await adapter.stop();
    });
  });
});

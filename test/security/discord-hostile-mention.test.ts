/**
 * Issue 9, item 6 on Discord: the text a person sends is turned into the model's text by promptText (the
 * bot's mentions removed, other mentions as names via discord.js's cleanContent). A 40,000-character
 * hostile mention is parsed in well under 50 ms of CPU, and a person over the rate limit gets the notice
 * without their history being fetched.
 */
import type { Message } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { promptText } from '../../src/adapters/discord/history.js';
import { FAKE_IDS } from '../support/fake-discord.js';
import { startHarness, type DiscordHarness } from '../adapters/discord/harness.js';
import { cpuMs } from '../support/cpu-time.js';

const LENGTH = 40_000;
const hostile = (unit: string) => unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH);

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Discord: hostile mentions', () => {
  it('GIVEN 40,000 characters of unterminated mentions THEN promptText costs under 50 ms of CPU', async () => {
    h = await startHarness();
    const channel = h.adapter.client.channels.cache.get(FAKE_IDS.general);
    expect(channel).toBeDefined();
    for (const unit of ['<@', '<@!1', `<@${FAKE_IDS.bot}`, '<@&1', '<#1', '<:a:1', '<t:1:', '@everyone<']) {
      // promptText reads only these two fields of a message.
      const message = { content: hostile(unit), channel } as unknown as Message;
      expect(
        cpuMs(() => promptText(message, FAKE_IDS.bot, '1500000000000000001')),
        unit,
      ).toBeLessThan(50);
    }
  });

  it('GIVEN a person over the rate limit in a thread THEN no history is fetched for the refused message', async () => {
    h = await startHarness({ env: { HEED_RATE_LIMIT_PER_MINUTE: '1' } });
    const harness = h;
    const thread = FAKE_IDS.thread;
    harness.fake.userMessage({ content: 'first', mention: true, channelId: thread });
    await harness.fake.waitForCall({ method: 'POST', path: `/channels/${thread}/messages` });
    await harness.adapter.idle();
    const reads = () => harness.fake.callsMatching({ method: 'GET', path: `/channels/${thread}/messages` }).length;
    const before = reads();
    expect(before).toBeGreaterThan(0);
    harness.fake.userMessage({ content: 'second', mention: true, channelId: thread });
    await harness.fake.waitForCall({ method: 'POST', path: `/channels/${thread}/messages` }, 2);
    await harness.adapter.idle();
    expect(reads()).toBe(before);
    const notice = harness.fake.botMessagesIn(thread).at(-1);
    expect(notice?.content).toMatch(/faster than I can keep up/);
  });
});

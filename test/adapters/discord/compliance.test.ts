import { afterEach, describe, expect, it } from 'vitest';
import { REWRITE_BUTTON_ID } from '../../../src/adapters/discord/compliance.js';
import type { Actor } from '../../../src/core/types.js';
import { FAKE_IDS, type FakeInteraction } from '../../support/fake-discord.js';
import { paragraph } from './fixtures.js';
import { startHarness, type DiscordHarness } from './harness.js';

let h: DiscordHarness;
afterEach(async () => {
  await h?.close();
});

const alice = (): Actor => ({
  platform: 'discord',
  workspaceId: FAKE_IDS.guild,
  channelId: FAKE_IDS.general,
  userId: FAKE_IDS.alice,
  isPlatformAdmin: false,
});

/** Start Discord with HEED_COMPLIANCE=`mode`; alice asks for no commas. */
async function start(mode: string): Promise<void> {
  // The applied line is issue 15's and tested there; here each reply ends with the compliance note alone.
  h = await startHarness({
    env: { HEED_COMPLIANCE: mode, HEED_REPORTS_CHANNEL: FAKE_IDS.reports, HEED_SHOW_APPLIED: 'never' },
  });
  await h.testCore.core.command(alice(), 'set no commas');
}

async function ask(content: string): Promise<void> {
  h.fake.userMessage({ content, mention: true, author: h.fake.users.alice });
  await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` });
  await h.settle();
}

const replies = () => h.fake.botMessagesIn(h.fake.channels.general);

/** The content of an interaction's deferred answer once edited. */
async function answerOf(interaction: FakeInteraction): Promise<string> {
  await interaction.callback();
  await h.settle();
  const edit = h.fake
    .callsMatching({
      method: 'PATCH',
      path: new RegExp(`/webhooks/\\d+/${interaction.token}/messages/(@|%40)original`),
    })
    .at(-1);
  return String((edit?.body as { content?: string } | undefined)?.content ?? '');
}

describe('Discord: replies checked against the instructions', () => {
  it('flag: a -# line under the reply and a Rewrite button; Rewrite edits the reply in place', async () => {
    await start('flag');
    h.openai.enqueue({ reply: 'Well, hello.' }, { reply: 'Well hello.' });
    await ask('hi');
    const [reply] = replies();
    expect(reply?.content).toBe(
      'Well, hello.\n-# This reply missed an instruction: no commas (1 comma; none were allowed).',
    );
    expect(JSON.stringify(reply?.components)).toContain(REWRITE_BUTTON_ID);

    const answer = await answerOf(
      h.fake.button({ customId: REWRITE_BUTTON_ID, message: reply!, user: h.fake.users.alice }),
    );
    expect(answer).toBe('Done: I rewrote the reply to follow your instructions.');
    expect(replies().map((message) => message.content)).toEqual([
      'Well hello.\n-# revised to follow your instructions',
    ]);
    expect(replies()[0]?.components).toEqual([]);
  });

  it('Rewrite pressed by someone else is refused privately, and nothing changes', async () => {
    await start('flag');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await ask('hi');
    const [reply] = replies();
    const press = h.fake.button({ customId: REWRITE_BUTTON_ID, message: reply!, user: h.fake.users.bob });
    const callback = (await press.callback()).body as { data?: { flags?: number } };
    expect(callback.data?.flags).toBe(64);
    expect(await answerOf(press)).toBe('Only the person this reply answered can ask me to rewrite it.');
    expect(replies()[0]?.content).toContain('Well, hello.');
    expect(h.openai.requests).toHaveLength(1);
  });

  it('report: nothing under the reply; the reports channel gets the automatic report', async () => {
    await start('report');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await ask('hi');
    expect(replies().map((message) => message.content)).toEqual(['Well, hello.']);
    const post = await h.fake.waitForCall({ method: 'POST', path: `/channels/${FAKE_IDS.reports}/messages` });
    expect((post.body as { content: string }).content).toContain('**Missed:** no commas');
  });

  it('off: nothing is checked or posted', async () => {
    await start('off');
    h.openai.enqueue({ reply: 'Well, hello.' });
    await ask('hi');
    expect(replies().map((message) => message.content)).toEqual(['Well, hello.']);
    expect(h.fake.botMessagesIn(FAKE_IDS.reports)).toEqual([]);
  });

  it('fix: the reply is revised in place by itself; a revision that misses again is flagged', async () => {
    await start('fix');
    h.openai.enqueue({ reply: 'Well, hello.' }, { reply: 'Well hello.' });
    await ask('hi');
    expect(replies().map((message) => message.content)).toEqual([
      'Well hello.\n-# revised to follow your instructions',
    ]);

    h.openai.enqueue({ reply: 'Again, no.' }, { reply: 'Still, no.' });
    await ask('again');
    const second = replies()[1];
    expect(second?.content).toBe(
      'Still, no.\n-# revised to follow your instructions\n' +
        '-# This reply missed an instruction: no commas (1 comma; none were allowed).',
    );
  });

  it('a reply split over several messages is rewritten in place; a longer one continues in a new reply', async () => {
    await start('flag');
    h.openai.enqueue({ reply: `${paragraph(2500, 'one,')}`, chunkSize: 500 }, { reply: paragraph(4500, 'two') });
    await ask('long');
    const before = replies();
    expect(before).toHaveLength(2);
    const last = before.at(-1);
    expect(
      await answerOf(h.fake.button({ customId: REWRITE_BUTTON_ID, message: last!, user: h.fake.users.alice })),
    ).toContain('Done');
    const after = replies();
    expect(after).toHaveLength(3);
    expect(after.slice(0, 2).map((message) => message.id)).toEqual(before.map((message) => message.id));
    expect(after[2]?.message_reference?.message_id).toBe(after[1]?.id);
    expect(after.at(-1)?.content.endsWith('-# revised to follow your instructions')).toBe(true);
    expect(after.map((message) => message.content).join('')).not.toContain('one');
  });
});

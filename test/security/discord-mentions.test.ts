/**
 * Issue 9, item 1 on Discord: model text may contain `@everyone`, `@here`, role and user mentions. Every
 * REST call that posts or edits text (reply parts, their edits, the operators' report post, command
 * answers) carries `allowed_mentions: { parse: [] }` with no user or role list, so none of them pings.
 * Read from the fake Discord's REST log, over a reply long enough to be split and edited while it streams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_IDS, type RecordedCall } from '../support/fake-discord.js';
import { startHarness, type DiscordHarness } from '../adapters/discord/harness.js';

const ROLE = '1600000000000000001';
const hostile = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `Line ${i}: @everyone @here <@&${ROLE}> <@${FAKE_IDS.bob}> <@!${FAKE_IDS.dana}> @\u200beveryone`,
  ).join('\n');

/** The allowed mentions a REST call carried, wherever its shape keeps them (message or interaction callback). */
function allowedMentionsOf(call: RecordedCall): unknown {
  const body = call.body as { allowed_mentions?: unknown; data?: { allowed_mentions?: unknown } } | undefined;
  return body?.allowed_mentions ?? body?.data?.allowed_mentions;
}

/** Every call that sent message text. */
function textCalls(h: DiscordHarness): RecordedCall[] {
  return h.fake.calls.filter((call) => {
    if (call.method !== 'POST' && call.method !== 'PATCH') return false;
    const body = call.body as { content?: unknown; data?: { content?: unknown } } | undefined;
    return typeof body?.content === 'string' || typeof body?.data?.content === 'string';
  });
}

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Discord: model text never pings', () => {
  it('GIVEN a long reply full of mass, role and user mentions THEN every post and edit allows none', async () => {
    h = await startHarness({ env: { HEED_REPORTS_CHANNEL: FAKE_IDS.reports } });
    const reply = hostile(60);
    expect(reply.length).toBeGreaterThan(4_000);
    h.openai.enqueue({ reply, chunkSize: 40, tokenIntervalMs: 2 });
    h.fake.userMessage({ content: 'ping everyone please', mention: true });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${h.fake.channels.general}/messages` }, 3);
    await h.adapter.idle();
    const parts = h.fake.botMessagesIn(h.fake.channels.general);
    expect(parts.length).toBeGreaterThanOrEqual(3);

    // A report posts the reply's text to the operators' channel.
    h.fake.react({ user: h.fake.users.bob, messageId: parts[0]!.id });
    await h.fake.waitForCall({ method: 'POST', path: `/channels/${FAKE_IDS.reports}/messages` });
    // A command answer shows text too.
    await h.fake.slash({ subcommand: 'help' }).callback();
    await h.settle();

    const calls = textCalls(h);
    const paths = new Set(calls.map((call) => `${call.method} ${call.path.replace(/\d{17,20}/g, ':id')}`));
    expect(paths).toEqual(
      new Set([
        'POST /channels/:id/messages',
        'PATCH /channels/:id/messages/:id',
        expect.stringMatching(/^POST \/interactions\//),
      ]),
    );
    for (const call of calls) {
      const allowed = allowedMentionsOf(call) as { parse?: unknown; users?: unknown; roles?: unknown } | undefined;
      expect(allowed, `${call.method} ${call.path}`).toBeDefined();
      expect(allowed?.parse).toEqual([]);
      expect(allowed?.users ?? []).toEqual([]);
      expect(allowed?.roles ?? []).toEqual([]);
    }
    // The text itself is shown as written: the mentions render, they only do not notify.
    expect(parts.map((part) => part.content).join('\n')).toContain('@everyone');
  });
});

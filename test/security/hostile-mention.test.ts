/**
 * Issue 9, item 6: a crafted 40,000-character mention (`<@U1|` repeated, never closed) took 1.9 s of CPU
 * because the mention patterns rescanned to the end of the text from every start. Parsing must be linear,
 * and a person over the rate limit (or a text over the size limit) must not be parsed at all. The issue
 * asks for this one timed check: CPU time of the parse only, measured with process.cpuUsage, best of
 * three runs, against a bound (50 ms) about 50 times what the linear parse costs here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mentionedUserIds, neutralizeBroadcasts, slackToPlain } from '../../src/adapters/slack/format.js';
import { withoutBotMention } from '../../src/adapters/slack/thread-history.js';
import { FAKE_BOT_USER_ID } from '../support/fake-slack.js';
import { CHANNEL, startHarness, type Harness } from '../adapters/slack/harness.js';
import { cpuMs } from '../support/cpu-time.js';

const LENGTH = 40_000;
const hostile = (unit: string) => unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH);

/** Every way a message's text is parsed on its way to the model. */
function parseAll(text: string): number {
  const stripped = withoutBotMention(text, FAKE_BOT_USER_ID);
  const ids = mentionedUserIds(stripped);
  return slackToPlain(stripped, new Map(ids.map((id) => [id, 'Name']))).length + neutralizeBroadcasts(text).length;
}

describe('linear-time parsing of Slack text', () => {
  const units = [
    '<@U1|',
    `<@${FAKE_BOT_USER_ID}|`,
    '<@U1|x',
    '<#C1|',
    '<!here|',
    '<!subteam^S1|',
    '<!date^1|',
    '<!date^|',
    '<https://a|',
    '<mailto:a|',
    '<https://',
  ];
  for (const unit of units) {
    it(`GIVEN 40,000 characters of unterminated ${JSON.stringify(unit)} THEN parsing costs under 50 ms of CPU`, () => {
      const text = hostile(unit);
      expect(cpuMs(() => parseAll(text))).toBeLessThan(50);
    });
  }

  it('GIVEN one mention with a 40,000-character label that never closes THEN parsing costs under 50 ms', () => {
    expect(cpuMs(() => parseAll(`<@U1|${'x'.repeat(LENGTH)}`))).toBeLessThan(50);
  });

  it('still reads well-formed mentions, links and labels', () => {
    const text = `<@${FAKE_BOT_USER_ID}> ask <@U2|bob> in <#C1|general> about <https://x.example|the doc> <!here>`;
    const stripped = withoutBotMention(text, FAKE_BOT_USER_ID);
    expect(mentionedUserIds(stripped)).toEqual(['U2']);
    expect(slackToPlain(stripped, new Map([['U2', 'Bob']]))).toBe(
      'ask @Bob in #general about the doc (https://x.example) @here',
    );
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('limits before parsing', () => {
  it('GIVEN a person over the rate limit THEN nothing is parsed or looked up; they get the notice', async () => {
    h = await startHarness({ env: { HEED_RATE_LIMIT_PER_MINUTE: '1' } });
    const first = await h.mention('U1', 'hello');
    await h.idle();
    expect(h.botReplies(CHANNEL, first.ts)).toHaveLength(1);
    const lookups = () =>
      h?.slack.calls.filter((call) => call.method === 'users.info' && call.args.user === 'U7').length;
    const over = await h.mention('U1', `ask <@U7> please ${hostile('<@U1|').slice(0, 1000)}`, { threadTs: first.ts });
    await h.idle();
    expect(lookups()).toBe(0);
    expect(h.slack.callsOf('conversations.replies')).toHaveLength(0);
    expect(
      h.botReplies(CHANNEL, first.ts).some((message) => /faster than I can keep up/.test(message.text ?? '')),
    ).toBe(true);
    expect(over.response.status).toBe(200);
  });

  it('GIVEN a hostile 40,000-character mention through Slack THEN it is answered', async () => {
    h = await startHarness();
    const { ts } = await h.mention('U1', hostile('<@U1|'));
    await h.idle();
    expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
  });
});

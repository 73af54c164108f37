/**
 * Issue 9, item 1: no `<!here…>`, `<!channel…>`, `<!everyone…>` or `<!subteam^…>` from model text ever
 * reaches a Slack call, whatever the label's length, nesting, or the way the text is cut into deltas;
 * and a disguised link `<https://evil.example|https://slack.com>` is shown with its real target. The
 * guard is checked as a property over random texts and chunkings (every run of consecutive outputs, since
 * Slack shows them concatenated), then end to end for the stream chunks, the fallback's markdown blocks
 * and text, and the final message.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastGuard, neutralizeBroadcasts } from '../../src/adapters/slack/format.js';
import { CHANNEL, startHarness, type Harness } from '../adapters/slack/harness.js';

/** A Slack special mention that notifies many people, however it ends. */
const BROADCAST = /<!(?:here|channel|everyone|group|subteam\^)/i;
/** A bare broadcast word Slack would turn into a ping. */
const BARE = /(?:^|[^\w\u2060])@(?:here|channel|everyone)\b/i;
/** A Slack link whose label hides its target. */
const DISGUISED = /<(?:https?|mailto):[^<>|]*\|/i;

function unsafe(text: string): string | undefined {
  for (const [name, pattern] of [
    ['broadcast', BROADCAST],
    ['bare word', BARE],
    ['disguised link', DISGUISED],
  ] as const) {
    if (pattern.test(text)) return `${name} in ${JSON.stringify(text.slice(0, 300))}`;
  }
  return undefined;
}

/** Push `chunks` through a guard; every output and the final flush, in order. */
function guarded(chunks: string[]): string[] {
  const guard = new BroadcastGuard();
  return [...chunks.map((chunk) => guard.push(chunk)), guard.flush()];
}

/** Every concatenation of consecutive outputs is safe (Slack shows them joined). */
function expectSafeRuns(outputs: string[]): void {
  for (let from = 0; from < outputs.length; from++) {
    let joined = '';
    for (let to = from; to < outputs.length; to++) {
      joined += outputs[to];
      expect(unsafe(joined)).toBeUndefined();
    }
  }
}

/** Cut `text` at the given fractions. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => Math.floor(p * text.length)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const index of at) {
    parts.push(text.slice(last, index));
    last = index;
  }
  parts.push(text.slice(last));
  return parts;
}

const fragment = fc.oneof(
  fc.constantFrom(
    '<!here',
    '<!channel',
    '<!everyone',
    '<!EVERYONE',
    '<!group',
    '<!subteam^S01',
    '<!date^1|',
    '|',
    '>',
    '<',
    '<<',
    '@',
    '@here',
    '@chan',
    'nel',
    '<https://evil.example',
    '|https://slack.com',
    '<mailto:a@b.c',
    '<@U1>',
    '<#C1|x>',
    ' ',
    '\n',
    '`',
    '```',
    'text',
  ),
  fc.integer({ min: 0, max: 400 }).map((n) => 'x'.repeat(n)),
);
const hostileText = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

describe('BroadcastGuard (property)', () => {
  it('GIVEN any text cut anywhere THEN no output, nor any run of outputs, pings or hides a link', () => {
    fc.assert(
      fc.property(
        hostileText,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        (text, points) => {
          expectSafeRuns(guarded(cut(text, points)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('GIVEN text with no angle bracket and no @ THEN it passes unchanged, however it is cut', () => {
    const plain = fc.string({ maxLength: 300 }).map((text) => text.replace(/[<@]/g, ''));
    fc.assert(
      fc.property(plain, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }), (text, points) => {
        expect(guarded(cut(text, points)).join('')).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  const cases = [
    ['a label past the old 120-character hold', ['<!here|', 'x'.repeat(130), '>']],
    ['a label of 10,000 characters', ['<!channel|', 'y'.repeat(10_000), '>']],
    ['a nested angle bracket in the label', ['<!here|a<b>']],
    ['a nested bracket cut in pieces', ['<!here|a', '<', 'b', '>']],
    ['a user group with a long handle', ['<!subteam^S1|@', 'z'.repeat(500), '>']],
    ['one character per delta', [...'<!everyone> and <!here|@here>']],
    ['a disguised link', ['<https://evil.example|https://slack.com>']],
    ['a disguised link cut in pieces', ['<https://evil.exa', 'mple|https://sla', 'ck.com>']],
    ['a disguised link with a long label', ['<https://evil.example|', 'w'.repeat(3_000), '>']],
    ['a link whose address ends in a space (found by the property below)', ['<mailto:a@b.c |', 'x>']],
  ] as const;
  it.each(cases)('GIVEN %s THEN every run of outputs is safe', (_name, chunks) => {
    expectSafeRuns(guarded([...chunks]));
  });

  it('shows a disguised link with its real target, and keeps honest links and user mentions', () => {
    expect(neutralizeBroadcasts('see <https://evil.example|https://slack.com>')).toBe(
      'see https://slack.com (https://evil.example)',
    );
    expect(neutralizeBroadcasts('<https://a.example|https://a.example> <https://b.example> <@U1>')).toBe(
      'https://a.example <https://b.example> <@U1>',
    );
    expect(neutralizeBroadcasts('<!here> <!channel|@channel> @everyone')).toBe(
      '@\u2060here @\u2060channel @\u2060everyone',
    );
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every Slack call that carried model text, as JSON. */
function postedPayloads(harness: Harness): string[] {
  const methods = new Set([
    'chat.startStream',
    'chat.appendStream',
    'chat.stopStream',
    'chat.postMessage',
    'chat.update',
  ]);
  return harness.slack.calls.filter((call) => methods.has(call.method)).map((call) => JSON.stringify(call.args));
}

const hostileReplies = [
  `Hi <!here|${'x'.repeat(130)}> and <!channel|a<b> and <!subteam^S9|${'t'.repeat(200)}> and @everyone`,
  'Go to <https://evil.example|https://slack.com> now <!everyone>',
];

describe('Slack replies carrying hostile model text', () => {
  for (const chunkSize of [1, 3, 7, 64]) {
    it(`GIVEN streamed deltas of ${chunkSize} characters THEN no stream chunk, block or text is unsafe`, async () => {
      h = await startHarness();
      for (const reply of hostileReplies) {
        h.openai.enqueue({ reply, chunkSize });
        const { ts } = await h.mention('U1', 'hello');
        await h.idle();
        expect(h.botReplies(CHANNEL, ts)).toHaveLength(1);
      }
      for (const payload of postedPayloads(h)) expect(unsafe(payload)).toBeUndefined();
      const final = h.slack.messagesIn(CHANNEL).filter((message) => message.user !== 'U1');
      for (const message of final) expect(unsafe(JSON.stringify(message))).toBeUndefined();
    });
  }

  it('GIVEN the fallback (streaming refused) THEN the markdown blocks and the text field are safe too', async () => {
    h = await startHarness();
    h.slack.enqueue('chat.startStream', { error: 'feature_not_enabled' });
    for (const reply of hostileReplies) {
      h.openai.enqueue({ reply, chunkSize: 5 });
      await h.mention('U1', 'hello');
      await h.idle();
    }
    expect(h.slack.callsOf('chat.postMessage').length).toBeGreaterThan(0);
    for (const payload of postedPayloads(h)) expect(unsafe(payload)).toBeUndefined();
  });
});

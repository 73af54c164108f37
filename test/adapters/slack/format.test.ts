import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BroadcastGuard,
  neutralizeBroadcasts,
  openFence,
  slackToPlain,
  splitMarkdown,
  toMrkdwn,
} from '../../../src/adapters/slack/format.js';

const JOINER = '\u2060';

describe('neutralizeBroadcasts', () => {
  it('defuses special mentions and bare broadcast words, keeping them readable', () => {
    const out = neutralizeBroadcasts(
      'Hi <!channel> and <!here|here>, <!everyone>, @here @channel @everyone <!subteam^S123|@devs>',
    );
    expect(out).not.toMatch(/<!/);
    expect(out).not.toMatch(/@(here|channel|everyone|devs)/);
    expect(out.replaceAll(JOINER, '')).toBe('Hi @channel and @here, @everyone, @here @channel @everyone @devs');
  });

  it('leaves user mentions and ordinary text alone', () => {
    expect(neutralizeBroadcasts('ask <@U123> about @heretics')).toBe('ask <@U123> about @heretics');
  });
});

describe('BroadcastGuard', () => {
  const token = fc.constantFrom(
    '<!channel>',
    '<!here>',
    '<!everyone>',
    '@here',
    '@channel',
    '@everyone',
    '<@U1>',
    '<',
    '@',
    '!',
    'here',
    ' ',
    'a',
    '>',
    '\n',
    '<!here|@here>',
  );

  it('gives the same text as neutralizing the whole reply, however the deltas are cut', () => {
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        (parts, cuts) => {
          const whole = parts.join('');
          const points = [...new Set(cuts.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
          const deltas: string[] = [];
          let last = 0;
          for (const point of points) {
            deltas.push(whole.slice(last, point));
            last = point;
          }
          deltas.push(whole.slice(last));
          const guard = new BroadcastGuard();
          const streamed = deltas.map((delta) => guard.push(delta)).join('') + guard.flush();
          expect(streamed).toBe(neutralizeBroadcasts(whole));
        },
      ),
    );
  });

  it('holds back only what could still become a ping', () => {
    const guard = new BroadcastGuard();
    expect(guard.push('Hello @he')).toBe('Hello ');
    expect(guard.push('re!')).toBe(`@${JOINER}here!`);
    expect(guard.push('a < b')).toBe('a < b');
  });
});

describe('toMrkdwn', () => {
  it('rewrites standard Markdown into Slack mrkdwn', () => {
    expect(toMrkdwn('**bold** and *it* and ~~gone~~ [docs](https://x.test/a)')).toBe(
      '*bold* and _it_ and ~gone~ <https://x.test/a|docs>',
    );
    expect(toMrkdwn('# Title\n- one\n- two')).toBe('*Title*\n• one\n• two');
  });

  it('escapes control characters but keeps code untouched', () => {
    expect(toMrkdwn('a < b & c')).toBe('a &lt; b &amp; c');
    expect(toMrkdwn('```ts\nconst x = a**2 < 3;\n```')).toBe('```\nconst x = a**2 < 3;\n```');
    expect(toMrkdwn('use `a**b**c`')).toBe('use `a**b**c`');
  });
});

describe('splitMarkdown', () => {
  it('keeps every part within the limit and loses no text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('word ', 'longerword ', '\n', '\n\n', 'x'.repeat(30)), { maxLength: 200 }),
        fc.integer({ min: 40, max: 300 }),
        (pieces, limit) => {
          const text = pieces.join('');
          const parts = splitMarkdown(text, limit);
          for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
          expect(parts.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
        },
      ),
    );
  });

  it('closes a code block cut in two and reopens it with its language', () => {
    const code = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    const parts = splitMarkdown(`Intro\n\n\`\`\`python\n${code}\n\`\`\`\nAfter`, 120);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(openFence(part)).toBeUndefined();
    expect(parts[1]?.startsWith('```python\n')).toBe(true);
  });
});

describe('slackToPlain', () => {
  it('turns Slack wire syntax into what a person reads', () => {
    const names = new Map([['U2', 'Bob']]);
    expect(
      slackToPlain('ask <@U2> in <#C1|general>: see <https://x.test|the docs> &amp; <https://y.test> &lt;3', names),
    ).toBe('ask @Bob in #general: see the docs (https://x.test) & https://y.test <3');
  });
});

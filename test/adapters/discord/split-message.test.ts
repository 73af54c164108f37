import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitMessage } from '../../../src/adapters/discord/split-message.js';
import { longReplyWithCode } from './fixtures.js';

/** True when every code block opened in `message` is closed again (Discord: every ``` toggles). */
function fencesBalanced(message: string): boolean {
  return (message.match(/```/g)?.length ?? 0) % 2 === 0;
}

/** Everything but whitespace, backticks and reopened ```lang lines: what a split must neither lose nor invent. */
function substance(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^```[a-z0-9_+\-.#]{0,20}$/i.test(line))
    .join('')
    .replace(/[`\s]+/g, '');
}

describe('splitMessage', () => {
  it('GIVEN text within the limit THEN returns it unchanged as one message', () => {
    const text = 'hello\n\n```js\nconsole.log(1)\n```';
    expect(splitMessage(text)).toEqual([text]);
    expect(splitMessage('x'.repeat(DISCORD_MESSAGE_LIMIT))).toEqual(['x'.repeat(DISCORD_MESSAGE_LIMIT)]);
  });

  it('GIVEN two long lines THEN splits at the line boundary', () => {
    const first = 'a'.repeat(1500);
    const second = 'b'.repeat(1500);
    expect(splitMessage(`${first}\n${second}`)).toEqual([first, second]);
  });

  it('GIVEN a 4,500-character reply with a code block THEN three messages under the limit with fences closed and reopened', () => {
    const text = longReplyWithCode();
    expect(text.length).toBe(4500);

    const messages = splitMessage(text);
    expect(messages).toHaveLength(3);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(fencesBalanced(message)).toBe(true);
    }
    expect(messages[0]?.endsWith('\n```')).toBe(true);
    expect(messages[1]?.startsWith('```ts\n')).toBe(true);
    expect(substance(messages.join('\n'))).toBe(substance(text));
  });

  it('GIVEN a line longer than a message THEN cuts it at a space', () => {
    const text = Array.from({ length: 1000 }, () => 'word').join(' ');
    const messages = splitMessage(text);
    expect(messages.length).toBe(3);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(message.startsWith('word')).toBe(true);
      expect(message.endsWith('word')).toBe(true);
    }
  });

  it('GIVEN an unbroken run with emoji at the cut THEN never splits a surrogate pair', () => {
    const text = `${'x'.repeat(1999)}${'😀'.repeat(10)}`;
    const messages = splitMessage(text);
    expect(messages.join('')).toBe(text);
    for (const message of messages) {
      expect(message.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(() => encodeURIComponent(message)).not.toThrow();
    }
  });

  it('GIVEN a mention token at a hard cut THEN keeps the token whole', () => {
    const text = `${'x'.repeat(1990)}<@123456789012345678>${'y'.repeat(100)}`;
    const messages = splitMessage(text);
    expect(messages.some((message) => message.includes('<@123456789012345678>'))).toBe(true);
  });

  it('GIVEN inline ```code``` on many lines THEN no block is opened or closed by the split', () => {
    const text = Array.from(
      { length: 60 },
      (_, i) => `step ${i}: run \`\`\`npm test\`\`\` then continue ${'.'.repeat(20)}`,
    ).join('\n');
    const messages = splitMessage(text);
    expect(messages.length).toBe(2);
    expect(messages.join('\n')).toBe(text);
  });

  it('GIVEN a block without a language THEN it is reopened bare', () => {
    const text = `\`\`\`\n${Array.from({ length: 100 }, (_, i) => `row ${i} ${'z'.repeat(30)}`).join('\n')}\n\`\`\``;
    const messages = splitMessage(text);
    expect(messages.length).toBe(2);
    for (const message of messages) {
      expect(message.startsWith('```\nrow')).toBe(true);
      expect(message.endsWith('\n```')).toBe(true);
    }
  });

  it('PROPERTY: every message fits, none is blank, fences balance, and no text is lost', () => {
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.string({ maxLength: 120 }).map((s) => s.replace(/\n/g, ' ')) },
      { weight: 1, arbitrary: fc.constantFrom('```', '```ts', 'use ```x``` here', '', '    ') },
      {
        weight: 1,
        arbitrary: fc.string({
          minLength: 100,
          maxLength: 700,
          unit: fc.constantFrom('a', 'b', ' ', '😀', '<@1>', 'é', '`'),
        }),
      },
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), fc.integer({ min: 60, max: 2000 }), (lines, limit) => {
        const text = lines.join('\n');
        const messages = splitMessage(text, limit);
        if (text.length <= limit) {
          expect(messages).toEqual([text]);
          return;
        }
        const balancedSource = fencesBalanced(text);
        messages.forEach((message, index) => {
          expect(message.length).toBeLessThanOrEqual(limit);
          expect(message.trim()).not.toBe('');
          if (balancedSource || index < messages.length - 1) expect(fencesBalanced(message)).toBe(true);
        });
        expect(substance(messages.join('\n'))).toBe(substance(text));
      }),
      { numRuns: 400 },
    );
  });
});

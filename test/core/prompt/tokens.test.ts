import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  countMessageTokens,
  countTokens,
  tokensOfMessage,
} from '../../../src/core/prompt/tokens.js';

const reference = new Tiktoken(o200kBase);
const exact = (text: string) => reference.encode(text, [], []).length;

// Words of ordinary length, punctuation and every kind of spacing between them: text whose pieces
// are all short, where the count must be exact.
const word = fc.constantFrom(
  'hello',
  'World',
  "it's",
  'naïve',
  'émigré',
  'Straße',
  '東京',
  'こんにちは',
  '😀',
  '👩‍💻',
  '12345678',
  '3.14',
  'e.g.',
  '...',
  '!',
  '?',
  ',',
  ';',
  '—',
  '#',
  '`code`',
  '**bold**',
  '<tag>',
  '<|endoftext|>',
  'https://ex.com/a?b=c',
);
const spacing = fc.constantFrom(' ', '  ', '\t', '\n', '\n\n', '\r\n', ' \n ', '   \n');
const ordinaryText = fc
  .array(fc.tuple(word, spacing), { maxLength: 40 })
  .map((pairs) => pairs.map(([w, s]) => w + s).join(''));

describe('countTokens', () => {
  it('counts with the o200k_base encoding', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('Answer in British English, please.')).toBe(exact('Answer in British English, please.'));
  });

  it('treats special-token text as ordinary text instead of throwing', () => {
    expect(countTokens('<|endoftext|>')).toBe(exact('<|endoftext|>'));
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('is exact for ordinary text of any mix of words, scripts and spacing', () => {
    fc.assert(
      fc.property(ordinaryText, (text) => {
        expect(countTokens(text)).toBe(exact(text));
      }),
      { numRuns: 300 },
    );
  });

  it('counts very long unbroken runs in slices, staying close to the exact count', () => {
    // Exact encoding of these takes minutes (quadratic merges); sliced counting finishes at once.
    expect(countTokens('a'.repeat(40_000))).toBe(5_000);
    expect(countTokens('😀'.repeat(10_000))).toBe(10_000);
    const cjk = '我们今天去公园散步然后吃了一顿很好吃的晚饭'.repeat(500);
    const estimate = (exact(cjk.slice(0, 210)) * cjk.length) / 210;
    expect(Math.abs(countTokens(cjk) - estimate) / estimate).toBeLessThan(0.05);
  });

  it('keeps surrogate pairs whole when slicing', () => {
    const text = `x${'😀'.repeat(100)}`;
    expect(countTokens(text)).toBeGreaterThanOrEqual(100);
  });
});

describe('countMessageTokens', () => {
  it('adds the per-message overhead, the role and the reply priming', () => {
    expect(countMessageTokens([])).toBe(REPLY_PRIMING_TOKENS);
    const message = { role: 'user' as const, content: 'hello' };
    expect(tokensOfMessage(message)).toBe(TOKENS_PER_MESSAGE + 1 + 1);
    expect(countMessageTokens([{ role: 'system', content: 'Be brief.' }, message])).toBe(
      REPLY_PRIMING_TOKENS + TOKENS_PER_MESSAGE + 1 + exact('Be brief.') + TOKENS_PER_MESSAGE + 1 + 1,
    );
  });
});

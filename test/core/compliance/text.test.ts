import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countCapitalWords } from '../../../src/core/compliance/text.js';

/**
 * The plain way to count capital tokens: split the whole text on the separators, then look at every token. The
 * library finds the tokens from the capital letters outwards instead; the two must always agree.
 */
function countBySplitting(text: string): number {
  const separators = /[\s,;:@#$%&?!()[\]{}<>"“”‘’`]+/u;
  const clitic = /^(.+?)(n't|'s|'m|'d|'ll|'re|'ve)$|^(can|gon|wan|got|gim|lem)(not|na|ta|me)$/iu;
  const capital = (token: string) => token !== '' && /[\p{Lu}\p{Lt}]/u.test(token) && !/\p{Ll}/u.test(token);
  let count = 0;
  for (const raw of text.split(separators)) {
    const token = raw.replace(/^'+|'+$/gu, '');
    const parts = token.length <= 6 || token.includes("'") ? clitic.exec(token) : null;
    if (parts === null) count += capital(token) ? 1 : 0;
    else count += (capital(parts[1] ?? parts[3] ?? '') ? 1 : 0) + (capital(parts[2] ?? parts[4] ?? '') ? 1 : 0);
  }
  return count;
}

describe('countCapitalWords', () => {
  it('GIVEN capitals at the edges, in clitics and beside separators THEN it counts as splitting the text would', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['A', 1],
      ['I am OK.', 2],
      ["DON'T STOP", 3],
      ["'HELLO' world's END", 2],
      ['CANNOT', 2],
      ['A-B C.D. x,Y', 3],
      ["ÉTÉ L'ÉTÉ", 2],
      ['ǅungla', 0],
      ['Mixed CASE words, ALL-CAPS and (PAREN)', 3],
    ];
    for (const [text, count] of cases) {
      expect(countCapitalWords(text), text).toBe(count);
      expect(countBySplitting(text), text).toBe(count);
    }
  });

  it('GIVEN arbitrary text THEN it always agrees with splitting the whole text', () => {
    const alphabet = fc.constantFrom(...'aAbBnNtTsSÉé\'’ -.,;:!?()"\n\t*0'.split(''), "n't", "'S", 'CAN', 'not', 'ǅ');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), (chars) => {
        const text = chars.join('');
        expect(countCapitalWords(text)).toBe(countBySplitting(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('GIVEN the same text twice THEN the answer is the same (no state kept between calls)', () => {
    const text = 'THE END of THE story';
    expect(countCapitalWords(text)).toBe(3);
    expect(countCapitalWords(text)).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type Check,
  describeCheck,
  INSTRUCTION_IDS,
  parseCheck,
  runCheck,
} from '../../../src/core/compliance/catalogue.js';

function check(id: string, kwargs: unknown = {}): Check {
  const parsed = parseCheck(id, kwargs);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.check;
}

function passes(id: string, kwargs: unknown, response: string, mode: 'strict' | 'loose' = 'strict'): boolean {
  return runCheck(check(id, kwargs), response, mode).ok;
}

const words = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('the catalogue', () => {
  it('GIVEN the 25 IFEval ids THEN each parses, describes itself and rejects an empty response', () => {
    const kwargs: Record<string, unknown> = {
      'keywords:existence': { keywords: ['river'] },
      'keywords:frequency': { keyword: 'river', frequency: 2, relation: 'at least' },
      'keywords:forbidden_words': { forbidden_words: ['river'] },
      'keywords:letter_frequency': { letter: 'a', let_frequency: 2, let_relation: 'less than' },
      'language:response_language': { language: 'en' },
      'length_constraints:number_sentences': { num_sentences: 2, relation: 'less than' },
      'length_constraints:number_paragraphs': { num_paragraphs: 2 },
      'length_constraints:number_words': { num_words: 10, relation: 'less than' },
      'length_constraints:nth_paragraph_first_word': { num_paragraphs: 2, nth_paragraph: 1, first_word: 'so' },
      'detectable_content:number_placeholders': { num_placeholders: 0 },
      'detectable_content:postscript': { postscript_marker: 'P.S.' },
      'detectable_format:number_bullet_lists': { num_bullets: 0 },
      'detectable_format:number_highlighted_sections': { num_highlights: 0 },
      'detectable_format:multiple_sections': { section_spliter: 'Section', num_sections: 0 },
      'combination:repeat_prompt': { prompt_to_repeat: 'Say hi.' },
      'startend:end_checker': { end_phrase: 'Bye.' },
      'change_case:capital_word_frequency': { capital_frequency: 1, capital_relation: 'less than' },
    };
    expect(INSTRUCTION_IDS).toHaveLength(25);
    for (const id of INSTRUCTION_IDS) {
      const one = check(id, kwargs[id] ?? null);
      expect(describeCheck(one)).toMatch(/\.$|[^\s]$/u);
      expect(runCheck(one, '')).toEqual({ ok: false, detail: 'The response is empty.' });
      expect(runCheck(one, '  \n ', 'loose').ok).toBe(false);
    }
  });

  it('GIVEN an unknown id, a missing, wrong or extra parameter THEN parseCheck says which', () => {
    expect(parseCheck('punctuation:no_semicolon', {})).toEqual({
      ok: false,
      error: 'unknown instruction id "punctuation:no_semicolon"',
    });
    expect(parseCheck('detectable_format:number_bullet_lists', {})).toMatchObject({
      ok: false,
      error: expect.stringContaining('missing parameter "num_bullets"'),
    });
    expect(parseCheck('detectable_format:number_bullet_lists', { num_bullets: 'three' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('"num_bullets" must be a number'),
    });
    expect(parseCheck('keywords:frequency', { keyword: 'x', frequency: 1, relation: 'at most' })).toMatchObject({
      ok: false,
      error: expect.stringContaining("'less than' or 'at least'"),
    });
    expect(parseCheck('punctuation:no_comma', { comma: true })).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown parameter "comma"'),
    });
    expect(
      parseCheck('length_constraints:nth_paragraph_first_word', {
        num_paragraphs: 2,
        nth_paragraph: 0,
        first_word: 'a',
      }),
    ).toMatchObject({ ok: false, error: expect.stringContaining('"nth_paragraph" must be 1 or more') });
    expect(parseCheck('language:response_language', { language: 'xx' })).toMatchObject({ ok: false });
  });

  it('GIVEN IFEval kwargs with nulls or none at all THEN they mean "not given"', () => {
    expect(parseCheck('punctuation:no_comma', null).ok).toBe(true);
    expect(parseCheck('punctuation:no_comma', undefined).ok).toBe(true);
    expect(parseCheck('detectable_format:title', { num_bullets: null }).ok).toBe(true);
  });

  it('GIVEN parameters THEN the description is rendered from them', () => {
    expect(describeCheck(check('detectable_format:number_bullet_lists', { num_bullets: 3 }))).toBe(
      'Answer with exactly 3 bullet points, written as Markdown bullets (* or -).',
    );
    expect(describeCheck(check('length_constraints:number_words', { num_words: 100, relation: 'less than' }))).toBe(
      'Answer in fewer than 100 words.',
    );
    expect(describeCheck(check('language:response_language', { language: 'de' }))).toContain('German');
  });

  it('GIVEN a check whose params were not validated THEN runCheck refuses it plainly', () => {
    expect(() => runCheck({ id: 'detectable_format:number_bullet_lists', params: { num_bullets: -1 } }, 'x')).toThrow(
      /num_bullets/u,
    );
  });
});

describe('keywords', () => {
  it('existence: every keyword, case-insensitive, anywhere in a word', () => {
    expect(passes('keywords:existence', { keywords: ['River', 'bank'] }, 'The RIVERS ran by the embankment.')).toBe(
      true,
    );
    const outcome = runCheck(check('keywords:existence', { keywords: ['river', 'moon'] }), 'The river.');
    expect(outcome).toEqual({ ok: false, detail: 'Missing "moon"; the response must include "river", "moon".' });
    expect(passes('keywords:existence', { keywords: ['東京'] }, '私は東京に住んでいます。')).toBe(true);
    expect(passes('keywords:existence', { keywords: ['c++'] }, 'I write C++ daily.')).toBe(true);
  });

  it('frequency: the boundary of each relation', () => {
    const twice = 'Cat, cat and a dog.';
    expect(passes('keywords:frequency', { keyword: 'cat', frequency: 2, relation: 'at least' }, twice)).toBe(true);
    expect(passes('keywords:frequency', { keyword: 'cat', frequency: 3, relation: 'at least' }, twice)).toBe(false);
    expect(passes('keywords:frequency', { keyword: 'cat', frequency: 2, relation: 'less than' }, twice)).toBe(false);
    expect(passes('keywords:frequency', { keyword: 'cat', frequency: 3, relation: 'less than' }, twice)).toBe(true);
    expect(
      runCheck(check('keywords:frequency', { keyword: 'cat', frequency: 3, relation: 'at least' }), twice).detail,
    ).toBe('"cat" appears 2 times; at least 3 times were asked for.');
  });

  it('forbidden words: whole words only, in any script', () => {
    expect(passes('keywords:forbidden_words', { forbidden_words: ['cat'] }, 'Concatenate the catalogue.')).toBe(true);
    expect(passes('keywords:forbidden_words', { forbidden_words: ['cat'] }, 'A CAT sat.')).toBe(false);
    expect(passes('keywords:forbidden_words', { forbidden_words: ['café'] }, 'Un café noir.')).toBe(false);
    expect(passes('keywords:forbidden_words', { forbidden_words: ['café'] }, 'Les cafés sont noirs.')).toBe(true);
    expect(runCheck(check('keywords:forbidden_words', { forbidden_words: ['cat', 'dog'] }), 'cat and dog').detail).toBe(
      '"cat", "dog" appear, though forbidden.',
    );
  });

  it('letter frequency: case-insensitive count and both relation boundaries', () => {
    const text = 'Banana Bread';
    expect(passes('keywords:letter_frequency', { letter: 'A', let_frequency: 4, let_relation: 'at least' }, text)).toBe(
      true,
    );
    expect(passes('keywords:letter_frequency', { letter: 'a', let_frequency: 5, let_relation: 'at least' }, text)).toBe(
      false,
    );
    expect(
      passes('keywords:letter_frequency', { letter: 'a', let_frequency: 4, let_relation: 'less than' }, text),
    ).toBe(false);
    expect(
      passes('keywords:letter_frequency', { letter: 'a', let_frequency: 5, let_relation: 'less than' }, text),
    ).toBe(true);
  });
});

describe('language', () => {
  it('passes the asked language and names the one found', () => {
    const german = 'Heute ist das Wetter in Berlin sehr schön, und wir gehen am Nachmittag in den Park spazieren.';
    expect(passes('language:response_language', { language: 'de' }, german)).toBe(true);
    expect(runCheck(check('language:response_language', { language: 'fr' }), german)).toEqual({
      ok: false,
      detail: 'The response looks German; French was asked for.',
    });
  });

  it('recognises right-to-left and CJK scripts', () => {
    expect(
      passes('language:response_language', { language: 'ar' }, 'مرحبا بكم في هذا المكان الجميل، نتمنى لكم يوما سعيدا.'),
    ).toBe(true);
    expect(
      passes('language:response_language', { language: 'he' }, 'שלום לכולם, היום מזג האוויר נעים מאוד בתל אביב.'),
    ).toBe(true);
    expect(
      passes('language:response_language', { language: 'ja' }, '今日はとても良い天気ですね。散歩に行きましょう。'),
    ).toBe(true);
    expect(
      passes('language:response_language', { language: 'ko' }, '오늘은 날씨가 정말 좋네요. 산책하러 갑시다.'),
    ).toBe(true);
  });

  it('counts a response with nothing to identify as following, as the reference does', () => {
    expect(passes('language:response_language', { language: 'de' }, '42 — 17 🙂')).toBe(true);
  });
});

describe('length constraints', () => {
  it('sentences: Punkt-like splitting and both relation boundaries', () => {
    const three = 'Dr. Smith arrived at 3.30 p.m. today. Was he late? No! He was early.';
    const at = (n: number, relation: string): boolean =>
      passes('length_constraints:number_sentences', { num_sentences: n, relation }, three);
    expect(
      runCheck(check('length_constraints:number_sentences', { num_sentences: 9, relation: 'at least' }), three).detail,
    ).toMatch(/^4 sentences/u);
    expect(at(4, 'at least')).toBe(true);
    expect(at(5, 'at least')).toBe(false);
    expect(at(4, 'less than')).toBe(false);
    expect(at(5, 'less than')).toBe(true);
  });

  it('sentences: after an abbreviation, only a capitalised sentence starter begins a new one', () => {
    const count = (text: string): string =>
      runCheck(check('length_constraints:number_sentences', { num_sentences: 9, relation: 'at least' }), text).detail;
    expect(count('Bring fruit, bread etc. The rest is here.')).toMatch(/^2 sentences/u);
    expect(count('Ask Mr. The Builder. Then go.')).toMatch(/^2 sentences/u);
    expect(count('Made in the U.S. Army base today.')).toMatch(/^1 sentence/u);
  });

  it('sentences: a line break alone does not end one; a list item with a period does', () => {
    const list = '# Title\n* first item.\n* second item\n* third item';
    expect(
      runCheck(check('length_constraints:number_sentences', { num_sentences: 9, relation: 'at least' }), list).detail,
    ).toMatch(/^2 sentences/u);
  });

  it('paragraphs: *** dividers, empty ends allowed, an empty middle fails', () => {
    const id = 'length_constraints:number_paragraphs';
    expect(passes(id, { num_paragraphs: 3 }, 'One.\n***\nTwo.\n***\nThree.')).toBe(true);
    expect(passes(id, { num_paragraphs: 2 }, '***\nOne.\n***\nTwo.\n***')).toBe(true);
    expect(passes(id, { num_paragraphs: 2 }, 'One.\n***\n***\nTwo.')).toBe(false);
    expect(passes(id, { num_paragraphs: 2 }, 'One.\n\nTwo.')).toBe(false);
  });

  it('words: letters and digits in any script; both relation boundaries', () => {
    const id = 'length_constraints:number_words';
    expect(
      runCheck(check(id, { num_words: 1, relation: 'at least' }), "Don't stop—it's 2024! 🙂 مرحبا").detail,
    ).toMatch(/^7 words/u);
    expect(passes(id, { num_words: 10, relation: 'at least' }, words(10))).toBe(true);
    expect(passes(id, { num_words: 11, relation: 'at least' }, words(10))).toBe(false);
    expect(passes(id, { num_words: 10, relation: 'less than' }, words(10))).toBe(false);
    expect(passes(id, { num_words: 11, relation: 'less than' }, words(10))).toBe(true);
  });

  it('nth paragraph first word: count, position, punctuation and quotes around the word', () => {
    const id = 'length_constraints:nth_paragraph_first_word';
    const text = 'Intro here.\n\n"Summer, at last," she said.\n\nEnd.';
    expect(passes(id, { num_paragraphs: 3, nth_paragraph: 2, first_word: 'Summer' }, text)).toBe(true);
    expect(passes(id, { num_paragraphs: 2, nth_paragraph: 2, first_word: 'summer' }, text)).toBe(false);
    expect(passes(id, { num_paragraphs: 3, nth_paragraph: 2, first_word: 'winter' }, text)).toBe(false);
    expect(passes(id, { num_paragraphs: 4, nth_paragraph: 4, first_word: 'end' }, text)).toBe(false);
  });
});

describe('detectable content and format', () => {
  it('placeholders in square brackets, on one line each', () => {
    const id = 'detectable_content:number_placeholders';
    expect(passes(id, { num_placeholders: 2 }, 'Dear [name], see you at [address].')).toBe(true);
    expect(passes(id, { num_placeholders: 2 }, 'Dear [name\n], nothing else.')).toBe(false);
  });

  it('postscript: P.S. and P.P.S in their usual spellings, other markers literally', () => {
    const id = 'detectable_content:postscript';
    expect(passes(id, { postscript_marker: 'P.S.' }, 'Body.\n\np.s. bring snacks')).toBe(true);
    expect(passes(id, { postscript_marker: 'P.P.S' }, 'Body.\n\nP. P. S. again')).toBe(true);
    expect(passes(id, { postscript_marker: 'P.S.' }, 'Body only.')).toBe(false);
    expect(passes(id, { postscript_marker: 'Note:' }, 'Body.\nNOTE: read me')).toBe(true);
  });

  it('bullets: * and - items count, ** bold lines and numbered lists do not', () => {
    const id = 'detectable_format:number_bullet_lists';
    const text = '**Heading**\n* one\n  - nested two\n- three\n1. numbered';
    expect(passes(id, { num_bullets: 3 }, text)).toBe(true);
    expect(passes(id, { num_bullets: 4 }, text)).toBe(false);
    expect(passes(id, { num_bullets: 2 }, '* 🍎 apple\n* 苹果')).toBe(true);
  });

  it('constrained response: one of the three answers', () => {
    expect(passes('detectable_format:constrained_response', {}, 'My answer is maybe.')).toBe(true);
    expect(passes('detectable_format:constrained_response', {}, 'Maybe.')).toBe(false);
  });

  it('highlights: *single* and **double**, never empty ones', () => {
    const id = 'detectable_format:number_highlighted_sections';
    expect(passes(id, { num_highlights: 2 }, 'A *first* and a **second** part.')).toBe(true);
    expect(passes(id, { num_highlights: 1 }, 'Empty ** and * * only.')).toBe(false);
    expect(passes(id, { num_highlights: 1 }, '*عنوان مهم* ثم نص')).toBe(true);
  });

  it('sections: the splitter followed by a number', () => {
    const id = 'detectable_format:multiple_sections';
    const text = 'SECTION 1\nIntro\nSECTION 2\nBody';
    expect(passes(id, { section_spliter: 'SECTION', num_sections: 2 }, text)).toBe(true);
    expect(passes(id, { section_spliter: 'SECTION', num_sections: 3 }, text)).toBe(false);
    expect(passes(id, { section_spliter: 'Section', num_sections: 1 }, text)).toBe(false);
  });

  it('JSON: plain or fenced, and nothing else around it', () => {
    const id = 'detectable_format:json_format';
    expect(passes(id, {}, '```json\n{"a": [1, "日本"]}\n```')).toBe(true);
    expect(passes(id, {}, '```JSON\n[1,2]\n```')).toBe(true);
    expect(passes(id, {}, '  {"a": 1}  ')).toBe(true);
    expect(passes(id, {}, 'Here it is: {"a": 1}')).toBe(false);
    expect(runCheck(check(id), '{a: 1}').detail).toMatch(/^The response is not valid JSON/u);
  });

  it('title: <<…>> on one line with something inside', () => {
    expect(passes('detectable_format:title', {}, '<<Ode to Joy 🎉>>\nText')).toBe(true);
    expect(passes('detectable_format:title', {}, '<< >> and <<\n>>')).toBe(false);
  });
});

describe('combination and start/end', () => {
  it('two responses: exactly two different parts around ******', () => {
    const id = 'combination:two_responses';
    expect(passes(id, {}, 'First.\n******\nSecond.')).toBe(true);
    expect(passes(id, {}, 'Same.\n******\nSame.')).toBe(false);
    expect(passes(id, {}, 'A\n******\nB\n******\nC')).toBe(false);
    expect(passes(id, {}, 'A\n******\n******\nB')).toBe(false);
  });

  it('repeat prompt: the response starts with the request, case-insensitive', () => {
    const id = 'combination:repeat_prompt';
    expect(passes(id, { prompt_to_repeat: 'Write a haiku.' }, 'write a HAIKU. Leaves fall...')).toBe(true);
    expect(passes(id, { prompt_to_repeat: 'Write a haiku.' }, 'Sure! Write a haiku.')).toBe(false);
  });

  it('end phrase: ignores surrounding space and quotes, not other words', () => {
    const id = 'startend:end_checker';
    expect(passes(id, { end_phrase: 'Any other questions?' }, 'Done. any other questions? \n')).toBe(true);
    expect(passes(id, { end_phrase: 'Any other questions?' }, '"Done. Any other questions?"')).toBe(true);
    expect(passes(id, { end_phrase: 'Any other questions?' }, 'Any other questions? 🙂')).toBe(false);
  });

  it('quotation: wrapped in straight double quotes', () => {
    expect(passes('startend:quotation', {}, ' "Hello there." ')).toBe(true);
    expect(passes('startend:quotation', {}, '"')).toBe(false);
    expect(passes('startend:quotation', {}, '“Curly.”')).toBe(false);
  });
});

describe('case and punctuation', () => {
  it('capital words: contractions split, hyphenated words whole, and both relation boundaries', () => {
    const id = 'change_case:capital_word_frequency';
    const text = "I DON'T know WELL-KNOWN facts, NASA's too.";
    const at = (n: number, relation: string): boolean =>
      passes(id, { capital_frequency: n, capital_relation: relation }, text);
    expect(runCheck(check(id, { capital_frequency: 1, capital_relation: 'at least' }), text).detail).toMatch(
      /^5 words/u,
    );
    expect(at(5, 'at least')).toBe(true);
    expect(at(6, 'at least')).toBe(false);
    expect(at(5, 'less than')).toBe(false);
    expect(at(6, 'less than')).toBe(true);
    const count = (value: string): string =>
      runCheck(check(id, { capital_frequency: 1, capital_relation: 'at least' }), value).detail;
    expect(count("L'ÉTÉ EST LÀ")).toMatch(/^3 words/u);
    expect(count('YOU CANNOT')).toMatch(/^3 words/u);
  });

  it('English capitals and lower case: the case of every letter, and the language', () => {
    expect(
      passes('change_case:english_capital', {}, 'THE WEATHER IS LOVELY TODAY, LET US GO FOR A WALK IN THE PARK.'),
    ).toBe(true);
    expect(passes('change_case:english_capital', {}, 'THE WEATHER IS LOVELY TODAy.')).toBe(false);
    expect(
      passes('change_case:english_capital', {}, 'DAS WETTER IST HEUTE SEHR SCHÖN, WIR GEHEN IM PARK SPAZIEREN.'),
    ).toBe(false);
    expect(passes('change_case:english_lowercase', {}, 'the weather is lovely today, let us go for a walk. 🙂')).toBe(
      true,
    );
    expect(passes('change_case:english_lowercase', {}, 'The weather is lovely.')).toBe(false);
    expect(passes('change_case:english_lowercase', {}, '12345')).toBe(false);
  });

  it('no comma: only the ASCII comma counts', () => {
    expect(passes('punctuation:no_comma', {}, '一、二。 أهلا، وسهلا')).toBe(true);
    expect(runCheck(check('punctuation:no_comma'), 'a, b, c')).toEqual({
      ok: false,
      detail: '2 commas; none were allowed.',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { extractRules } from '../../../src/core/compliance/extract-rules.js';

/** The checks as `id params` strings, each alternative of a group joined with `|`. */
function read(text: string): string[] {
  return extractRules(text).map((derived) =>
    derived.anyOf.map((check) => `${check.id} ${JSON.stringify(check.params)}`).join(' | '),
  );
}

function labels(text: string): string[] {
  return extractRules(text).map((derived) => derived.label);
}

describe('extractRules: each catalogue type from its own IFEval description sentence', () => {
  const cases: Array<[string, string]> = [
    ["Include keywords ['banana', 'apple'] in the response.", 'keywords:existence {"keywords":["banana","apple"]}'],
    [
      'In your response, the word banana should appear less than 3 times.',
      'keywords:frequency {"keyword":"banana","frequency":3,"relation":"less than"}',
    ],
    [
      "Do not include keywords ['basically'] in the response.",
      'keywords:forbidden_words {"forbidden_words":["basically"]}',
    ],
    [
      'In your response, the letter q should appear at least 5 times.',
      'keywords:letter_frequency {"letter":"q","let_frequency":5,"let_relation":"at least"}',
    ],
    [
      'Your ENTIRE response should be in German language, no other language is allowed.',
      'language:response_language {"language":"de"}',
    ],
    [
      'Your response should contain less than 5 sentences.',
      'length_constraints:number_sentences {"num_sentences":5,"relation":"less than"}',
    ],
    [
      'There should be 4 paragraphs. Paragraphs are separated with the markdown divider: ***',
      'length_constraints:number_paragraphs {"num_paragraphs":4}',
    ],
    ['Answer with at least 300 words.', 'length_constraints:number_words {"num_words":300,"relation":"at least"}'],
    [
      'There should be 3 paragraphs. Paragraphs and only paragraphs are separated with each other by two ' +
        "new lines as if it was '\\n\\n' in python. Paragraph 2 must start with word banana.",
      'length_constraints:nth_paragraph_first_word {"num_paragraphs":3,"nth_paragraph":2,"first_word":"banana"}',
    ],
    [
      'The response must contain at least 3 placeholders represented by square brackets, such as [address].',
      'detectable_content:number_placeholders {"num_placeholders":3}',
    ],
    [
      'At the end of your response, please explicitly add a postscript starting with P.P.S',
      'detectable_content:postscript {"postscript_marker":"P.P.S"}',
    ],
    [
      'At the end of your response, please explicitly add a postscript starting with P.S.',
      'detectable_content:postscript {"postscript_marker":"P.S."}',
    ],
    [
      'Your answer must contain exactly 3 bullet points. Use the markdown bullet points such as:\n* This ' +
        'is point 1. \n* This is point 2',
      'detectable_format:number_bullet_lists {"num_bullets":3}',
    ],
    [
      "Answer with one of the following options: ('My answer is yes.', 'My answer is no.', 'My answer is maybe.')",
      'detectable_format:constrained_response {}',
    ],
    [
      'Highlight at least 2 sections in your answer with markdown, i.e. *highlighted section*.',
      'detectable_format:number_highlighted_sections {"num_highlights":2}',
    ],
    [
      'Your response must have 3 sections. Mark the beginning of each section with SECTION X, such ' +
        'as:\nSECTION 1\n[content of section 1]\nSECTION 2\n[content of section 2]',
      'detectable_format:multiple_sections {"section_spliter":"SECTION","num_sections":3}',
    ],
    [
      'Entire output should be wrapped in JSON format. You can use markdown ticks such as ```.',
      'detectable_format:json_format {}',
    ],
    [
      'Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.',
      'detectable_format:title {}',
    ],
    [
      'Give two different responses. Responses and only responses should be separated by 6 asterisk symbols: ******.',
      'combination:two_responses {}',
    ],
    [
      'First repeat the request word for word without change, then give your answer (1. do not say any ' +
        'words or characters before repeating the request; 2. the request you need to repeat does not ' +
        'include this sentence)',
      'combination:repeat_prompt {}',
    ],
    [
      'Finish your response with this exact phrase Cheers. No other words should follow this phrase.',
      'startend:end_checker {"end_phrase":"Cheers"}',
    ],
    [
      'Finish your response with this exact phrase Is there anything else I can help with?. No other words ' +
        'should follow this phrase.',
      'startend:end_checker {"end_phrase":"Is there anything else I can help with?"}',
    ],
    ['Wrap your entire response with double quotation marks.', 'startend:quotation {}'],
    [
      'In your response, words with all capital letters should appear at least 5 times.',
      'change_case:capital_word_frequency {"capital_frequency":5,"capital_relation":"at least"}',
    ],
    ['Your entire response should be in English, and in all capital letters.', 'change_case:english_capital {}'],
    [
      'Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.',
      'change_case:english_lowercase {}',
    ],
    ['In your entire response, refrain from the use of any commas.', 'punctuation:no_comma {}'],
  ];
  it.each(cases)('GIVEN %j THEN one check', (text, expected) => {
    expect(read(text)).toEqual([expected]);
  });

  it('covers all 25 catalogue types', () => {
    const ids = new Set(cases.map(([, expected]) => expected.split(' ')[0]));
    expect(ids.size).toBe(25);
  });
});

describe('extractRules: the short forms people write', () => {
  it.each<[string, string[]]>([
    ['at most 3 bullet points', ['at most 3 bullet points']],
    ['Answer in at most three bullet points.', ['at most 3 bullet points']],
    ['under 100 words', ['fewer than 100 words']],
    ['no more than 50 words', ['at most 50 words']],
    ["Don't write more than 100 words.", ['at most 100 words']],
    ['at least 3 sentences', ['at least 3 sentences']],
    ['no commas', ['no commas']],
    ["Don't use commas.", ['no commas']],
    ['all lowercase', ['English in lowercase only']],
    ['reply in German', ['in German']],
    ['Always answer in plain English.', ['in English']],
    ["end with 'Cheers'", ["ends with 'Cheers'"]],
    ['End every reply with "Best, Heed"', ["ends with 'Best, Heed'"]],
    ['include the words apple and banana', ["includes 'apple', 'banana'"]],
    ["use the words 'latency' and 'throughput'", ["includes 'latency', 'throughput'"]],
    ["never use the word 'basically'", ["never says 'basically'"]],
    ['Never use the words basically or literally.', ["never says 'basically', 'literally'"]],
    ['start with a title in double angular brackets', ['a title in <<double angular brackets>>']],
    ['answer in JSON', ['JSON only']],
    ['add a P.S.', ['a postscript starting with P.S.']],
    ['ALL CAPS only', ['English in capital letters only']],
    ['Repeat my question before answering.', ['repeats the request first']],
  ])('GIVEN %j THEN %j', (text, expected) => {
    expect(labels(text)).toEqual(expected);
  });

  it('reads the issue example as two checks, in catalogue order', () => {
    expect(labels("Answer in at most three bullet points. End with 'Cheers'.")).toEqual([
      'at most 3 bullet points',
      "ends with 'Cheers'",
    ]);
  });

  it('expresses "at most 3 bullet points" as exactly 0 to 3 (IFEval counts bullets exactly)', () => {
    const [group] = extractRules('at most 3 bullet points');
    expect(group?.anyOf.map((check) => check.params.num_bullets)).toEqual([0, 1, 2, 3]);
  });

  it('expresses "exactly 50 words" as both bounds', () => {
    expect(labels('exactly 50 words')).toEqual(['at least 50 words', 'at most 50 words']);
  });

  it('binds "repeat the request" to the message answered, not to a stored text', () => {
    const [repeat] = extractRules('First repeat the request word for word, then answer.');
    expect(repeat?.bind).toBe('question');
  });
});

describe('extractRules: nothing from what no program can verify or what is unclear', () => {
  it.each([
    'Be friendly and explain like an expert.',
    'Use a warm, professional tone. I am a nurse.',
    'Keep it short.',
    'Keep it around 100 words.',
    'If I ask for code, answer in JSON.',
    "Don't answer in JSON.",
    'Reply in German. Reply in French.',
    'Reply in English or German.',
    "End with 'Cheers'. End with 'Bye'.",
    'All lowercase. All caps.',
    'Use a few bullet points.',
    'end with a question',
    'Write code in Python.',
    '',
  ])('GIVEN %j THEN no check', (text) => {
    expect(extractRules(text)).toEqual([]);
  });

  it('keeps German and drops English casing when both are asked (IFEval casing checks need English)', () => {
    expect(labels('Reply in German, all lowercase.')).toEqual(['in German']);
  });

  it('is deterministic: the same text gives the same list', () => {
    const text = "No commas. Reply in German. Under 80 words. End with 'Tschüss'.";
    expect(extractRules(text)).toEqual(extractRules(text));
    expect(labels(text)).toEqual(['in German', 'fewer than 80 words', "ends with 'Tschüss'", 'no commas']);
  });
});

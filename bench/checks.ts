/**
 * `npm run bench:checks`: the cost of checking one reply against all 25 IFEval instruction types.
 * A reply is 2,000 words of ordinary Markdown (paragraphs, bullets, sections, highlights, placeholders).
 * Figures, each p50 and p99 over the same replies, in this one process:
 *  1. all 25 checks, strict, with each check compiled once (its patterns built once): the live path.
 *     Target: p99 under 1 ms.
 *  2. the baseline: the same checks built afresh for every reply (parameters validated and patterns
 *     compiled on every call, as a naive checker would), and the ratio of the two.
 *  3. the same 25 checks without the language check, and the language check alone, since language
 *     identification is the one cost that grows with the whole text.
 *  4. all 25 checks in loose mode (up to eight variants of the reply each).
 */
import {
  type Check,
  INSTRUCTION_IDS,
  type InstructionId,
  parseCheck,
  runCheck,
} from '../src/core/compliance/catalogue.js';
import { ms, printTable, quantile } from './support/stats.js';

const REPLIES = 20;
const ROUNDS = 100;
const WARM_UP = 200;

const KWARGS: Partial<Record<InstructionId, Record<string, unknown>>> = {
  'keywords:existence': { keywords: ['harbour', 'lantern'] },
  'keywords:frequency': { keyword: 'river', frequency: 3, relation: 'at least' },
  'keywords:forbidden_words': { forbidden_words: ['clearly', 'obviously', 'basically'] },
  'keywords:letter_frequency': { letter: 'q', let_frequency: 5, let_relation: 'less than' },
  'language:response_language': { language: 'en' },
  'length_constraints:number_sentences': { num_sentences: 40, relation: 'at least' },
  'length_constraints:number_paragraphs': { num_paragraphs: 4 },
  'length_constraints:number_words': { num_words: 2500, relation: 'less than' },
  'length_constraints:nth_paragraph_first_word': { num_paragraphs: 12, nth_paragraph: 2, first_word: 'the' },
  'detectable_content:number_placeholders': { num_placeholders: 2 },
  'detectable_content:postscript': { postscript_marker: 'P.S.' },
  'detectable_format:number_bullet_lists': { num_bullets: 6 },
  'detectable_format:number_highlighted_sections': { num_highlights: 3 },
  'detectable_format:multiple_sections': { section_spliter: 'Section', num_sections: 4 },
  'combination:repeat_prompt': { prompt_to_repeat: 'Write a long report about the harbour town and its river.' },
  'startend:end_checker': { end_phrase: 'Any other questions?' },
  'change_case:capital_word_frequency': { capital_frequency: 10, capital_relation: 'less than' },
};

const VOCABULARY = (
  'the a harbour river lantern town people walk morning evening market boats fish bread music old new small ' +
  'quiet bright narrow stone bridge window garden street light water wind bells children teacher baker sailor ' +
  'and but with from into over under near always often sometimes carefully slowly because while'
).split(' ');

/** A deterministic 2,000-word Markdown reply; `variant` changes its words, not its shape. */
function reply(variant: number): string {
  let state = variant + 1;
  const word = (): string => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return VOCABULARY[state % VOCABULARY.length] ?? 'the';
  };
  const sentence = (length: number): string => {
    const words = Array.from({ length }, word);
    return `${words.join(' ').replace(/^./u, (first) => first.toUpperCase())}.`;
  };
  const parts: string[] = ['<<A Day in the Harbour Town>>'];
  let count = 0;
  for (let section = 1; count < 2000; section++) {
    const body = Array.from({ length: 6 }, () => sentence(14)).join(' ');
    parts.push(`Section ${section}\n\nThe *${word()} ${word()}* of [place ${section}], ${body}`);
    parts.push(`* ${sentence(8)}\n* ${sentence(8)}`);
    count += 6 * 14 + 8 * 2 + 6;
  }
  parts.push('P.S. Any other questions?');
  return parts.join('\n\n');
}

function checks(): Check[] {
  return INSTRUCTION_IDS.map((id) => {
    const parsed = parseCheck(id, KWARGS[id] ?? {});
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.check;
  });
}

/** Milliseconds per reply for `run`, over every reply ROUNDS times, after a warm-up. */
function measure(replies: readonly string[], run: (text: string) => void): number[] {
  for (let i = 0; i < WARM_UP; i++) run(replies[i % replies.length] ?? '');
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const text of replies) {
      const started = performance.now();
      run(text);
      samples.push(performance.now() - started);
    }
  }
  return samples;
}

const replies = Array.from({ length: REPLIES }, (_, i) => reply(i));
const words = replies[0]?.match(/[\p{L}\p{N}_]+/gu)?.length ?? 0;
const compiled = checks();
const withoutLanguage = compiled.filter((check) => check.id !== 'language:response_language');
const language = compiled.filter((check) => check.id === 'language:response_language');
const runAll = (list: readonly Check[], mode: 'strict' | 'loose') => (text: string) => {
  for (const check of list) runCheck(check, text, mode);
};

const figures = {
  compiled: measure(replies, runAll(compiled, 'strict')),
  baseline: measure(replies, (text) => runAll(checks(), 'strict')(text)),
  withoutLanguage: measure(replies, runAll(withoutLanguage, 'strict')),
  language: measure(replies, runAll(language, 'strict')),
  loose: measure(replies, runAll(compiled, 'loose')),
};

const p50 = (samples: number[]) => quantile(samples, 0.5);
const p99 = (samples: number[]) => quantile(samples, 0.99);
console.log(
  `Checking one ${words}-word reply (${replies[0]?.length ?? 0} characters); ${REPLIES} replies × ${ROUNDS} rounds.\n`,
);
printTable(
  ['what', 'p50', 'p99', 'baseline ÷ this (p50)'],
  [
    [
      'all 25 checks, compiled once (strict)',
      ms(p50(figures.compiled)),
      ms(p99(figures.compiled)),
      `${(p50(figures.baseline) / p50(figures.compiled)).toFixed(2)}×`,
    ],
    ['baseline: validated and compiled per call', ms(p50(figures.baseline)), ms(p99(figures.baseline)), '1.00×'],
    ['24 checks without language', ms(p50(figures.withoutLanguage)), ms(p99(figures.withoutLanguage)), ''],
    ['language check alone', ms(p50(figures.language)), ms(p99(figures.language)), ''],
    ['all 25 checks, loose', ms(p50(figures.loose)), ms(p99(figures.loose)), ''],
  ],
);
const met = p99(figures.compiled) < 1;
console.log(`\nTarget: all 25 checks p99 under 1 ms: ${met ? 'met' : 'NOT met'} (${ms(p99(figures.compiled))}).`);

/**
 * The catalogue of verifiable instructions: IFEval's 25 instruction types (Zhou et al., 2023), each with a
 * zod schema for its parameters (named as IFEval's data names them), a pure check of a response that says in
 * one sentence what it found, and a description rendered from the parameters. Pure code: no I/O, no platform.
 * The semantics follow IFEval's reference implementation; where they necessarily differ (sentence splitting,
 * language identification) the README says how much.
 */
import { z } from 'zod';
import { detectLanguage, DETECTABLE_LANGUAGES, languageName } from './language.js';
import { looseVariants } from './loose.js';
import {
  countCapitalWords,
  countSentences,
  countWords,
  escapeRegExp,
  isLowerCase,
  isUpperCase,
  isWordCharacter,
} from './text.js';

export const INSTRUCTION_IDS = [
  'keywords:existence',
  'keywords:frequency',
  'keywords:forbidden_words',
  'keywords:letter_frequency',
  'language:response_language',
  'length_constraints:number_sentences',
  'length_constraints:number_paragraphs',
  'length_constraints:number_words',
  'length_constraints:nth_paragraph_first_word',
  'detectable_content:number_placeholders',
  'detectable_content:postscript',
  'detectable_format:number_bullet_lists',
  'detectable_format:constrained_response',
  'detectable_format:number_highlighted_sections',
  'detectable_format:multiple_sections',
  'detectable_format:json_format',
  'detectable_format:title',
  'combination:two_responses',
  'combination:repeat_prompt',
  'startend:end_checker',
  'startend:quotation',
  'change_case:capital_word_frequency',
  'change_case:english_capital',
  'change_case:english_lowercase',
  'punctuation:no_comma',
] as const;

/** One of IFEval's 25 instruction ids, e.g. 'punctuation:no_comma'. */
export type InstructionId = (typeof INSTRUCTION_IDS)[number];

/** What a check found: whether the response follows the instruction, and one plain sentence saying why. */
export interface CheckOutcome {
  ok: boolean;
  detail: string;
}

/** One concrete check: an instruction id and its parameters, already validated by that id's schema. */
export interface Check {
  id: InstructionId;
  params: Record<string, unknown>;
}

const RELATIONS = ['less than', 'at least'] as const;
export type Relation = (typeof RELATIONS)[number];

const relation = z.enum(RELATIONS, { message: "must be 'less than' or 'at least'" });
const count = z.number({ message: 'must be a number' }).int({ message: 'must be a whole number' }).min(0, {
  message: 'must be 0 or more',
});
const positive = count.min(1, { message: 'must be 1 or more' });
const text = z.string({ message: 'must be text' }).trim().min(1, { message: 'must not be empty' });
const words = z.array(text, { message: 'must be a list of words' }).min(1, { message: 'must name at least one word' });
const none = z.strictObject({});

/** Each id's parameter schema; unknown parameter names are rejected so that a typo cannot pass unseen. */
export const PARAM_SCHEMAS = {
  'keywords:existence': z.strictObject({ keywords: words }),
  'keywords:frequency': z.strictObject({ keyword: text, frequency: count, relation }),
  'keywords:forbidden_words': z.strictObject({ forbidden_words: words }),
  'keywords:letter_frequency': z.strictObject({
    letter: z.string({ message: 'must be text' }).trim().length(1, { message: 'must be a single letter' }),
    let_frequency: count,
    let_relation: relation,
  }),
  'language:response_language': z.strictObject({
    language: z.enum(DETECTABLE_LANGUAGES as [string, ...string[]], {
      message: `must be an ISO 639-1 code the checker can detect (${DETECTABLE_LANGUAGES.join(', ')})`,
    }),
  }),
  'length_constraints:number_sentences': z.strictObject({ num_sentences: count, relation }),
  'length_constraints:number_paragraphs': z.strictObject({ num_paragraphs: positive }),
  'length_constraints:number_words': z.strictObject({ num_words: count, relation }),
  // The reference's own generator can draw nth_paragraph = num_paragraphs + 1, so IFEval's data may hold it: it is
  // accepted, and such a check can never pass, as in the reference.
  'length_constraints:nth_paragraph_first_word': z.strictObject({
    num_paragraphs: positive,
    nth_paragraph: positive,
    first_word: text,
  }),
  'detectable_content:number_placeholders': z.strictObject({ num_placeholders: count }),
  'detectable_content:postscript': z.strictObject({ postscript_marker: text }),
  'detectable_format:number_bullet_lists': z.strictObject({ num_bullets: count }),
  'detectable_format:constrained_response': none,
  'detectable_format:number_highlighted_sections': z.strictObject({ num_highlights: count }),
  'detectable_format:multiple_sections': z.strictObject({ section_spliter: text, num_sections: count }),
  'detectable_format:json_format': none,
  'detectable_format:title': none,
  'combination:two_responses': none,
  'combination:repeat_prompt': z.strictObject({ prompt_to_repeat: text }),
  'startend:end_checker': z.strictObject({ end_phrase: text }),
  'startend:quotation': none,
  'change_case:capital_word_frequency': z.strictObject({ capital_frequency: count, capital_relation: relation }),
  'change_case:english_capital': none,
  'change_case:english_lowercase': none,
  'punctuation:no_comma': none,
} as const satisfies Record<InstructionId, z.ZodType>;

/** The validated parameters of one instruction id, e.g. `{ num_bullets: number }`. */
export type InstructionParams<I extends InstructionId> = z.infer<(typeof PARAM_SCHEMAS)[I]>;

/** One catalogue entry: how to describe the instruction and how to check a response against it. */
interface Entry<I extends InstructionId> {
  describe(params: InstructionParams<I>): string;
  /** Prepare a check of these parameters (patterns compiled once); the result checks one response. */
  compile(params: InstructionParams<I>): (response: string) => CheckOutcome;
}

type Catalogue = { [I in InstructionId]: Entry<I> };

function compare(actual: number, wanted: Relation, threshold: number): boolean {
  return wanted === 'less than' ? actual < threshold : actual >= threshold;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "fewer than 5 words" / "at least 5 words". */
function bound(wanted: Relation, n: number, one: string, many = `${one}s`): string {
  return `${wanted === 'less than' ? 'fewer than' : 'at least'} ${plural(n, one, many)}`;
}

/** "3 bullet points, as asked (exactly 3)." or "5 bullet points; exactly 3 were asked for." */
function counted(ok: boolean, found: string, wanted: string): CheckOutcome {
  return { ok, detail: ok ? `${found}, as asked (${wanted}).` : `${found}; ${wanted} were asked for.` };
}

function quoteList(items: readonly string[]): string {
  return items.map((item) => `"${item}"`).join(', ');
}

/** Whether Python's `\b` holds at `index` of `text`: a word character on exactly one side. */
function isBoundary(text: string, index: number): boolean {
  const before = index > 0 && isWordCharacter(String.fromCodePoint(text.codePointAt(index - 1) ?? 0));
  const after = index < text.length && isWordCharacter(String.fromCodePoint(text.codePointAt(index) ?? 0));
  return before !== after;
}

/** Whether `pattern` (global) matches `text` somewhere with a word boundary on both sides, like `\bword\b`. */
function hasWholeWord(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (isBoundary(text, match.index) && isBoundary(text, match.index + match[0].length)) return true;
    pattern.lastIndex = match.index + 1;
  }
  return false;
}

const BULLET_STAR = /^\s*\*[^*][^\n]*$/gmu;
const BULLET_DASH = /^\s*-[^\n]*$/gmu;
const HIGHLIGHT = /\*[^\n*]*\*/gu;
const DOUBLE_HIGHLIGHT = /\*\*[^\n*]*\*\*/gu;
const PLACEHOLDER = /\[[^\n]*?\]/gu;
const TITLE = /<<[^\n]+>>/gu;
const PARAGRAPH_DIVIDER = /\s?\*\*\*\s?/u;
const JSON_FENCES = ['```json', '```Json', '```JSON', '```'] as const;
const CONSTRAINED_OPTIONS = ['My answer is yes.', 'My answer is no.', 'My answer is maybe.'] as const;
const FIRST_WORD_STOP = new Set(['.', ',', '?', '!', "'", '"']);

function matches(pattern: RegExp, value: string): string[] {
  return value.match(pattern) ?? [];
}

/** '"x" appears' or '"x", "y" appear', for details. */
function foundWords(found: readonly string[]): string {
  return found.length === 1 ? `"${found[0]}" appears` : `${quoteList(found)} appear`;
}

/**
 * A language check as the reference does it: a text with nothing to identify counts as following; otherwise
 * the detected language must be the wanted one.
 */
function languageOutcome(value: string, wanted: string): CheckOutcome {
  const detected = detectLanguage(value);
  if (detected === undefined) return { ok: true, detail: 'The language cannot be identified, which counts as a pass.' };
  return detected === wanted
    ? { ok: true, detail: `The response is in ${languageName(wanted)}.` }
    : { ok: false, detail: `The response looks ${languageName(detected)}; ${languageName(wanted)} was asked for.` };
}

const CATALOGUE: Catalogue = {
  'keywords:existence': {
    describe: ({ keywords }) => `Include the keywords ${quoteList(keywords)} in the response.`,
    compile: ({ keywords }) => {
      const patterns = keywords.map((keyword) => ({ keyword, pattern: new RegExp(escapeRegExp(keyword), 'iu') }));
      return (value) => {
        const missing = patterns.filter(({ pattern }) => !pattern.test(value)).map(({ keyword }) => keyword);
        return missing.length === 0
          ? { ok: true, detail: `All ${plural(keywords.length, 'keyword')} appear.` }
          : { ok: false, detail: `Missing ${quoteList(missing)}; the response must include ${quoteList(keywords)}.` };
      };
    },
  },
  'keywords:frequency': {
    describe: ({ keyword, frequency, relation: wanted }) =>
      `Use the word "${keyword}" ${wanted === 'less than' ? 'fewer than' : 'at least'} ${plural(frequency, 'time')}.`,
    compile: ({ keyword, frequency, relation: wanted }) => {
      const pattern = new RegExp(escapeRegExp(keyword), 'giu');
      return (value) => {
        const found = matches(pattern, value).length;
        const ok = compare(found, wanted, frequency);
        const asked = `${wanted === 'less than' ? 'fewer than' : 'at least'} ${plural(frequency, 'time')}`;
        return counted(ok, `"${keyword}" appears ${plural(found, 'time')}`, asked);
      };
    },
  },
  'keywords:forbidden_words': {
    describe: ({ forbidden_words }) => `Do not use the words ${quoteList(forbidden_words)}.`,
    compile: ({ forbidden_words }) => {
      const patterns = [...new Set(forbidden_words)].map((word) => ({
        word,
        pattern: new RegExp(escapeRegExp(word), 'giu'),
      }));
      return (value) => {
        const found = patterns.filter(({ pattern }) => hasWholeWord(pattern, value)).map(({ word }) => word);
        return found.length === 0
          ? { ok: true, detail: 'None of the forbidden words appear.' }
          : { ok: false, detail: `${foundWords(found)}, though forbidden.` };
      };
    },
  },
  'keywords:letter_frequency': {
    describe: ({ letter, let_frequency, let_relation }) =>
      `Use the letter "${letter.toLowerCase()}" ${bound(let_relation, let_frequency, 'time')}.`,
    compile: ({ letter, let_frequency, let_relation }) => {
      const wanted = letter.toLowerCase();
      return (value) => {
        const found = value.toLowerCase().split(wanted).length - 1;
        const ok = compare(found, let_relation, let_frequency);
        return counted(
          ok,
          `The letter "${wanted}" appears ${plural(found, 'time')}`,
          bound(let_relation, let_frequency, 'time'),
        );
      };
    },
  },
  'language:response_language': {
    describe: ({ language }) => `Write the entire response in ${languageName(language)}, and no other language.`,
    compile:
      ({ language }) =>
      (value) =>
        languageOutcome(value, language),
  },
  'length_constraints:number_sentences': {
    describe: ({ num_sentences, relation: wanted }) => `Answer in ${bound(wanted, num_sentences, 'sentence')}.`,
    compile:
      ({ num_sentences, relation: wanted }) =>
      (value) => {
        const found = countSentences(value);
        const ok = compare(found, wanted, num_sentences);
        return counted(ok, plural(found, 'sentence'), bound(wanted, num_sentences, 'sentence'));
      },
  },
  'length_constraints:number_paragraphs': {
    describe: ({ num_paragraphs }) =>
      `Write exactly ${plural(num_paragraphs, 'paragraph')}, separated by the Markdown divider ***.`,
    compile:
      ({ num_paragraphs }) =>
      (value) => {
        const parts = value.split(PARAGRAPH_DIVIDER);
        let found = parts.length;
        for (const [index, part] of parts.entries()) {
          if (part.trim() !== '') continue;
          if (index !== 0 && index !== parts.length - 1) {
            return { ok: false, detail: `Paragraph ${index + 1} between two *** dividers is empty.` };
          }
          found--;
        }
        const ok = found === num_paragraphs;
        return counted(ok, `${plural(found, 'paragraph')} separated by ***`, `exactly ${num_paragraphs}`);
      },
  },
  'length_constraints:number_words': {
    describe: ({ num_words, relation: wanted }) => `Answer in ${bound(wanted, num_words, 'word')}.`,
    compile:
      ({ num_words, relation: wanted }) =>
      (value) => {
        const found = countWords(value);
        const ok = compare(found, wanted, num_words);
        return counted(ok, plural(found, 'word'), bound(wanted, num_words, 'word'));
      },
  },
  'length_constraints:nth_paragraph_first_word': {
    describe: ({ num_paragraphs, nth_paragraph, first_word }) =>
      `Write exactly ${plural(num_paragraphs, 'paragraph')}, separated by blank lines; paragraph ${nth_paragraph} ` +
      `must start with the word "${first_word.toLowerCase()}".`,
    compile: ({ num_paragraphs, nth_paragraph, first_word }) => {
      const wantedWord = first_word.toLowerCase();
      return (value) => {
        const parts = value.split('\n\n');
        const found = parts.filter((part) => part.trim() !== '').length;
        const paragraph = nth_paragraph <= found ? (parts[nth_paragraph - 1] ?? '').trim() : '';
        if (paragraph === '') {
          return {
            ok: false,
            detail: `Paragraph ${nth_paragraph} is missing or empty; ${plural(found, 'paragraph')} found.`,
          };
        }
        const firstToken = (paragraph.split(/\s+/u)[0] ?? '').replace(/^'+/u, '').replace(/^"+/u, '');
        let word = '';
        for (const character of firstToken) {
          if (FIRST_WORD_STOP.has(character)) break;
          word += character.toLowerCase();
        }
        const ok = found === num_paragraphs && word === wantedWord;
        return {
          ok,
          detail:
            `${plural(found, 'paragraph')} (${num_paragraphs} asked for); ` +
            `paragraph ${nth_paragraph} starts with "${word}" ("${wantedWord}" asked for).`,
        };
      };
    },
  },
  'detectable_content:number_placeholders': {
    describe: ({ num_placeholders }) =>
      `Include at least ${plural(num_placeholders, 'placeholder')} in square brackets, such as [address].`,
    compile:
      ({ num_placeholders }) =>
      (value) => {
        const found = matches(PLACEHOLDER, value).length;
        const ok = found >= num_placeholders;
        return counted(ok, `${plural(found, 'placeholder')} in square brackets`, `at least ${num_placeholders}`);
      },
  },
  'detectable_content:postscript': {
    describe: ({ postscript_marker }) => `End the response with a postscript starting with ${postscript_marker}`,
    compile: ({ postscript_marker }) => {
      const marker = postscript_marker.trim();
      // The reference lets the two usual markers be written with a space after each period.
      const pattern =
        marker === 'P.P.S'
          ? /\s*p\.\s?p\.\s?s/u
          : marker === 'P.S.'
            ? /\s*p\.\s?s\./u
            : new RegExp(`\\s*${escapeRegExp(marker.toLowerCase())}`, 'u');
      return (value) =>
        pattern.test(value.toLowerCase())
          ? { ok: true, detail: `A postscript starting with ${marker} is there.` }
          : { ok: false, detail: `No postscript starting with ${marker} was found.` };
    },
  },
  'detectable_format:number_bullet_lists': {
    describe: ({ num_bullets }) =>
      `Answer with exactly ${plural(num_bullets, 'bullet point')}, written as Markdown bullets (* or -).`,
    compile:
      ({ num_bullets }) =>
      (value) => {
        const found = matches(BULLET_STAR, value).length + matches(BULLET_DASH, value).length;
        const ok = found === num_bullets;
        return counted(ok, plural(found, 'bullet point'), `exactly ${num_bullets}`);
      },
  },
  'detectable_format:constrained_response': {
    describe: () => `Answer with one of these options: ${quoteList(CONSTRAINED_OPTIONS)}.`,
    compile: () => (value) => {
      const trimmed = value.trim();
      const option = CONSTRAINED_OPTIONS.find((candidate) => trimmed.includes(candidate));
      return option !== undefined
        ? { ok: true, detail: `The response contains "${option}".` }
        : { ok: false, detail: `None of ${quoteList(CONSTRAINED_OPTIONS)} appears.` };
    },
  },
  'detectable_format:number_highlighted_sections': {
    describe: ({ num_highlights }) =>
      `Highlight at least ${plural(num_highlights, 'section')} with Markdown, such as *highlighted section*.`,
    compile:
      ({ num_highlights }) =>
      (value) => {
        let found = 0;
        for (const highlight of matches(HIGHLIGHT, value))
          if (highlight.replace(/^\*+|\*+$/gu, '').trim() !== '') found++;
        for (const highlight of matches(DOUBLE_HIGHLIGHT, value)) if (highlight.slice(2, -2).trim() !== '') found++;
        const ok = found >= num_highlights;
        return counted(ok, plural(found, 'highlighted section'), `at least ${num_highlights}`);
      },
  },
  'detectable_format:multiple_sections': {
    describe: ({ section_spliter, num_sections }) =>
      `Write ${plural(num_sections, 'section')}, each starting with "${section_spliter} X" (${section_spliter} 1, ` +
      `${section_spliter} 2, …).`,
    compile: ({ section_spliter, num_sections }) => {
      const splitter = new RegExp(`\\s?${escapeRegExp(section_spliter.trim())}\\s?\\p{Nd}+\\s?`, 'u');
      return (value) => {
        const found = value.split(splitter).length - 1;
        const ok = found >= num_sections;
        return counted(ok, `${plural(found, 'section')} marked "${section_spliter} X"`, `at least ${num_sections}`);
      };
    },
  },
  'detectable_format:json_format': {
    describe: () => 'Wrap the entire response in JSON; Markdown code fences (```) are allowed.',
    compile: () => (value) => {
      let body = value.trim();
      for (const fence of JSON_FENCES) if (body.startsWith(fence)) body = body.slice(fence.length);
      if (body.endsWith('```')) body = body.slice(0, -3);
      try {
        JSON.parse(body.trim());
        return { ok: true, detail: 'The response is valid JSON.' };
      } catch (error) {
        return { ok: false, detail: `The response is not valid JSON (${(error as Error).message}).` };
      }
    },
  },
  'detectable_format:title': {
    describe: () => 'Give the response a title wrapped in double angular brackets, such as <<poem of joy>>.',
    compile: () => (value) => {
      const title = matches(TITLE, value).find(
        (candidate) => candidate.replace(/^<+/u, '').replace(/>+$/u, '').trim() !== '',
      );
      return title !== undefined
        ? { ok: true, detail: `The title ${title} is there.` }
        : { ok: false, detail: 'No title in double angular brackets (<<title>>) was found.' };
    },
  },
  'combination:two_responses': {
    describe: () => 'Give two different responses, separated by six asterisks: ******.',
    compile: () => (value) => {
      const parts = value.split('******');
      const answers: string[] = [];
      for (const [index, part] of parts.entries()) {
        if (part.trim() !== '') answers.push(part.trim());
        else if (index !== 0 && index !== parts.length - 1) {
          return { ok: false, detail: 'Two ****** separators have nothing between them.' };
        }
      }
      if (answers.length !== 2) {
        return {
          ok: false,
          detail: `${plural(answers.length, 'response')} separated by ******; exactly 2 were asked for.`,
        };
      }
      return answers[0] === answers[1]
        ? { ok: false, detail: 'The two responses are the same; two different ones were asked for.' }
        : { ok: true, detail: 'Two different responses separated by ******.' };
    },
  },
  'combination:repeat_prompt': {
    describe: ({ prompt_to_repeat }) =>
      `First repeat the request word for word without change, then give your answer. The request: ${prompt_to_repeat}`,
    compile: ({ prompt_to_repeat }) => {
      const wanted = prompt_to_repeat.trim().toLowerCase();
      return (value) =>
        value.trim().toLowerCase().startsWith(wanted)
          ? { ok: true, detail: 'The response starts by repeating the request word for word.' }
          : { ok: false, detail: 'The response does not start with the request repeated word for word.' };
    },
  },
  'startend:end_checker': {
    describe: ({ end_phrase }) => `End the response with the exact phrase "${end_phrase}", with nothing after it.`,
    compile: ({ end_phrase }) => {
      const wanted = end_phrase.trim().toLowerCase();
      return (value) => {
        const ending = value
          .trim()
          .replace(/^"+|"+$/gu, '')
          .toLowerCase();
        return ending.endsWith(wanted)
          ? { ok: true, detail: `The response ends with "${end_phrase}".` }
          : {
              ok: false,
              detail: `The response ends with "${ending.slice(-Math.max(wanted.length, 20))}", not "${end_phrase}".`,
            };
      };
    },
  },
  'startend:quotation': {
    describe: () => 'Wrap the entire response in double quotation marks.',
    compile: () => (value) => {
      const trimmed = value.trim();
      return trimmed.length > 1 && trimmed.startsWith('"') && trimmed.endsWith('"')
        ? { ok: true, detail: 'The response is wrapped in double quotation marks.' }
        : { ok: false, detail: 'The response does not both start and end with a double quotation mark.' };
    },
  },
  'change_case:capital_word_frequency': {
    describe: ({ capital_frequency, capital_relation }) =>
      `Use ${bound(capital_relation, capital_frequency, 'word')} written in all capital letters.`,
    compile:
      ({ capital_frequency, capital_relation }) =>
      (value) => {
        const found = countCapitalWords(value);
        const ok = compare(found, capital_relation, capital_frequency);
        return counted(
          ok,
          `${plural(found, 'word')} in all capitals`,
          bound(capital_relation, capital_frequency, 'word'),
        );
      },
  },
  'change_case:english_capital': {
    describe: () => 'Write the entire response in English, in capital letters only.',
    compile: () => (value) =>
      isUpperCase(value)
        ? languageOutcome(value, 'en')
        : { ok: false, detail: 'The response has lower-case letters (or no letters); all capitals were asked for.' },
  },
  'change_case:english_lowercase': {
    describe: () => 'Write the entire response in English, in lower-case letters only; no capital letters.',
    compile: () => (value) =>
      isLowerCase(value)
        ? languageOutcome(value, 'en')
        : { ok: false, detail: 'The response has capital letters (or no letters); all lower case was asked for.' },
  },
  'punctuation:no_comma': {
    describe: () => 'Do not use any commas.',
    compile: () => (value) => {
      const found = value.split(',').length - 1;
      return found === 0
        ? { ok: true, detail: 'No commas.' }
        : { ok: false, detail: `${plural(found, 'comma')}; none were allowed.` };
    },
  },
};

const KNOWN_IDS: ReadonlySet<string> = new Set(INSTRUCTION_IDS);

/** Whether a string is one of the 25 instruction ids. */
export function isInstructionId(id: string): id is InstructionId {
  return KNOWN_IDS.has(id);
}

/** IFEval's data writes absent parameters as null (or leaves the kwargs out): both mean "not given". */
function withoutNulls(kwargs: unknown): unknown {
  if (kwargs === null || kwargs === undefined) return {};
  if (typeof kwargs !== 'object' || Array.isArray(kwargs)) return kwargs;
  return Object.fromEntries(Object.entries(kwargs).filter(([, value]) => value !== null));
}

/** Whether an object lacks the top-level key an issue is about (zod does not report the input by default). */
function isMissing(input: unknown, issue: z.core.$ZodIssue): boolean {
  const key = issue.path[0];
  return (
    issue.code === 'invalid_type' && typeof input === 'object' && input !== null && key !== undefined && !(key in input)
  );
}

function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown parameter ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      const path = issue.path.join('.');
      if (isMissing(input, issue)) return `missing parameter "${path}"`;
      return path === '' ? issue.message : `"${path}" ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validate an instruction id and its parameters (IFEval's kwargs) into a Check.
 * @example parseCheck('detectable_format:number_bullet_lists', { num_bullets: 3 })
 */
export function parseCheck(id: string, kwargs: unknown): { ok: true; check: Check } | { ok: false; error: string } {
  if (!isInstructionId(id)) return { ok: false, error: `unknown instruction id "${id}"` };
  const params = withoutNulls(kwargs);
  const parsed = PARAM_SCHEMAS[id].safeParse(params);
  if (!parsed.success) return { ok: false, error: `${id}: ${describeIssues(parsed.error, params)}` };
  return { ok: true, check: { id, params: parsed.data as Record<string, unknown> } };
}

type CompiledCheck = (response: string) => CheckOutcome;

/** Compiled checks, so that a check run many times builds its patterns once. */
const compiled = new WeakMap<Check, CompiledCheck>();

function compileCheck(check: Check): CompiledCheck {
  const cached = compiled.get(check);
  if (cached !== undefined) return cached;
  const parsed = PARAM_SCHEMAS[check.id].safeParse(check.params);
  if (!parsed.success)
    throw new TypeError(`Invalid parameters for ${check.id}: ${describeIssues(parsed.error, check.params)}`);
  // The id selects both the schema and the entry, so the parsed params fit the entry they are given to.
  const entry = CATALOGUE[check.id] as Entry<InstructionId>;
  const run = entry.compile(parsed.data as InstructionParams<InstructionId>);
  compiled.set(check, run);
  return run;
}

const EMPTY: CheckOutcome = { ok: false, detail: 'The response is empty.' };

/**
 * Check a response against one instruction. `strict` (the default) checks the response as written; `loose`
 * passes when any of IFEval's loose variants passes (without the first line, the last line or both, and each
 * of those without asterisks). An empty (or blank) response follows no instruction.
 */
export function runCheck(check: Check, response: string, mode: 'strict' | 'loose' = 'strict'): CheckOutcome {
  const run = compileCheck(check);
  if (mode === 'strict') return response.trim() === '' ? EMPTY : run(response);
  let first: CheckOutcome | undefined;
  for (const variant of looseVariants(response)) {
    if (variant.text.trim() === '') continue;
    const outcome = run(variant.text);
    if (outcome.ok)
      return variant.label === '' ? outcome : { ok: true, detail: `${outcome.detail} (${variant.label})` };
    first ??= outcome;
  }
  return first ?? EMPTY;
}

/**
 * The instruction in words, rendered from its parameters.
 * @example describeCheck({ id: 'detectable_format:number_bullet_lists', params: { num_bullets: 3 } })
 * // 'Answer with exactly 3 bullet points, written as Markdown bullets (* or -).'
 */
export function describeCheck(check: Check): string {
  const entry = CATALOGUE[check.id] as Entry<InstructionId>;
  return entry.describe(PARAM_SCHEMAS[check.id].parse(check.params) as InstructionParams<InstructionId>);
}

/**
 * The rules extractor: reads the verifiable requirements out of an instruction text with patterns for
 * the common English phrasings of every catalogue type, including each type's own IFEval description
 * sentence. Pure and synchronous, so it runs on every save and needs no model.
 *
 * It prefers silence to a guess: a requirement inside a condition ("if I ask for code, answer in
 * JSON"), one negated in a way the catalogue cannot express, a vague count ("about 100 words") or two
 * contradicting values of the same kind ("reply in German" and "reply in French") yield nothing.
 */
import { INSTRUCTION_IDS, parseCheck, type Check, type InstructionId } from './catalogue.js';
import { single, typeOf, type DerivedCheck } from './derived-check.js';
import { LANGUAGE_NAMES } from './language.js';

/** `none`: a bare count ("3 bullet points"); `unclear`: a negated count the catalogue cannot express. */
type Relation = 'lt' | 'le' | 'ge' | 'gt' | 'eq' | 'none' | 'unclear';

interface Found {
  start: number;
  end: number;
  checks: DerivedCheck[];
}

interface Recognizer {
  pattern: RegExp;
  /**
   * `positive` requirements are dropped when their clause is negated ("don't answer in JSON"); `negative`
   * ones carry the negation in the pattern ("never use commas"); `counted` ones turn it around
   * ("don't write more than 100 words" is at most 100).
   */
  polarity: 'positive' | 'negative' | 'counted';
  build(match: RegExpMatchArray, context: MatchContext): DerivedCheck[] | undefined;
}

interface MatchContext {
  /** The clause before a counted match is negated ("don't write more than 100 words"). */
  negated: boolean;
}

/** A pattern written in parts, for lines a reader can take in. */
function pattern(flags: string, ...parts: string[]): RegExp {
  return new RegExp(parts.join(''), flags);
}

const NUMBER_WORDS: Record<string, number> = {
  'a single': 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  'a hundred': 100,
  'one hundred': 100,
};
const NUM = `(\\d{1,3}(?:,\\d{3})+|\\d+|${Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|')})`;
const QUAL =
  '(less than|fewer than|under|below|at most|no more than|not more than|up to|' +
  'a maximum of|maximum of|maximum|max\\.?|' +
  'at least|no fewer than|no less than|not less than|a minimum of|minimum of|minimum|min\\.?|more than|over|' +
  'exactly|precisely)';
const SUFFIX = '(?:\\s+(or fewer|or less|or under|or more|or over|max(?:imum)?|at most|at least|tops))?';
const LANGUAGE_BY_NAME = new Map<string, string>([
  ...Object.entries(LANGUAGE_NAMES).map(([code, name]) => [name.toLowerCase(), code] as [string, string]),
  ['mandarin', 'zh-cn'],
  ['farsi', 'fa'],
]);
const LANG = `(${[...LANGUAGE_BY_NAME.keys()].join('|')})`;
const QUOTED = `(?:"([^"\\n]{1,200})"|'([^'\\n]{1,200})')`;
const APPROXIMATE = /\b(?:about|around|roughly|approximately|or so|ish)\b|~/i;
const CONDITIONAL = /\b(?:(?<!as )if|unless|when|whenever|sometimes|occasionally|except|in case)\b/i;
const NEGATION = /\b(?:not|never|don't|dont|doesn't|no need to|avoid|stop|without)\b/i;

function toNumber(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const lower = word.toLowerCase();
  if (lower in NUMBER_WORDS) return NUMBER_WORDS[lower];
  const value = Number(lower.replace(/,/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

const AT_MOST = pattern(
  '',
  '^(at most|no more than|not more than|up to|a maximum|maximum|max)',
  '|(or fewer|or less|or under|max|at most|tops)$',
);
const AT_LEAST = /^(at least|no fewer|no less|not less|a minimum|minimum|min)|(or more|at least)$/;

function relationOf(qualifier: string | undefined, suffix: string | undefined, negated: boolean): Relation {
  const words = `${qualifier ?? ''} ${suffix ?? ''}`.toLowerCase().trim();
  let relation: Relation = 'none';
  if (/^(less than|fewer than|under|below)/.test(words)) relation = 'lt';
  else if (AT_MOST.test(words)) relation = 'le';
  else if (AT_LEAST.test(words)) relation = 'ge';
  else if (/^(more than|over)|or over$/.test(words)) relation = 'gt';
  else if (/^(exactly|precisely)/.test(words)) relation = 'eq';
  if (!negated) return relation;
  // "Don't write more than 100 words" is "at most 100"; other negated counts are left out as unclear.
  if (relation === 'gt') return 'le';
  if (relation === 'lt') return 'ge';
  return 'unclear';
}

/** The catalogue refused what a pattern read (e.g. "0 paragraphs"): that requirement is left out. */
class RefusedParams extends Error {}

/** A catalogue check from what a pattern read, validated by the catalogue's own schema. */
function check(id: InstructionId, params: Record<string, unknown> = {}): Check {
  const parsed = parseCheck(id, params);
  if (!parsed.ok) throw new RefusedParams(parsed.error);
  return parsed.check;
}

function build(recognizer: Recognizer, match: RegExpMatchArray, context: MatchContext): DerivedCheck[] | undefined {
  try {
    return recognizer.build(match, context);
  } catch (error) {
    if (error instanceof RefusedParams) return undefined;
    throw error;
  }
}

/**
 * Counted things with IFEval's two relations ("less than", "at least"): at most N is less than N+1,
 * exactly N is both bounds.
 */
function counted(
  id: InstructionId,
  countKey: string,
  relationKey: string,
  n: number,
  relation: Relation,
  extra: Record<string, unknown> = {},
): DerivedCheck[] | undefined {
  const bound = (rel: 'less than' | 'at least', value: number) =>
    single(check(id, { ...extra, [countKey]: value, [relationKey]: rel }));
  // "At most 100" is checked as "less than 101" but shown in the person's own words.
  const atMost = (): DerivedCheck => {
    const derived = bound('less than', n + 1);
    return { ...derived, label: derived.label.replace(`fewer than ${n + 1}`, `at most ${n}`) };
  };
  switch (relation) {
    case 'lt':
      return n > 0 ? [bound('less than', n)] : undefined;
    case 'le':
      return [atMost()];
    case 'ge':
      return [bound('at least', n)];
    case 'gt':
      return [bound('at least', n + 1)];
    case 'eq':
      return [bound('at least', n), atMost()];
    case 'none':
    case 'unclear':
      return undefined;
  }
}

const MAX_BULLETS = 50;

/** IFEval counts bullet points exactly; "at most 3" becomes "exactly 0, 1, 2 or 3". */
function bullets(n: number, relation: Relation): DerivedCheck[] | undefined {
  if (n > MAX_BULLETS) return undefined;
  const exactly = (count: number) => check('detectable_format:number_bullet_lists', { num_bullets: count });
  if (relation === 'unclear') return undefined;
  if (relation === 'eq' || relation === 'none') return [single(exactly(n))];
  const top = relation === 'le' ? n : relation === 'lt' ? n - 1 : -1;
  if (top < 0) return undefined;
  const anyOf = Array.from({ length: top + 1 }, (_, count) => exactly(count));
  return [{ label: `${relation === 'le' ? 'at most' : 'fewer than'} ${n} bullet points`, anyOf }];
}

/** Items of a keyword list: the quoted ones if any are quoted, else short bare words split on commas and "and"/"or". */
function keywordList(raw: string): string[] | undefined {
  const quoted = [...raw.matchAll(/"([^"]+)"|'([^']+)'/g)].map((m) => (m[1] ?? m[2] ?? '').trim()).filter(Boolean);
  if (quoted.length > 0) return quoted;
  const items = raw
    .replace(/^\[|\]$/g, '')
    .split(/\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+/)
    .map((item) => item.trim())
    .filter(Boolean);
  // Bare words run on into the sentence ("use the word synergy in every answer"): take only one or two words each.
  if (
    items.length === 0 ||
    items.some((item) => !/^[\p{L}\p{N}][\p{L}\p{N}'-]*(?: [\p{L}\p{N}][\p{L}\p{N}'-]*)?$/u.test(item))
  ) {
    return undefined;
  }
  return items;
}

const LIST_END = '(?=\\s*(?:$|[.;!?\\n]|\\s(?:in|at|when|if|to|from|anywhere|ever|please)\\b))';
const BARE_LIST = '[\\p{L}\\p{N}\'"\\[\\], -]+?';

const RECOGNIZERS: Recognizer[] = [
  // --- the most specific phrasings first: their spans hide the words inside them from later patterns.
  {
    pattern: new RegExp(
      `words with all capital letters should appear\\s+(less than|at least)\\s+${NUM}\\s+times`,
      'gi',
    ),
    polarity: 'negative',
    build: (m) =>
      counted(
        'change_case:capital_word_frequency',
        'capital_frequency',
        'capital_relation',
        toNumber(m[2]) ?? -1,
        m[1]?.toLowerCase() === 'less than' ? 'lt' : 'ge',
      ),
  },
  {
    pattern: new RegExp(
      `(?:${QUAL}\\s+)?${NUM}\\s+` +
        '(?:words in all caps|words in all capital letters|all[- ]caps words|all[- ]capital words|' +
        `capitali[sz]ed words|upper[- ]?case words)${SUFFIX}`,
      'gi',
    ),
    polarity: 'counted',
    build: (m, c) =>
      counted(
        'change_case:capital_word_frequency',
        'capital_frequency',
        'capital_relation',
        toNumber(m[2]) ?? -1,
        relationOf(m[1], m[3], c.negated),
      ),
  },
  {
    pattern: new RegExp(
      `the letter\\s+['"]?(\\p{L})['"]?\\s+(?:should\\s+appear\\s+|appear\\s+)?${QUAL}\\s+${NUM}\\s+times`,
      'giu',
    ),
    polarity: 'counted',
    build: (m, c) =>
      counted(
        'keywords:letter_frequency',
        'let_frequency',
        'let_relation',
        toNumber(m[3]) ?? -1,
        relationOf(m[2], undefined, c.negated),
        {
          letter: (m[1] ?? '').toLowerCase(),
        },
      ),
  },
  {
    pattern: new RegExp(
      `(?:the (?:key)?word\\s+(?:${QUOTED}|([\\p{L}\\p{N}'-]+))\\s+(?:should\\s+)?appear` +
        `|(?:use|say|mention|include|repeat)\\s+(?:the (?:key)?word\\s+)?(?:${QUOTED}|([\\p{L}\\p{N}'-]+)))` +
        `\\s+${QUAL}\\s+${NUM}\\s+times`,
      'giu',
    ),
    polarity: 'counted',
    build: (m, c) => {
      const keyword = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6];
      const n = toNumber(m[8]);
      if (!keyword || n === undefined) return undefined;
      return counted('keywords:frequency', 'frequency', 'relation', n, relationOf(m[7], undefined, c.negated), {
        keyword,
      });
    },
  },
  {
    pattern: new RegExp(`do not include keywords\\s+(${BARE_LIST})\\s+in the response`, 'giu'),
    polarity: 'negative',
    build: (m) => forbidden(m[1]),
  },
  {
    pattern: new RegExp(
      `(?:never|don't|dont|do not|avoid|stop)\\s+(?:ever\\s+)?` +
        '(?:use|using|say|saying|write|writing|include|including|mention|mentioning)?' +
        `\\s*(?:the\\s+)?(?:key)?words?\\s+(${BARE_LIST})${LIST_END}`,
      'giu',
    ),
    polarity: 'negative',
    build: (m) => forbidden(m[1]),
  },
  {
    pattern: new RegExp(`(?:never|don't|dont|do not)\\s+say\\s+((?:${QUOTED}(?:,?\\s*(?:or|and)?\\s*)?)+)`, 'giu'),
    polarity: 'negative',
    build: (m) => forbidden(m[1]),
  },
  {
    pattern: new RegExp(`include keywords\\s+(${BARE_LIST})\\s+in the response`, 'giu'),
    polarity: 'positive',
    build: (m) => existence(m[1]),
  },
  {
    pattern: new RegExp(`(?:include|use|mention)\\s+the\\s+(?:key)?words?\\s+(${BARE_LIST})${LIST_END}`, 'giu'),
    polarity: 'positive',
    build: (m) => existence(m[1]),
  },
  {
    pattern: new RegExp(
      `finish your response with this exact phrase\\s+([^\\n]+?)\\.?\\s+No other words should follow`,
      'gi',
    ),
    polarity: 'negative',
    build: (m) => endsWith(m[1]),
  },
  {
    pattern: new RegExp(
      `(?:end|finish|close|conclude|sign off|wrap up)\\s+(?:(?:every|each|all|your|my|the)\\s+)?` +
        `(?:(?:reply|replies|answer|answers|response|responses|message|messages)\\s+)?` +
        `(?:with|by saying|using)\\s+(?:the\\s+(?:exact\\s+)?(?:phrase|words?)\\s+)?${QUOTED}`,
      'gi',
    ),
    polarity: 'positive',
    build: (m) => endsWith(m[1] ?? m[2]),
  },
  {
    pattern: new RegExp(`postscript starting with\\s+(P\\.\\s?P\\.\\s?S\\.?|P\\.\\s?S\\.?)`, 'gi'),
    polarity: 'positive',
    build: (m) => postscript(m[1]),
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\b(?:add|include|end with|finish with|append|write|sign off with)\s+(?:a|an)\s+`,
      String.raw`(P\.\s?P\.\s?S\b\.?|P\.\s?S\b\.?|PS\b|postscript\b)`,
    ),
    polarity: 'positive',
    build: (m) => postscript(m[1]),
  },
  {
    pattern: new RegExp(
      `there should be\\s+${NUM}\\s+paragraphs\\.\\s+paragraphs and only paragraphs are separated[^\\n]*?\\.` +
        `\\s+paragraph\\s+${NUM}\\s+must start with (?:the )?word\\s+(?:${QUOTED}|([\\p{L}\\p{N}'-]+))`,
      'giu',
    ),
    polarity: 'negative',
    build: (m) => firstWord(m[1], m[2], m[3] ?? m[4] ?? m[5]),
  },
  {
    pattern: new RegExp(
      `${NUM}\\s+paragraphs\\b[^.\\n]{0,80}?paragraph\\s+${NUM}\\s+(?:must|should)\\s+(?:start|begin)\\s+with` +
        `\\s+(?:the\\s+)?(?:word\\s+)?(?:${QUOTED}|([\\p{L}\\p{N}'-]+))`,
      'giu',
    ),
    polarity: 'positive',
    build: (m) => firstWord(m[1], m[2], m[3] ?? m[4] ?? m[5]),
  },
  {
    pattern: new RegExp(
      `${NUM}\\s+paragraphs\\.?\\s+(?:paragraphs are\\s+)?(?:separated|divided)\\s+(?:with|by)\\s+` +
        '(?:the\\s+)?(?:markdown\\s+)?(?:divider:?\\s*)?(?:\\*\\*\\*|three asterisks)',
      'gi',
    ),
    polarity: 'positive',
    build: (m) => {
      const n = toNumber(m[1]);
      return n === undefined
        ? undefined
        : [single(check('length_constraints:number_paragraphs', { num_paragraphs: n }))];
    },
  },
  {
    pattern: new RegExp(
      `${NUM}\\s+sections\\.?[^\\n]{0,40}?mark the beginning of each section with\\s+([\\p{L}]+)\\s+X`,
      'giu',
    ),
    polarity: 'positive',
    build: (m) => {
      const n = toNumber(m[1]);
      return n === undefined || !m[2]
        ? undefined
        : [single(check('detectable_format:multiple_sections', { section_spliter: m[2], num_sections: n }))];
    },
  },
  {
    pattern: new RegExp(
      `(?:highlight|mark|emphasi[sz]e)\\s+(?:at least\\s+)?${NUM}\\s+(?:\\w+\\s+)?(?:sections|parts|passages|phrases)`,
      'gi',
    ),
    polarity: 'positive',
    build: (m) => {
      const n = toNumber(m[1]);
      return n === undefined
        ? undefined
        : [single(check('detectable_format:number_highlighted_sections', { num_highlights: n }))];
    },
  },
  {
    pattern: new RegExp(`(?:${QUAL}\\s+)?${NUM}\\s+placeholders?${SUFFIX}`, 'gi'),
    polarity: 'counted',
    build: (m, c) => {
      const n = toNumber(m[2]);
      const relation = relationOf(m[1], m[3], c.negated);
      if (n === undefined) return undefined;
      // IFEval only checks a minimum; "3 placeholders" means at least three of them.
      if (relation === 'ge' || relation === 'none')
        return [single(check('detectable_content:number_placeholders', { num_placeholders: n }))];
      if (relation === 'gt')
        return [single(check('detectable_content:number_placeholders', { num_placeholders: n + 1 }))];
      return undefined;
    },
  },
  {
    pattern: new RegExp(
      `(?:${QUAL}\\s+)?${NUM}\\s+(?:markdown\\s+)?(?:bullet[- ]?points?|bullets|bulleted items|bullet list items)` +
        `${SUFFIX}`,
      'gi',
    ),
    polarity: 'counted',
    build: (m, c) => {
      const n = toNumber(m[2]);
      return n === undefined ? undefined : bullets(n, relationOf(m[1], m[3], c.negated));
    },
  },
  {
    pattern: new RegExp(`(?:${QUAL}\\s+)?${NUM}\\s+words?${SUFFIX}`, 'gi'),
    polarity: 'counted',
    build: (m, c) => {
      const n = toNumber(m[2]);
      return n === undefined
        ? undefined
        : counted('length_constraints:number_words', 'num_words', 'relation', n, relationOf(m[1], m[3], c.negated));
    },
  },
  {
    pattern: new RegExp(`(?:${QUAL}\\s+)?${NUM}\\s+sentences?${SUFFIX}`, 'gi'),
    polarity: 'counted',
    build: (m, c) => {
      const n = toNumber(m[2]);
      return n === undefined
        ? undefined
        : counted(
            'length_constraints:number_sentences',
            'num_sentences',
            'relation',
            n,
            relationOf(m[1], m[3], c.negated),
          );
    },
  },
  {
    pattern: pattern(
      'gi',
      String.raw`(?:one of the following options|(?:answer|reply|respond) (?:only )?with)[^\n]{0,20}?`,
      String.raw`my answer is yes\.?['"]?,?\s*(?:or\s+)?['"]?my answer is no`,
    ),
    polarity: 'positive',
    build: () => [single(check('detectable_format:constrained_response'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\btitle\b[^.\n]{0,60}?(?:double angular brackets|double angle brackets|<<[^>\n]*>>)`,
      String.raw`|<<[^>\n]*>>[^.\n]{0,20}?\btitle\b`,
    ),
    polarity: 'positive',
    build: () => [single(check('detectable_format:title'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\b(?:give|provide|write|offer)\s+two\s+(?:different\s+|separate\s+|distinct\s+)?`,
      String.raw`(?:responses|answers|replies)\b`,
    ),
    polarity: 'positive',
    build: () => [single(check('combination:two_responses'))],
  },
  {
    pattern: /\brepeat\s+(?:the|my|each|every)\s+(?:request|question|prompt|message)\b/gi,
    polarity: 'positive',
    build: () => [
      {
        label: 'repeats the request first',
        anyOf: [{ id: 'combination:repeat_prompt', params: {} }],
        bind: 'question',
      },
    ],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\bwrap\s+(?:(?:your|the|my|each|every)\s+)?(?:entire\s+|whole\s+)?`,
      String.raw`(?:response|answer|reply|replies|responses|answers|output)\s+(?:in|with)\s+`,
      String.raw`double\s+(?:quotation marks|quotes)`,
      String.raw`|\b(?:entire|whole)\s+(?:response|answer|reply|output)\s+(?:in|inside|within)\s+`,
      String.raw`double\s+(?:quotation marks|quotes)`,
    ),
    polarity: 'positive',
    build: () => [single(check('startend:quotation'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\b(?:wrapped in json|in json format`,
      String.raw`|(?:answer|respond|reply|output|write|return|format|formatted|responses?|answers?|replies)`,
      String.raw`\s+(?:\w+\s+){0,3}?(?:in|as|with)\s+(?:valid\s+)?json`,
      String.raw`|json only|only (?:valid\s+)?json)\b`,
    ),
    polarity: 'positive',
    build: () => [single(check('detectable_format:json_format'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\brefrain from the use of any commas|\b(?:no|without|zero)\s+(?:any\s+)?commas\b`,
      String.raw`|\b(?:don't|dont|do not|never|avoid|refrain from)\s+`,
      String.raw`(?:(?:use|using|put|putting|include|including|the use of|use of)\s+)?(?:any\s+)?commas\b`,
    ),
    polarity: 'negative',
    build: () => [single(check('punctuation:no_comma'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\b(?:(?:all|only|entirely|completely|strictly)\s+(?:in\s+)?lower[- ]?case`,
      String.raw`|in\s+(?:all\s+)?lower[- ]?case|lower[- ]?case\s+(?:letters\s+)?only|no capital letters`,
      String.raw`|(?:never|don't|dont|do not)\s+use\s+(?:any\s+)?capital letters)\b`,
    ),
    polarity: 'positive',
    build: () => [single(check('change_case:english_lowercase'))],
  },
  {
    pattern: pattern(
      'gi',
      String.raw`\b(?:(?:all|only|entirely|completely|strictly)\s+(?:in\s+)?`,
      String.raw`(?:caps|capitals|capital letters|upper[- ]?case)`,
      String.raw`|in\s+(?:all\s+)?(?:caps|capitals|capital letters|upper[- ]?case)(?:\s+letters)?`,
      String.raw`|upper[- ]?case\s+(?:letters\s+)?only)\b`,
    ),
    polarity: 'positive',
    build: () => [single(check('change_case:english_capital'))],
  },
  {
    pattern: new RegExp(`\\bin\\s+${LANG}\\s+language\\b`, 'gi'),
    polarity: 'positive',
    build: (m) => language(m[1]),
  },
  {
    pattern: new RegExp(
      '\\b(?:reply|replies|respond|response|responses|answer|answers|write|speak|talk|communicate' +
        '|be|is|are|always|only)\\s+(?:\\w+\\s+){0,3}?in\\s+' +
        `(?:plain\\s+|simple\\s+|british\\s+|american\\s+|standard\\s+)?${LANG}\\b(?!\\s+or\\b)`,
      'gi',
    ),
    polarity: 'positive',
    build: (m) => language(m[1]),
  },
  {
    pattern: new RegExp(
      `\\b(?:always\\s+use|use\\s+only|only\\s+use)\\s+${LANG}\\b(?!\\s+or\\b)|\\b${LANG}\\s+only\\b`,
      'gi',
    ),
    polarity: 'positive',
    build: (m) => language(m[1] ?? m[2]),
  },
];

function forbidden(raw: string | undefined): DerivedCheck[] | undefined {
  const words = raw === undefined ? undefined : keywordList(raw);
  return words ? [single(check('keywords:forbidden_words', { forbidden_words: words }))] : undefined;
}

function existence(raw: string | undefined): DerivedCheck[] | undefined {
  const words = raw === undefined ? undefined : keywordList(raw);
  return words ? [single(check('keywords:existence', { keywords: words }))] : undefined;
}

function endsWith(phrase: string | undefined): DerivedCheck[] | undefined {
  const trimmed = phrase?.trim();
  return trimmed ? [single(check('startend:end_checker', { end_phrase: trimmed }))] : undefined;
}

function postscript(marker: string | undefined): DerivedCheck[] {
  const pps = /^p\.?\s?p\.?\s?s/i.test(marker ?? '');
  return [single(check('detectable_content:postscript', { postscript_marker: pps ? 'P.P.S' : 'P.S.' }))];
}

function firstWord(
  num: string | undefined,
  nth: string | undefined,
  word: string | undefined,
): DerivedCheck[] | undefined {
  const numParagraphs = toNumber(num);
  const nthParagraph = toNumber(nth);
  if (numParagraphs === undefined || nthParagraph === undefined || !word || nthParagraph > numParagraphs)
    return undefined;
  return [
    single(
      check('length_constraints:nth_paragraph_first_word', {
        num_paragraphs: numParagraphs,
        nth_paragraph: nthParagraph,
        first_word: word.toLowerCase(),
      }),
    ),
  ];
}

function language(name: string | undefined): DerivedCheck[] | undefined {
  const code = name === undefined ? undefined : LANGUAGE_BY_NAME.get(name.toLowerCase());
  return code ? [single(check('language:response_language', { language: code }))] : undefined;
}

/** Start offsets of sentences: after a line break, or after . ! ? followed by a space and a capital or quote. */
function sentenceStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(/\n+|[.!?]+\s+(?=["'(\p{Lu}])/gu))
    starts.push((match.index ?? 0) + match[0].length);
  return starts;
}

function sentenceAround(text: string, starts: number[], index: number): { start: number; end: number } {
  let start = 0;
  let end = text.length;
  for (const candidate of starts) {
    if (candidate <= index) start = candidate;
    else {
      end = candidate;
      break;
    }
  }
  return { start, end };
}

/** The clause of the sentence that leads up to the match: after the last comma, semicolon, "and" or "but". */
function clauseBefore(text: string, sentenceStart: number, index: number): string {
  const lead = text.slice(sentenceStart, index);
  const cut = Math.max(
    ...[...lead.matchAll(/[,;:()]|\b(?:and|but|then|also)\b/gi)].map((m) => (m.index ?? 0) + m[0].length),
    0,
  );
  return lead.slice(cut);
}

/** Instruction types of which one value only can hold; two different values of one of them are a contradiction. */
const SINGLE_VALUED = new Set<InstructionId>([
  'language:response_language',
  'startend:end_checker',
  'detectable_format:number_bullet_lists',
  'length_constraints:number_paragraphs',
  'length_constraints:nth_paragraph_first_word',
  'detectable_format:multiple_sections',
  'detectable_content:postscript',
]);

const keyOf = (check: DerivedCheck): string => JSON.stringify([check.anyOf, check.bind ?? null]);

/** Sort by catalogue order, then label: the same text always yields the same list in the same order. */
export function orderChecks(checks: DerivedCheck[]): DerivedCheck[] {
  const rank = (check: DerivedCheck) => INSTRUCTION_IDS.indexOf(typeOf(check));
  return [...checks].sort(
    (a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label) || keyOf(a).localeCompare(keyOf(b)),
  );
}

/** Drop duplicates and contradictions (two languages, lowercase and capitals, two end phrases…). */
export function reconcile(checks: DerivedCheck[]): DerivedCheck[] {
  const unique = new Map<string, DerivedCheck>();
  for (const entry of checks) unique.set(keyOf(entry), entry);
  let result = [...unique.values()];
  const countOf = (id: InstructionId) => result.filter((entry) => typeOf(entry) === id).length;
  for (const id of SINGLE_VALUED) {
    if (countOf(id) > 1) result = result.filter((entry) => typeOf(entry) !== id);
  }
  const lower = countOf('change_case:english_lowercase') > 0;
  const upper = countOf('change_case:english_capital') > 0;
  if (lower && upper) {
    result = result.filter(
      (entry) => !['change_case:english_lowercase', 'change_case:english_capital'].includes(typeOf(entry)),
    );
  }
  const languageCheck = result.find((entry) => typeOf(entry) === 'language:response_language');
  if (languageCheck && (lower || upper) && !(lower && upper)) {
    const english = languageCheck.anyOf[0]?.params.language === 'en';
    // English casing already checks the language; another language cannot pass IFEval's English casing checks.
    result = result.filter((entry) =>
      english
        ? entry !== languageCheck
        : !['change_case:english_lowercase', 'change_case:english_capital'].includes(typeOf(entry)),
    );
  }
  return orderChecks(result);
}

/**
 * The checks an instruction text asks for, found by patterns. Unverifiable, conditional, vague or
 * contradicting requirements yield nothing.
 *
 * @example extractRules("Answer in at most 3 bullet points. End with 'Cheers'.") // 2 checks
 */
export function extractRules(input: string): DerivedCheck[] {
  const text = input
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/[ \t]+/g, ' ');
  const starts = sentenceStarts(text);
  const taken: Found[] = [];
  const overlaps = (start: number, end: number) => taken.some((found) => start < found.end && end > found.start);
  for (const recognizer of RECOGNIZERS) {
    for (const match of text.matchAll(recognizer.pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (overlaps(start, end)) continue;
      const sentence = sentenceAround(text, starts, start);
      const sentenceText = text.slice(sentence.start, sentence.end);
      const negated = NEGATION.test(clauseBefore(text, sentence.start, start));
      // Words like "if" and "about" make a requirement conditional or vague: the span is claimed, nothing is checked.
      const vague =
        CONDITIONAL.test(sentenceText) || APPROXIMATE.test(text.slice(Math.max(sentence.start, start - 12), end));
      const dropped = vague || (recognizer.polarity === 'positive' && negated);
      const checks = dropped
        ? undefined
        : build(recognizer, match, { negated: recognizer.polarity === 'counted' && negated });
      taken.push({ start, end, checks: checks ?? [] });
    }
  }
  return reconcile(taken.flatMap((found) => found.checks));
}

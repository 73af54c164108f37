/**
 * How the checker sees text: words, sentences, word tokens and letter case, each following what IFEval's
 * reference implementation measures (Python's `\w`, NLTK's Punkt and word tokenizer, `str.isupper`), so that
 * a count here is the count the reference would report.
 */

/** Python's `\w` on text: letters, numbers (any script) and the underscore; combining marks are not in it. */
const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * Words as IFEval counts them (a run of letters, digits or underscores; "don't" is two words).
 * @example countWords('Hello, wide world!') // 3
 */
export function countWords(text: string): number {
  let count = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) count++;
  return count;
}

/**
 * Abbreviations after which a period does not end a sentence: the common part of the list that NLTK's
 * English Punkt model learned, lower-cased and without their final period.
 */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'inc', 'ltd', 'co', 'corp', 'vs', 'etc', 'e.g', 'i.e',
  'u.s', 'u.k', 'u.n', 'a.m', 'p.m', 'jan', 'feb', 'mar', 'apr', 'aug', 'sept', 'sep', 'oct', 'nov', 'dec',
  'gen', 'gov', 'sen', 'rep', 'rev', 'lt', 'col', 'sgt', 'capt', 'mt', 'ft', 'no', 'nos', 'ave', 'blvd',
  'dept', 'est', 'fig', 'approx', 'cf', 'al', 'ph.d', 'd.c', 'u.s.a', 'calif', 'fla', 'mass', 'conn', 'va',
  'pa', 'n.y', 'l.a', 'wash', 'ariz', 'ore', 'mich', 'minn', 'tenn', 'ky', 'ga', 'ill', 'ind', 'wis',
  'colo', 'okla', 'kan', 'neb', 'nev', 'vt', 'del', 'md', 'ala', 'miss', 'la', 'bros', 'messrs', 'vol',
  'ed', 'eds', 'pp', 'p', 'e.u', 'ibid', 'viz', 'cie', 'mfg', 'assn', 'univ', 'int', 'yr', 'yrs', 'min',
]);

/** Characters Punkt lets stand right after a sentence-ending mark (otherwise whitespace must follow). */
const AFTER_END = new Set([')', '"', ';', '}', ']', '*', ':', '@', "'", '(', '{', '[']);
/** Closing characters that stay with the sentence they end. */
const CLOSERS = new Set([')', '"', "'", ']', '}', '*', '”', '’', '»']);
/** Characters a Punkt word token cannot start with; they are split off before a word is looked up. */
const LEADING_PUNCTUATION = /^[("`{[:;&#*@)}\]\-,'“‘«]+/u;
const NUMBER = /^[\p{N}][\p{N},.]*$/u;
const SINGLE_LETTER = /^\p{L}$/u;
const WHITESPACE = /\s/u;
const SENTENCE_MARKS = /[.?!]+/g;

/** Whether text starts with a lower-case letter once opening punctuation is skipped. */
function startsLowerCase(text: string): boolean {
  const first = text.replace(LEADING_PUNCTUATION, '').charAt(0);
  return first !== '' && first === first.toLowerCase() && first !== first.toUpperCase();
}

/**
 * Whether the run of marks ending at `end` closes a sentence, following Punkt's decisions: `?` and `!` always
 * do; a period after an ordinary word does; a period after a known abbreviation does not; after an initial or
 * a number, and for an ellipsis, it does unless the next word starts in lower case.
 */
function endsSentence(marks: string, word: string, next: string): boolean {
  if (marks.includes('?') || marks.includes('!')) return true;
  const type = word.replace(LEADING_PUNCTUATION, '').toLowerCase();
  if (marks.length > 1) return !startsLowerCase(next) && next !== '';
  if (type === '') return true;
  if (ABBREVIATIONS.has(type)) return false;
  if (SINGLE_LETTER.test(type) || NUMBER.test(type)) return !startsLowerCase(next);
  return true;
}

/**
 * Split text into sentences the way NLTK's English Punkt tokenizer does for IFEval (an approximation: the
 * learned abbreviation list and orthographic statistics are replaced by a fixed list and the case of the next
 * word). A line break alone does not end a sentence.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  SENTENCE_MARKS.lastIndex = 0;
  for (let match = SENTENCE_MARKS.exec(text); match !== null; match = SENTENCE_MARKS.exec(text)) {
    let end = match.index + match[0].length;
    const following = text.charAt(end);
    // Punkt only considers a mark followed by whitespace, one of a few punctuation characters, or the end.
    if (following !== '' && !WHITESPACE.test(following) && !AFTER_END.has(following)) continue;
    const wordStart = Math.max(...[' ', '\n', '\t', '\r'].map((space) => text.lastIndexOf(space, match.index - 1)));
    const word = text.slice(wordStart + 1, match.index);
    while (CLOSERS.has(text.charAt(end))) end++;
    const rest = text.slice(end).trimStart();
    const next = rest.slice(0, rest.search(/\s|$/u));
    if (!endsSentence(match[0], word, next)) continue;
    const sentence = text.slice(start, end).trim();
    if (sentence !== '') sentences.push(sentence);
    start = end;
    SENTENCE_MARKS.lastIndex = end;
  }
  const last = text.slice(start).trim();
  if (last !== '') sentences.push(last);
  return sentences;
}

/** The number of sentences in text, as {@link splitSentences} finds them. */
export function countSentences(text: string): number {
  return splitSentences(text).length;
}

/**
 * Where NLTK's word tokenizer separates words, as far as letter case can tell: whitespace, quotes, brackets
 * and most punctuation, and apostrophes (so "DON'T" gives two upper-case pieces, like NLTK's "DO" and "N'T").
 * Hyphens, periods and asterisks stay inside a token, as they do in NLTK.
 */
const TOKEN_SEPARATORS = /[\s,;:@#$%&?!()[\]{}<>"“”‘’'`]+/u;

/** Word tokens for case checks (see TOKEN_SEPARATORS). */
export function caseTokens(text: string): string[] {
  return text.split(TOKEN_SEPARATORS).filter((token) => token !== '');
}

/** Python's `str.isupper()`: at least one cased character and no lower-case one. */
export function isUpperCase(text: string): boolean {
  return text === text.toUpperCase() && text !== text.toLowerCase();
}

/** Python's `str.islower()`: at least one cased character and no upper-case one. */
export function isLowerCase(text: string): boolean {
  return text === text.toLowerCase() && text !== text.toUpperCase();
}

/** Escape text for use as a literal inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

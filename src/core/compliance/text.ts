/**
 * How the checker sees text: words, sentences, word tokens and letter case, each following what IFEval's
 * reference implementation measures (Python's `\w`, NLTK's Punkt and word tokenizer, `str.isupper`), so that
 * a count here is the count the reference would report.
 */

/** Python's `\w` for one character beyond ASCII: letters and numbers of any script; combining marks are not in it. */
const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

/** Whether one character (a code point) is a word character in Python's sense, with a fast path for ASCII. */
export function isWordCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  if (code < 128)
    return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
  return WORD_CHARACTER.test(character);
}

/**
 * Words as IFEval counts them (a run of letters, digits or underscores; "don't" is two words).
 * @example countWords('Hello, wide world!') // 3
 */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let word: boolean;
    if (code < 128)
      word = (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
    else {
      // A surrogate pair is one character: test it whole.
      const character = String.fromCodePoint(text.codePointAt(index) ?? code);
      word = WORD_CHARACTER.test(character);
      index += character.length - 1;
    }
    if (word && !inWord) count++;
    inWord = word;
  }
  return count;
}

/** Titles before a name: the period after them never ends a sentence. */
const TITLES = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'capt',
  'lt',
  'col',
  'gen',
  'sen',
  'rep',
  'gov',
  'rev',
  'sgt',
]);

/**
 * Words that commonly start an English sentence. Punkt ends a sentence after an abbreviation when the next word
 * is capitalised and is one it learned as a sentence starter ("etc. The next step"); this list stands in for
 * the learned one.
 */
const SENTENCE_STARTERS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'these',
  'those',
  'it',
  'its',
  'he',
  'she',
  'they',
  'we',
  'i',
  'you',
  'but',
  'and',
  'however',
  'in',
  'on',
  'at',
  'for',
  'if',
  'when',
  'while',
  'as',
  'there',
  'here',
  'so',
  'then',
  'also',
  'after',
  'before',
  'many',
  'most',
  'some',
  'our',
  'my',
  'his',
  'her',
  'their',
  'what',
  'how',
  'why',
  'where',
  'who',
  'each',
  'all',
  'no',
  'yes',
  'to',
  'with',
  'by',
  'from',
  'of',
  'or',
  'is',
  'are',
  'was',
  'do',
]);

/**
 * Abbreviations after which a period does not end a sentence: the common part of the list that NLTK's
 * English Punkt model learned, lower-cased and without their final period.
 */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'jr',
  'sr',
  'inc',
  'ltd',
  'co',
  'corp',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'u.s',
  'u.k',
  'u.n',
  'a.m',
  'p.m',
  'jan',
  'feb',
  'mar',
  'apr',
  'aug',
  'sept',
  'sep',
  'oct',
  'nov',
  'dec',
  'gen',
  'gov',
  'sen',
  'rep',
  'rev',
  'lt',
  'col',
  'sgt',
  'capt',
  'mt',
  'ft',
  'no',
  'nos',
  'ave',
  'blvd',
  'dept',
  'est',
  'fig',
  'approx',
  'cf',
  'al',
  'ph.d',
  'd.c',
  'u.s.a',
  'calif',
  'fla',
  'mass',
  'conn',
  'va',
  'pa',
  'n.y',
  'l.a',
  'wash',
  'ariz',
  'ore',
  'mich',
  'minn',
  'tenn',
  'ky',
  'ga',
  'ill',
  'ind',
  'wis',
  'colo',
  'okla',
  'kan',
  'neb',
  'nev',
  'vt',
  'del',
  'md',
  'ala',
  'miss',
  'la',
  'bros',
  'messrs',
  'vol',
  'ed',
  'eds',
  'pp',
  'p',
  'e.u',
  'ibid',
  'viz',
  'cie',
  'mfg',
  'assn',
  'univ',
  'int',
  'yr',
  'yrs',
  'min',
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
const SENTENCE_MARKS = /[.?!]+/;

/** Whitespace as Python's `str.split()` sees it, with a fast path for ASCII. */
function isSpace(character: string): boolean {
  if (character === ' ' || character === '\n' || character === '\t' || character === '\r') return true;
  return character > '\u007f' && WHITESPACE.test(character);
}

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
  if (ABBREVIATIONS.has(type)) {
    return (
      !TITLES.has(type) &&
      SENTENCE_STARTERS.has(next.replace(LEADING_PUNCTUATION, '').toLowerCase()) &&
      !startsLowerCase(next)
    );
  }
  if (SINGLE_LETTER.test(type) || NUMBER.test(type)) return !startsLowerCase(next);
  return true;
}

/**
 * Split text into sentences the way NLTK's English Punkt tokenizer does for IFEval (an approximation: the
 * learned abbreviation list and orthographic statistics are replaced by a fixed list and the case of the next
 * word). A line break alone does not end a sentence. One pass: each mark looks only at its own word and the
 * next one.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const marks = new RegExp(SENTENCE_MARKS.source, 'g');
  for (let match = marks.exec(text); match !== null; match = marks.exec(text)) {
    let end = match.index + match[0].length;
    const following = text.charAt(end);
    // Punkt only considers a mark followed by whitespace, one of a few punctuation characters, or the end.
    if (following !== '' && !isSpace(following) && !AFTER_END.has(following)) continue;
    let wordStart = match.index;
    while (wordStart > start && !isSpace(text.charAt(wordStart - 1))) wordStart--;
    while (CLOSERS.has(text.charAt(end))) end++;
    let nextStart = end;
    while (nextStart < text.length && isSpace(text.charAt(nextStart))) nextStart++;
    let nextEnd = nextStart;
    while (nextEnd < text.length && !isSpace(text.charAt(nextEnd))) nextEnd++;
    if (!endsSentence(match[0], text.slice(wordStart, match.index), text.slice(nextStart, nextEnd))) continue;
    const sentence = text.slice(start, end).trim();
    if (sentence !== '') sentences.push(sentence);
    start = end;
    marks.lastIndex = end;
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
 * Where NLTK's word tokenizer separates words, as far as letter case can tell: whitespace, quotes, brackets and
 * most punctuation. Hyphens, periods, apostrophes inside a word and asterisks stay inside a token, as in NLTK.
 */
const TOKEN_SEPARATORS = /[\s,;:@#$%&?!()[\]{}<>"“”‘’`]+/u;
/**
 * English clitics and contractions NLTK splits a word into ("DON'T" gives "DO" and "N'T", "CANNOT" gives "CAN"
 * and "NOT"; "L'ÉTÉ" stays whole).
 */
const CLITIC = /^(.+?)(n't|'s|'m|'d|'ll|'re|'ve)$|^(can|gon|wan|got|gim|lem)(not|na|ta|me)$/iu;

const HAS_UPPER = /[\p{Lu}\p{Lt}]/u;
const HAS_LOWER = /\p{Ll}/u;

function isCapitalToken(token: string): boolean {
  return token !== '' && HAS_UPPER.test(token) && !HAS_LOWER.test(token);
}

/** One character of {@link TOKEN_SEPARATORS}. */
const SEPARATOR = new RegExp(TOKEN_SEPARATORS.source.replace(/\+$/u, ''), 'u');
const UPPER = /[\p{Lu}\p{Lt}]/gu;

/**
 * How many word tokens are in capitals (Python's `isupper()` on each of NLTK's tokens). Only a token with a
 * capital letter can count, so the tokens are found from the capitals outwards: the same tokens as splitting
 * the whole text on {@link TOKEN_SEPARATORS}, without building the ones in lower case.
 */
export function countCapitalWords(text: string): number {
  let count = 0;
  UPPER.lastIndex = 0;
  for (let match = UPPER.exec(text); match !== null; match = UPPER.exec(text)) {
    let start = match.index;
    while (start > 0 && !SEPARATOR.test(text.charAt(start - 1))) start--;
    let end = match.index;
    while (end < text.length && !SEPARATOR.test(text.charAt(end))) end++;
    count += capitalTokens(text.slice(start, end));
    UPPER.lastIndex = end;
  }
  return count;
}

/** How many capital tokens one separator-free run of text makes (two when NLTK splits off a clitic). */
function capitalTokens(raw: string): number {
  // Quotes around a word are tokens of their own and have no case.
  const token = raw.replace(/^'+|'+$/gu, '');
  const clitic = token.length <= 6 || token.includes("'") ? CLITIC.exec(token) : null;
  if (clitic === null) return isCapitalToken(token) ? 1 : 0;
  return (
    (isCapitalToken(clitic[1] ?? clitic[3] ?? '') ? 1 : 0) + (isCapitalToken(clitic[2] ?? clitic[4] ?? '') ? 1 : 0)
  );
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

/**
 * Language identification for the language and case checks. IFEval's reference uses Python's `langdetect`
 * (a port of Cybozu's language-detection, 55 languages, ISO 639-1 codes). Here `franc` (trigram profiles,
 * ISO 639-3) does the work, limited to the same 55 languages so that it cannot answer with a language the
 * reference could never name; its answer is mapped back to the reference's codes.
 */
import { data } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';

/** The reference's 55 language codes, each with the code franc uses for it. */
const TO_FRANC: Readonly<Record<string, string>> = {
  af: 'afr',
  ar: 'arb',
  bg: 'bul',
  bn: 'ben',
  cs: 'ces',
  da: 'dan',
  de: 'deu',
  el: 'ell',
  en: 'eng',
  es: 'spa',
  et: 'ekk',
  fa: 'pes',
  fi: 'fin',
  fr: 'fra',
  gu: 'guj',
  he: 'heb',
  hi: 'hin',
  hr: 'hrv',
  hu: 'hun',
  id: 'ind',
  it: 'ita',
  ja: 'jpn',
  kn: 'kan',
  ko: 'kor',
  lt: 'lit',
  lv: 'lvs',
  mk: 'mkd',
  ml: 'mal',
  mr: 'mar',
  ne: 'npi',
  nl: 'nld',
  no: 'nob',
  pa: 'pan',
  pl: 'pol',
  pt: 'por',
  ro: 'ron',
  ru: 'rus',
  sk: 'slk',
  sl: 'slv',
  so: 'som',
  sq: 'als',
  sv: 'swe',
  sw: 'swh',
  ta: 'tam',
  te: 'tel',
  th: 'tha',
  tl: 'tgl',
  tr: 'tur',
  uk: 'ukr',
  ur: 'urd',
  vi: 'vie',
  'zh-cn': 'cmn',
};

/** Each detectable language's franc code (ISO 639-3), keyed by the reference's code. */
export const FRANC_CODES: Readonly<Record<string, string>> = TO_FRANC;

const FROM_FRANC: ReadonlyMap<string, string> = new Map(Object.entries(TO_FRANC).map(([iso1, iso3]) => [iso3, iso1]));

/** The language codes {@link detectLanguage} can answer with (ISO 639-1, as IFEval's data writes them). */
export const DETECTABLE_LANGUAGES: readonly string[] = Object.keys(TO_FRANC);

/** English names of the languages IFEval asks for, for descriptions and details. */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  en: 'English',
  es: 'Spanish',
  pt: 'Portuguese',
  ar: 'Arabic',
  hi: 'Hindi',
  fr: 'French',
  ru: 'Russian',
  de: 'German',
  ja: 'Japanese',
  it: 'Italian',
  bn: 'Bengali',
  uk: 'Ukrainian',
  th: 'Thai',
  ur: 'Urdu',
  ta: 'Tamil',
  te: 'Telugu',
  bg: 'Bulgarian',
  ko: 'Korean',
  pl: 'Polish',
  he: 'Hebrew',
  fa: 'Persian',
  vi: 'Vietnamese',
  ne: 'Nepali',
  sw: 'Swahili',
  kn: 'Kannada',
  mr: 'Marathi',
  gu: 'Gujarati',
  pa: 'Punjabi',
  ml: 'Malayalam',
  fi: 'Finnish',
  af: 'Afrikaans',
  cs: 'Czech',
  da: 'Danish',
  el: 'Greek',
  et: 'Estonian',
  hr: 'Croatian',
  hu: 'Hungarian',
  id: 'Indonesian',
  lt: 'Lithuanian',
  lv: 'Latvian',
  mk: 'Macedonian',
  nl: 'Dutch',
  no: 'Norwegian',
  ro: 'Romanian',
  sk: 'Slovak',
  sl: 'Slovenian',
  so: 'Somali',
  sq: 'Albanian',
  sv: 'Swedish',
  tl: 'Tagalog',
  tr: 'Turkish',
  'zh-cn': 'Chinese',
};

/** The English name of a language code, or the code itself when it has none here. */
export function languageName(code: string): string {
  return LANGUAGE_NAMES[code] ?? code;
}

/**
 * Long texts are identified from this many evenly spread windows of WINDOW characters. Four windows of 150
 * agree with the reference on the IFEval GPT-4 replies as often as five of 200 did, at about half the cost.
 */
const WINDOWS = 4;
const WINDOW = 150;

/**
 * The text to identify: the whole text when short, else evenly spread windows across all of it. The reference
 * (langdetect) likewise samples n-grams at random from the whole text rather than reading all of it; spreading
 * the windows keeps a response that switches language part-way weighted as the reference weighs it, and bounds
 * the cost of a long reply.
 */
function sample(text: string): string {
  if (text.length <= WINDOWS * WINDOW) return text;
  const step = (text.length - WINDOW) / (WINDOWS - 1);
  return Array.from({ length: WINDOWS }, (_, i) =>
    text.slice(Math.round(i * step), Math.round(i * step) + WINDOW),
  ).join(' ');
}

/**
 * The language of a text as an ISO 639-1 code, or `undefined` when the text has nothing to go on (no
 * letters): the reference counts such a text as following the instruction, and so do the checks.
 */
export function detectLanguage(text: string): string | undefined {
  // Up to three checks (the language and the two English case checks) ask about the same reply in a row.
  if (text === last.text) return last.code;
  const code = identify(sample(text));
  last = { text, code };
  return code;
}

/*
 * What follows is franc's own method (franc 6: `franc(value, { only, minLength: 1 })`) with its data, cut down
 * to the 55 candidates so that the other 130 profiles are never built or scored, and with trigrams counted in a
 * Map rather than an array, an object and a sort. It gives franc's answers; a test holds it to that.
 */

/** franc's cap on the text it reads, and its penalty for a trigram a profile lacks. */
const MAX_LENGTH = 2048;
const MAX_DIFFERENCE = 300;

const SCRIPTS = Object.entries(expressions);

/**
 * For each script franc tells languages apart in: its candidates, in franc's order, and one table of ranks for
 * all of them (a row per trigram any of them knows, -1 where a candidate lacks it), so that each trigram of the
 * text is looked up once rather than once per candidate.
 */
interface ScriptProfiles {
  codes: readonly string[];
  rows: ReadonlyMap<number, number>;
  ranks: Int16Array;
}

const PROFILES: ReadonlyMap<string, ScriptProfiles> = new Map(
  Object.entries(data).map(([script, languages]) => {
    const models = Object.entries(languages).filter(([iso3]) => FROM_FRANC.has(iso3));
    const codes = models.map(([iso3]) => FROM_FRANC.get(iso3) ?? iso3);
    const rows = new Map<number, number>();
    for (const [, model] of models) {
      for (const trigram of model.split('|')) {
        const key = trigramKey(trigram);
        if (!rows.has(key)) rows.set(key, rows.size);
      }
    }
    const ranks = new Int16Array(rows.size * codes.length).fill(-1);
    models.forEach(([, model], column) => {
      const trigrams = model.split('|');
      // Walked from the end, as franc does, so that a repeated trigram keeps its first (best) rank.
      for (let rank = trigrams.length - 1; rank >= 0; rank--) {
        ranks[(rows.get(trigramKey(trigrams[rank] ?? '')) ?? 0) * codes.length + column] = rank;
      }
    });
    return [script, { codes, rows, ranks }];
  }),
);

/** The script whose characters make up the largest share of the text (franc's `getTopScript`). */
function topScript(text: string): { script: string | undefined; share: number } {
  let top: { script: string | undefined; share: number } = { script: undefined, share: -1 };
  for (const [script, expression] of SCRIPTS) {
    // Counting matches one by one finds what `text.match(expression).length` does without building the array.
    let matches = 0;
    expression.lastIndex = 0;
    while (expression.test(text)) matches++;
    const share = matches / text.length || 0;
    if (share > top.share) top = { script, share };
  }
  return top;
}

/** A trigram (three UTF-16 code units, as trigram-utils slices them) as one number, to count and look up. */
function trigramKey(trigram: string): number {
  return (trigram.charCodeAt(0) * 65_536 + trigram.charCodeAt(1)) * 65_536 + trigram.charCodeAt(2);
}

/** How often each trigram occurs in the text, cleaned and padded as trigram-utils does for franc. */
function trigramCounts(text: string): Map<number, number> {
  const cleaned = ` ${text
    .replace(/[\u0021-\u0040]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()} `;
  const counts = new Map<number, number>();
  for (let i = 0; i + 3 <= cleaned.length; i++) {
    // trigramKey(cleaned.slice(i, i + 3)), without making the slice.
    const key = (cleaned.charCodeAt(i) * 65_536 + cleaned.charCodeAt(i + 1)) * 65_536 + cleaned.charCodeAt(i + 2);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function identify(value: string): string | undefined {
  if (value.length === 0) return undefined;
  const text = value.slice(0, MAX_LENGTH);
  const { script, share } = topScript(text);
  if (script === undefined) return undefined;
  const profiles = PROFILES.get(script);
  // A script written in one language only names that language (when it is a candidate).
  if (profiles === undefined) return share === 0 ? undefined : FROM_FRANC.get(script);
  const { codes, rows, ranks } = profiles;
  if (codes.length === 0) return undefined;
  const distances = new Float64Array(codes.length);
  for (const [trigram, count] of trigramCounts(text)) {
    const row = rows.get(trigram);
    for (let column = 0; column < codes.length; column++) {
      const rank = row === undefined ? -1 : (ranks[row * codes.length + column] ?? -1);
      // franc compares a trigram's count in the text with its rank in the profile, as it always has.
      distances[column] = (distances[column] ?? 0) + (rank < 0 ? MAX_DIFFERENCE : Math.abs(count - rank - 1));
    }
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  distances.forEach((distance, column) => {
    if (distance < bestDistance) {
      bestDistance = distance;
      best = codes[column];
    }
  });
  return best;
}

/** The last text identified and its answer. */
let last: { text: string | undefined; code: string | undefined } = { text: undefined, code: undefined };

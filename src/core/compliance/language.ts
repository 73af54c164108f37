/**
 * Language identification for the language and case checks. IFEval's reference uses Python's `langdetect`
 * (a port of Cybozu's language-detection, 55 languages, ISO 639-1 codes). Here `franc` (trigram profiles,
 * ISO 639-3) does the work, limited to the same 55 languages so that it cannot answer with a language the
 * reference could never name; its answer is mapped back to the reference's codes.
 */
import { franc } from 'franc';

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

const FROM_FRANC: ReadonlyMap<string, string> = new Map(Object.entries(TO_FRANC).map(([iso1, iso3]) => [iso3, iso1]));
const CANDIDATES = Object.values(TO_FRANC);

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

/** Long texts are identified from this many evenly spread windows of WINDOW characters. */
const WINDOWS = 5;
const WINDOW = 200;

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
  const code = franc(sample(text), { only: CANDIDATES, minLength: 1 });
  return FROM_FRANC.get(code);
}

/**
 * A check derived from an instruction's text, as Heed stores it with the instruction version. Most are
 * one catalogue check; a few phrasings people use have no single IFEval equivalent and are expressed as
 * alternatives ("at most 3 bullet points" passes when any of "exactly 0…3 bullet points" passes).
 */
import type { Check, InstructionId } from './catalogue.js';
import { languageName } from './language.js';

/** Where in the reply context a parameter is filled in when the check runs. */
export type CheckBinding = 'question';

/** One verifiable requirement found in an instruction text. */
export interface DerivedCheck {
  /** Short words for people: "at most 3 bullet points", "ends with 'Cheers'". */
  label: string;
  /** The requirement holds when any of these passes. Never empty. */
  anyOf: Check[];
  /**
   * `question`: the check's `prompt_to_repeat` is the message being answered, known only per reply
   * ("repeat my request before answering"). Its stored params lack that field until then.
   */
  bind?: CheckBinding;
}

/** The instruction type a derived check is about (all alternatives share it). */
export function typeOf(check: DerivedCheck): InstructionId {
  const first = check.anyOf[0];
  if (!first) throw new Error('a derived check needs at least one alternative');
  return first.id;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : [text(value)]);
const quoted = (items: string[]): string => items.map((item) => `'${item}'`).join(', ');

/** A relation and count in people's words: IFEval's "less than 5" reads "fewer than 5". */
function bound(relation: unknown, count: unknown, noun: string): string {
  return relation === 'less than' ? `fewer than ${text(count)} ${noun}` : `at least ${text(count)} ${noun}`;
}

/** Short words for one catalogue check, as `/instructions show` lists it. */
export function labelOf(check: Check): string {
  const p = check.params;
  switch (check.id) {
    case 'keywords:existence':
      return `includes ${quoted(list(p.keywords))}`;
    case 'keywords:frequency':
      return `'${text(p.keyword)}' ${bound(p.relation, p.frequency, 'times')}`;
    case 'keywords:forbidden_words':
      return `never says ${quoted(list(p.forbidden_words))}`;
    case 'keywords:letter_frequency':
      return `the letter '${text(p.letter)}' ${bound(p.let_relation, p.let_frequency, 'times')}`;
    case 'language:response_language':
      return `in ${languageName(text(p.language))}`;
    case 'length_constraints:number_sentences':
      return bound(p.relation, p.num_sentences, 'sentences');
    case 'length_constraints:number_paragraphs':
      return `exactly ${text(p.num_paragraphs)} paragraphs divided by ***`;
    case 'length_constraints:number_words':
      return bound(p.relation, p.num_words, 'words');
    case 'length_constraints:nth_paragraph_first_word':
      return (
        `${text(p.num_paragraphs)} paragraphs, ` +
        `paragraph ${text(p.nth_paragraph)} starting with '${text(p.first_word)}'`
      );
    case 'detectable_content:number_placeholders':
      return `at least ${text(p.num_placeholders)} [placeholders]`;
    case 'detectable_content:postscript':
      return `a postscript starting with ${text(p.postscript_marker)}`;
    case 'detectable_format:number_bullet_lists':
      return `exactly ${text(p.num_bullets)} bullet points`;
    case 'detectable_format:constrained_response':
      return 'answers yes, no or maybe ("My answer is …")';
    case 'detectable_format:number_highlighted_sections':
      return `at least ${text(p.num_highlights)} *highlighted* sections`;
    case 'detectable_format:multiple_sections':
      return `${text(p.num_sections)} sections marked ${text(p.section_spliter)} X`;
    case 'detectable_format:json_format':
      return 'JSON only';
    case 'detectable_format:title':
      return 'a title in <<double angular brackets>>';
    case 'combination:two_responses':
      return 'two different answers separated by ******';
    case 'combination:repeat_prompt':
      return 'repeats the request first';
    case 'startend:end_checker':
      return `ends with '${text(p.end_phrase)}'`;
    case 'startend:quotation':
      return 'wrapped in double quotation marks';
    case 'change_case:capital_word_frequency':
      return bound(p.capital_relation, p.capital_frequency, 'ALL-CAPS words');
    case 'change_case:english_capital':
      return 'English in capital letters only';
    case 'change_case:english_lowercase':
      return 'English in lowercase only';
    case 'punctuation:no_comma':
      return 'no commas';
  }
}

/** A derived check made of exactly one catalogue check. */
export function single(check: Check): DerivedCheck {
  return { label: labelOf(check), anyOf: [check] };
}

/** One line for people: "Checked on every reply: at most 3 bullet points · ends with 'Cheers'". */
export function listChecks(checks: readonly DerivedCheck[]): string {
  return checks.map((check) => check.label).join(' · ');
}

/**
 * The model extractor: asks the configured model, once per saved instruction version, to map the text
 * onto the catalogue as JSON. Every entry is validated with the catalogue's own schemas; output that is
 * not that JSON, or a refusal, counts for nothing and the rules result stands.
 */
import { z } from 'zod';
import { INSTRUCTION_IDS, parseCheck } from './catalogue.js';
import { single, type DerivedCheck } from './derived-check.js';

/** One chat message, as the model client takes it. */
export interface ExtractionMessage {
  role: 'system' | 'user';
  content: string;
}

/** Sends messages to the model and resolves with its whole reply text. */
export type CompleteText = (messages: ExtractionMessage[]) => Promise<string>;

/** What the model's answer was worth. Only `ok` contributes checks. */
export type ModelExtraction =
  { status: 'ok'; checks: DerivedCheck[] } | { status: 'invalid' | 'refused' | 'failed'; reason: string };

const PARAMS: Record<string, string> = {
  'keywords:existence': 'keywords: string[]',
  'keywords:frequency': "keyword: string, frequency: int, relation: 'less than' | 'at least'",
  'keywords:forbidden_words': 'forbidden_words: string[]',
  'keywords:letter_frequency': "letter: one letter, let_frequency: int, let_relation: 'less than' | 'at least'",
  'language:response_language': 'language: ISO 639-1 code such as "de"',
  'length_constraints:number_sentences': "num_sentences: int, relation: 'less than' | 'at least'",
  'length_constraints:number_paragraphs': 'num_paragraphs: int (paragraphs separated by ***)',
  'length_constraints:number_words': "num_words: int, relation: 'less than' | 'at least'",
  'length_constraints:nth_paragraph_first_word': 'num_paragraphs: int, nth_paragraph: int, first_word: string',
  'detectable_content:number_placeholders': 'num_placeholders: int (minimum of [placeholders])',
  'detectable_content:postscript': "postscript_marker: 'P.S.' | 'P.P.S'",
  'detectable_format:number_bullet_lists': 'num_bullets: int (exact count)',
  'detectable_format:number_highlighted_sections': 'num_highlights: int (minimum)',
  'detectable_format:multiple_sections': 'section_spliter: string such as "SECTION", num_sections: int',
  'combination:repeat_prompt': '{} (the request is filled in per reply)',
  'startend:end_checker': 'end_phrase: string',
  'change_case:capital_word_frequency': "capital_frequency: int, capital_relation: 'less than' | 'at least'",
};

/** The system message: the catalogue with its parameter names, and the rules of the answer. */
export const EXTRACTION_PROMPT = [
  "You map a person's standing instructions for a chat assistant onto a fixed catalogue of checks that a",
  "program can verify on every reply (IFEval's instruction types). Answer with JSON only, no prose:",
  '{"checks": [{"id": "<catalogue id>", "kwargs": {…}}]}',
  'Rules: include a check only when the text clearly asks for it on every reply. Leave out anything',
  'conditional ("if I ask for code…"), vague ("about 100 words", "keep it short") or not verifiable by a',
  'program (tone, style, expertise). "At most N" of a count with relations is relation "less than" N+1.',
  'When nothing qualifies, answer {"checks": []}.',
  'Catalogue (id: kwargs):',
  ...INSTRUCTION_IDS.map((id) => `- ${id}: ${PARAMS[id] ?? '{}'}`),
].join('\n');

const answerSchema = z.object({
  checks: z.array(z.object({ id: z.string(), kwargs: z.unknown().optional() })),
});

const REFUSAL = /\b(?:sorry|i can(?:'|no)t|i cannot|unable to|i won't|as an ai)\b/i;

/** Read the model's answer: JSON (optionally in a ``` fence) whose every entry the catalogue accepts. */
export function parseExtraction(answer: string): ModelExtraction {
  const body = answer
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '')
    .trim();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return REFUSAL.test(answer)
      ? { status: 'refused', reason: 'the model declined to map the text' }
      : { status: 'invalid', reason: 'the answer is not JSON' };
  }
  const shape = answerSchema.safeParse(json);
  if (!shape.success) return { status: 'invalid', reason: 'the JSON is not {"checks": [...]}' };
  const checks: DerivedCheck[] = [];
  for (const entry of shape.data.checks) {
    if (entry.id === 'combination:repeat_prompt') {
      checks.push({ label: 'repeats the request first', anyOf: [{ id: entry.id, params: {} }], bind: 'question' });
      continue;
    }
    const parsed = parseCheck(entry.id, entry.kwargs ?? null);
    // One bad entry means the model misread the catalogue; none of its answer is trusted then.
    if (!parsed.ok) return { status: 'invalid', reason: `${entry.id}: ${parsed.error}` };
    checks.push(single(parsed.check));
  }
  return { status: 'ok', checks };
}

/**
 * Ask the model once for the checks in `text`. Never throws: a model error is `failed`, so saving
 * instructions never depends on the model.
 */
export async function extractWithModel(text: string, complete: CompleteText): Promise<ModelExtraction> {
  let answer: string;
  try {
    answer = await complete([
      { role: 'system', content: EXTRACTION_PROMPT },
      { role: 'user', content: text },
    ]);
  } catch (error) {
    return { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  return parseExtraction(answer);
}

/**
 * Checks for one saved instruction text: the rules extractor always, the model extractor when a model
 * is configured, merged the same way every time.
 */
import type { DerivedCheck } from './derived-check.js';
import { typeOf } from './derived-check.js';
import { extractWithModel, type CompleteText, type ModelExtraction } from './extract-model.js';
import { extractRules, reconcile } from './extract-rules.js';

/** Which extractors produced a stored list of checks. */
export type Extractor = 'rules' | 'rules+model';

/** The checks of one instruction version and how they were found. */
export interface Derivation {
  checks: DerivedCheck[];
  extractor: Extractor;
}

/**
 * Merge deterministically: the rules' reading of a type wins (patterns read numbers and phrases
 * exactly); the model adds only types the rules did not find. Contradictions are then dropped and the
 * list is sorted in catalogue order.
 */
export function mergeChecks(rules: DerivedCheck[], model: DerivedCheck[]): DerivedCheck[] {
  const ruled = new Set(rules.map(typeOf));
  return reconcile([...rules, ...model.filter((check) => !ruled.has(typeOf(check)))]);
}

/** The rules result alone: synchronous, for the moment an instruction is saved. */
export function deriveByRules(text: string): Derivation {
  return { checks: extractRules(text), extractor: 'rules' };
}

/** Rules and model merged; when the model's answer is not usable, the rules result with its status. */
export async function deriveWithModel(
  text: string,
  complete: CompleteText,
): Promise<Derivation & { model: ModelExtraction }> {
  const rules = extractRules(text);
  const model = await extractWithModel(text, complete);
  if (model.status !== 'ok') return { checks: rules, extractor: 'rules', model };
  return { checks: mergeChecks(rules, model.checks), extractor: 'rules+model', model };
}

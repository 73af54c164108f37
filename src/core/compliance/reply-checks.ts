/**
 * Running the checks in force on one finished reply, and the words that follow from a miss: the note
 * for the asker and the correction message for a rewrite. Pure: the caller gathers the layers.
 */
import { parseCheck, runCheck, type Check, type InstructionId } from './catalogue.js';
import { typeOf, type DerivedCheck } from './derived-check.js';

/** The layers whose checks apply to a reply, in prompt order. */
export type CheckLayer = 'operator' | 'workspace' | 'channel' | 'user';

/** The checks one layer contributes for this reply. */
export interface LayerChecks {
  layer: CheckLayer;
  checks: readonly DerivedCheck[];
}

/** One check run on one reply. */
export interface CheckResult {
  layer: CheckLayer;
  id: InstructionId;
  label: string;
  ok: boolean;
  /** One plain sentence from the catalogue ("5 bullet points; at most 3 were asked for"). */
  detail: string;
}

/** Everything that ran on a reply; `passed` when nothing failed. */
export interface ReplyCheckResult {
  passed: boolean;
  results: CheckResult[];
}

function bound(check: Check, derived: DerivedCheck, question: string): Check | undefined {
  if (derived.bind !== 'question') return check;
  const parsed = parseCheck(check.id, { ...check.params, prompt_to_repeat: question });
  return parsed.ok ? parsed.check : undefined;
}

/** Run one derived check: it passes when any alternative passes. */
function runDerived(
  layer: CheckLayer,
  derived: DerivedCheck,
  reply: string,
  question: string,
): CheckResult | undefined {
  const outcomes = derived.anyOf.flatMap((alternative) => {
    const check = bound(alternative, derived, question);
    return check ? [runCheck(check, reply)] : [];
  });
  const last = outcomes.at(-1);
  if (!last) return undefined;
  const passing = outcomes.find((outcome) => outcome.ok);
  const base = { layer, id: typeOf(derived), label: derived.label };
  if (passing) return { ...base, ok: true, detail: passing.detail };
  if (outcomes.length === 1) return { ...base, ok: false, detail: last.detail };
  // Alternatives each say what they wanted ("exactly 3 were asked for"); the person asked for the label.
  const found = last.detail.split(';')[0]?.trim() ?? last.detail;
  return { ...base, ok: false, detail: `${found}; ${derived.label} were asked for.` };
}

/**
 * Run every layer's checks on the final reply text. `question` is the message answered (for "repeat
 * the request"). Identical checks from two layers run once, under the first layer that asked.
 */
export function checkReply(layers: readonly LayerChecks[], reply: string, question: string): ReplyCheckResult {
  const seen = new Set<string>();
  const results: CheckResult[] = [];
  for (const { layer, checks } of layers) {
    for (const derived of checks) {
      const key = JSON.stringify([derived.anyOf, derived.bind ?? null]);
      if (seen.has(key)) continue;
      seen.add(key);
      const result = runDerived(layer, derived, reply, question);
      if (result) results.push(result);
    }
  }
  return { passed: results.every((result) => result.ok), results };
}

/** The failed results of a check run. */
export function failedChecks(result: ReplyCheckResult): CheckResult[] {
  return result.results.filter((entry) => !entry.ok);
}

/** What the asker is told: "Missed your instructions: at most 3 bullet points (5 bullet points; …)". */
export function missNote(failed: readonly CheckResult[]): string {
  return `This reply missed ${failed.length === 1 ? 'an instruction' : `${failed.length} instructions`}: ${failed
    .map((entry) => `${entry.label} (${entry.detail.replace(/\.$/, '')})`)
    .join('; ')}.`;
}

/** The first line of every correction message, by which a rewrite's messages are told apart from the question. */
export const CORRECTION_HEADING = 'Your reply above did not follow these instructions:';

/** The one message a rewrite adds after the first reply: what was missed, and to answer again in full. */
export function correctionMessage(failed: readonly CheckResult[]): string {
  return [
    CORRECTION_HEADING,
    ...failed.map((entry) => `- ${entry.label}: ${entry.detail}`),
    'Write the whole reply again so that it follows every instruction. Reply with the new answer only.',
  ].join('\n');
}

/** How many checks passed and failed, as the applied line under a reply says it. */
export function checkCounts(result: ReplyCheckResult): { passed: number; failed: number } {
  const failed = result.results.filter((check) => !check.ok).length;
  return { passed: result.results.length - failed, failed };
}

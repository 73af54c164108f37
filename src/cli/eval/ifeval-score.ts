/**
 * Scoring as IFEval reports it: prompt-level (all of a prompt's instructions followed) and instruction-level
 * accuracy, strict and loose, and the same per instruction type; rendered as a table, as JSON, or as one
 * details line per prompt.
 */
import { runCheck, type InstructionId } from '../../core/compliance/catalogue.js';
import { at } from './eval-error.js';
import type { EvalCase } from './ifeval-files.js';

/** The verdicts for one instruction of one prompt. */
export interface InstructionVerdict {
  id: InstructionId;
  strict: boolean;
  loose: boolean;
  detail: string;
}

/** The verdicts for one prompt, in the order of its instructions. */
export interface PromptVerdict {
  key: string | number;
  prompt: string;
  instructions: InstructionVerdict[];
}

export interface TypeScore {
  count: number;
  strict: number;
  loose: number;
}

/** The four metrics and the per-type table, as fractions from 0 to 1. */
export interface EvalScores {
  prompt_level_strict: number;
  instruction_level_strict: number;
  prompt_level_loose: number;
  instruction_level_loose: number;
  by_instruction: Record<string, TypeScore>;
}

/**
 * Check every prompt's response against its instructions. Throws an EvalError naming the input line of the
 * first prompt that has no response.
 */
export function judge(
  cases: readonly EvalCase[],
  responses: ReadonlyMap<string, string>,
  inputFile: string,
  responsesFile: string,
): PromptVerdict[] {
  return cases.map((evalCase) => {
    const response = responses.get(evalCase.prompt);
    if (response === undefined) {
      throw at(
        inputFile,
        evalCase.line,
        `no response for this prompt in ${responsesFile}; every prompt needs one (matched by prompt text).`,
      );
    }
    const instructions = evalCase.checks.map((check) => {
      const strict = runCheck(check, response, 'strict');
      const loose = strict.ok ? strict : runCheck(check, response, 'loose');
      return {
        id: check.id,
        strict: strict.ok,
        loose: loose.ok,
        detail: loose.ok && !strict.ok ? loose.detail : strict.detail,
      };
    });
    return { key: evalCase.key, prompt: evalCase.prompt, instructions };
  });
}

const ratio = (hits: number, total: number): number => (total === 0 ? 0 : hits / total);
const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

/** The four metrics and per-type scores of a set of verdicts (fractions, rounded to four places). */
export function score(verdicts: readonly PromptVerdict[]): EvalScores {
  let promptStrict = 0;
  let promptLoose = 0;
  let instructions = 0;
  let instructionStrict = 0;
  let instructionLoose = 0;
  const byType = new Map<string, { count: number; strict: number; loose: number }>();
  for (const verdict of verdicts) {
    if (verdict.instructions.every((instruction) => instruction.strict)) promptStrict++;
    if (verdict.instructions.every((instruction) => instruction.loose)) promptLoose++;
    for (const instruction of verdict.instructions) {
      instructions++;
      if (instruction.strict) instructionStrict++;
      if (instruction.loose) instructionLoose++;
      const type = byType.get(instruction.id) ?? { count: 0, strict: 0, loose: 0 };
      type.count++;
      if (instruction.strict) type.strict++;
      if (instruction.loose) type.loose++;
      byType.set(instruction.id, type);
    }
  }
  const byInstruction: Record<string, TypeScore> = {};
  for (const id of [...byType.keys()].sort()) {
    const type = byType.get(id) ?? { count: 0, strict: 0, loose: 0 };
    byInstruction[id] = {
      count: type.count,
      strict: round4(ratio(type.strict, type.count)),
      loose: round4(ratio(type.loose, type.count)),
    };
  }
  return {
    prompt_level_strict: round4(ratio(promptStrict, verdicts.length)),
    instruction_level_strict: round4(ratio(instructionStrict, instructions)),
    prompt_level_loose: round4(ratio(promptLoose, verdicts.length)),
    instruction_level_loose: round4(ratio(instructionLoose, instructions)),
    by_instruction: byInstruction,
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`.padStart(8);

const row = (label: string, strict: number, loose: number): string =>
  `${label.padEnd(20)}${percent(strict)}${percent(loose)}`;

/** The scores as a plain-text table for a terminal. */
export function renderTable(scores: EvalScores, prompts: number): string {
  const instructions = Object.values(scores.by_instruction).reduce((sum, type) => sum + type.count, 0);
  const width = Math.max(...Object.keys(scores.by_instruction).map((id) => id.length), 'instruction'.length);
  const lines = [
    `IFEval: ${prompts} prompts, ${instructions} instructions`,
    '',
    `${''.padEnd(20)}${'strict'.padStart(8)}${'loose'.padStart(8)}`,
    row('prompt-level', scores.prompt_level_strict, scores.prompt_level_loose),
    row('instruction-level', scores.instruction_level_strict, scores.instruction_level_loose),
    '',
    `${'instruction'.padEnd(width)}${'count'.padStart(7)}${'strict'.padStart(8)}${'loose'.padStart(8)}`,
    ...Object.entries(scores.by_instruction).map(
      ([id, type]) =>
        `${id.padEnd(width)}${String(type.count).padStart(7)}${percent(type.strict)}${percent(type.loose)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** One JSON line per prompt, for `--details`. */
export function renderDetails(verdicts: readonly PromptVerdict[]): string {
  return verdicts.map((verdict) => `${JSON.stringify(verdict)}\n`).join('');
}

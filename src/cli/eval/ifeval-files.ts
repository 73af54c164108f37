/**
 * Reading IFEval's files: the input (`key`, `prompt`, `instruction_id_list`, `kwargs` per line) and responses
 * (`prompt`, `response` per line). Every problem is an EvalError naming the file and line; nothing is skipped
 * except blank lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Check, parseCheck } from '../../core/compliance/catalogue.js';
import { at, EvalError } from './eval-error.js';

/** One IFEval prompt with its checks, in the order of its `instruction_id_list`. */
export interface EvalCase {
  key: string | number;
  prompt: string;
  checks: Check[];
  /** 1-based line in the input file, for messages. */
  line: number;
}

const inputLine = z.object({
  key: z.union([z.number(), z.string()], { message: '"key" must be a number or text' }),
  prompt: z.string({ message: '"prompt" must be text' }),
  instruction_id_list: z.array(z.string(), { message: '"instruction_id_list" must be a list of instruction ids' }),
  kwargs: z.array(z.record(z.string(), z.unknown()).nullable(), { message: '"kwargs" must be a list of objects' }),
});

const responseLine = z.object({
  prompt: z.string({ message: '"prompt" must be text' }),
  response: z.string({ message: '"response" must be text' }),
});

/** The non-blank lines of a JSON-lines file, each parsed, with its 1-based line number. */
function* jsonLines(file: string, what: string): Generator<{ line: number; value: unknown }> {
  if (!existsSync(file)) throw new EvalError(`${file}: no such file; give the path of the ${what} file.`);
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [index, text] of lines.entries()) {
    if (text.trim() === '') continue;
    try {
      yield { line: index + 1, value: JSON.parse(text) as unknown };
    } catch (error) {
      throw at(file, index + 1, `not a JSON object (${(error as Error).message}); each line must be one JSON object.`);
    }
  }
}

function firstIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'is not valid';
  const key = issue.path[0];
  if (typeof input === 'object' && input !== null && key !== undefined && !(key in input))
    return `missing "${String(key)}"`;
  return issue.message;
}

/** Read and validate an IFEval input file. */
export function readInput(file: string): EvalCase[] {
  const cases: EvalCase[] = [];
  for (const { line, value } of jsonLines(file, 'IFEval input')) {
    const parsed = inputLine.safeParse(value);
    if (!parsed.success)
      throw at(
        file,
        line,
        `${firstIssue(parsed.error, value)}; each line needs key, prompt, instruction_id_list and kwargs.`,
      );
    const { key, prompt, instruction_id_list: ids, kwargs } = parsed.data;
    if (ids.length === 0)
      throw at(file, line, 'instruction_id_list is empty; each prompt needs at least one instruction.');
    if (kwargs.length !== ids.length) {
      throw at(
        file,
        line,
        `${ids.length} instruction ids but ${kwargs.length} kwargs; give one kwargs object per instruction.`,
      );
    }
    const checks = ids.map((id, index) => {
      const result = parseCheck(id, kwargs[index]);
      if (!result.ok) throw at(file, line, `instruction ${index + 1}: ${result.error}.`);
      return result.check;
    });
    cases.push({ key, prompt, checks, line });
  }
  if (cases.length === 0) throw new EvalError(`${file}: no prompts in the file; it must have one JSON object a line.`);
  return cases;
}

/** Read a responses file into a map from prompt to response; a later line for the same prompt wins. */
export function readResponses(file: string): Map<string, string> {
  const responses = new Map<string, string>();
  for (const { line, value } of jsonLines(file, 'responses')) {
    const parsed = responseLine.safeParse(value);
    if (!parsed.success)
      throw at(file, line, `${firstIssue(parsed.error, value)}; each line needs prompt and response.`);
    responses.set(parsed.data.prompt, parsed.data.response);
  }
  return responses;
}

/**
 * `--generate`: ask the configured model for every prompt that has no response yet, appending each answer to
 * the responses file as it arrives (so an interrupted run resumes where it stopped), a few requests at once,
 * with a progress bar on standard error.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { describeCheck } from '../../core/compliance/catalogue.js';
import { HeedError } from '../../core/errors.js';
import type { ModelClient } from '../../core/model/model-client.js';
import type { ChatMessage } from '../../core/prompt/chat-message.js';
import { buildSystemPrompt } from '../../core/prompt/system-prompt.js';
import type { EvalCase } from './ifeval-files.js';
import { readResponses } from './ifeval-files.js';
import { drawTasks } from './neutral-tasks.js';

/** Where the instructions go: in the user's message as IFEval writes them, or in Heed's system prompt. */
export type Placement = 'prompt' | 'instructions';

export interface GenerateOptions {
  out: string;
  concurrency: number;
  placement: Placement;
  seed: number;
  /** The operator's base prompt, for `instructions` placement. */
  basePrompt: string;
  /** Progress output (standard error); `isTTY` chooses a redrawn bar over occasional lines. */
  progress: { write(text: string): void; isTTY?: boolean };
}

export interface GenerateResult {
  generated: number;
  skipped: number;
  failures: { line: number; message: string }[];
}

/**
 * The messages sent for one case. With `prompt` placement the prompt goes as the user's message, alone, as
 * IFEval does. With `instructions` placement each instruction's description goes in the person's "how to
 * respond" layer of Heed's own system prompt and the user's message is a neutral task.
 */
export function messagesFor(
  evalCase: EvalCase,
  placement: Placement,
  task: string,
  basePrompt: string,
  today: string,
): ChatMessage[] {
  if (placement === 'prompt') return [{ role: 'user', content: evalCase.prompt }];
  const system = buildSystemPrompt({
    base: basePrompt,
    platform: 'terminal',
    today,
    respond: evalCase.checks.map(describeCheck).join('\n'),
  });
  return [
    { role: 'system', content: system },
    { role: 'user', content: task },
  ];
}

/** A model failure in the words shown to a person (the typed error's text, not its log detail). */
function messageOf(error: unknown): string {
  if (error instanceof HeedError) return error.userMessage;
  return error instanceof Error ? error.message : String(error);
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/** Generate the missing responses into `options.out`; model failures are collected, never thrown. */
export async function generateResponses(
  cases: readonly EvalCase[],
  model: ModelClient,
  options: GenerateOptions,
): Promise<GenerateResult> {
  const done = existsSync(options.out) ? readResponses(options.out) : new Map<string, string>();
  const tasks = drawTasks(cases.length, options.seed);
  const today = new Date().toISOString().slice(0, 10);
  const pending = cases
    .map((evalCase, index) => ({ evalCase, task: tasks[index] ?? '' }))
    .filter(({ evalCase }) => !done.has(evalCase.prompt));
  const result: GenerateResult = { generated: 0, skipped: cases.length - pending.length, failures: [] };
  let finished = 0;
  let lastReported = -1;
  const report = (): void => {
    if (options.progress.isTTY) options.progress.write(`\r${bar(finished, pending.length)}`);
    else {
      // Without a terminal, a line at every tenth keeps logs short.
      const tenth = pending.length === 0 ? 10 : Math.floor((finished / pending.length) * 10);
      if (tenth !== lastReported) options.progress.write(`${bar(finished, pending.length)}\n`);
      lastReported = tenth;
    }
  };
  report();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = pending[next++]; item !== undefined; item = pending[next++]) {
      const { evalCase, task } = item;
      try {
        const answer = await model.stream(
          messagesFor(evalCase, options.placement, task, options.basePrompt, today),
          () => {},
        );
        const line: Record<string, unknown> = { key: evalCase.key, prompt: evalCase.prompt, response: answer.text };
        if (options.placement === 'instructions') line.task = task;
        appendFileSync(options.out, `${JSON.stringify(line)}\n`);
        result.generated++;
      } catch (error) {
        result.failures.push({ line: evalCase.line, message: messageOf(error) });
      }
      finished++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(pending.length, 1)) }, worker));
  if (options.progress.isTTY) options.progress.write('\n');
  return result;
}

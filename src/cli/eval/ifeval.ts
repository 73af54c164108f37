/**
 * `npm run heed -- eval ifeval`: score responses against IFEval's verifiable instructions, or generate them
 * first with the configured model (`--generate`), optionally with the instructions placed in Heed's own
 * system prompt (`--placement instructions`). Usage mistakes and bad files exit with status 2; a model that
 * failed on some prompts exits with status 1 after saving what it answered.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../../config.js';
import { createLogger } from '../../core/logger.js';
import type { ModelClient } from '../../core/model/model-client.js';
import { modelFromConfig } from '../../app.js';
import { EvalError } from './eval-error.js';
import { readInput, readResponses } from './ifeval-files.js';
import { generateResponses, type Placement } from './ifeval-generate.js';
import { judge, renderDetails, renderTable, score } from './ifeval-score.js';

export const IFEVAL_USAGE = `Usage:
  npm run heed -- eval ifeval --input FILE --responses FILE [--json] [--details FILE]
  npm run heed -- eval ifeval --input FILE --generate --out FILE [--concurrency N]
                              [--placement prompt|instructions] [--seed N] [--json] [--details FILE]
`;

/** Where the command writes, and how it reads its configuration (only `--generate` needs it). */
export interface EvalIo {
  stdout(text: string): void;
  stderr: { write(text: string): void; isTTY?: boolean };
  loadConfig(): Config;
}

interface Options {
  input: string;
  responses: string;
  json: boolean;
  details?: string;
  generate: boolean;
  concurrency: number;
  placement: Placement;
  seed: number;
}

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/u.test(value) || Number(value) < min)
    throw new EvalError(`--${name} expects a whole number of at least ${min} (got "${value}").`);
  return Number(value);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string' },
        responses: { type: 'string' },
        json: { type: 'boolean', default: false },
        details: { type: 'string' },
        generate: { type: 'boolean', default: false },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        placement: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new EvalError(`${(error as Error).message}.\n${IFEVAL_USAGE}`);
  }
  if (values.input === undefined)
    throw new EvalError(`--input FILE is required (IFEval's input_data.jsonl).\n${IFEVAL_USAGE}`);
  const placement = values.placement ?? 'prompt';
  if (placement !== 'prompt' && placement !== 'instructions') {
    throw new EvalError(`--placement expects "prompt" or "instructions" (got "${placement}").`);
  }
  if (!values.generate) {
    for (const name of ['out', 'concurrency', 'placement', 'seed'] as const) {
      if (values[name] !== undefined) throw new EvalError(`--${name} only applies with --generate.`);
    }
    if (values.responses === undefined)
      throw new EvalError(`--responses FILE is required unless --generate is given.\n${IFEVAL_USAGE}`);
  } else {
    if (values.out === undefined)
      throw new EvalError('--generate needs --out FILE, where the responses are written (and resumed from).');
    if (values.responses !== undefined)
      throw new EvalError('--generate writes its responses to --out; leave out --responses.');
  }
  return {
    input: values.input,
    responses: values.generate ? (values.out ?? '') : (values.responses ?? ''),
    json: values.json,
    ...(values.details !== undefined ? { details: values.details } : {}),
    generate: values.generate,
    concurrency: wholeNumber('concurrency', values.concurrency, 4, 1),
    placement,
    seed: wholeNumber('seed', values.seed, 1, 0),
  };
}

function modelFrom(config: Config): ModelClient {
  // Model failures are reported once, in the summary; per-request log lines would break the progress bar.
  return modelFromConfig(config, createLogger({ level: 'silent' }));
}

/** Run `eval ifeval` with its arguments; resolves to the exit status. Throws EvalError on usage or file mistakes. */
export async function runIfevalCli(argv: string[], io: EvalIo): Promise<number> {
  const options = parseOptions(argv);
  const cases = readInput(options.input);
  if (options.generate) {
    const config = io.loadConfig();
    const model = modelFrom(config);
    if (!model.configured)
      throw new EvalError('--generate needs a model: set OPENAI_API_KEY or OPENAI_BASE_URL (see .env.example).');
    const result = await generateResponses(cases, model, {
      out: options.responses,
      concurrency: options.concurrency,
      placement: options.placement,
      seed: options.seed,
      basePrompt: config.HEED_BASE_PROMPT,
      progress: io.stderr,
    });
    io.stderr.write(`Generated ${result.generated} responses, ${result.skipped} already in ${options.responses}.\n`);
    if (result.failures.length > 0) {
      const first = result.failures[0];
      io.stderr.write(
        `${result.failures.length} prompts got no response ` +
          `(first: ${options.input}:${first?.line}: ${first?.message}). ` +
          'Run the same command again to retry them; answered prompts are kept.\n',
      );
      return 1;
    }
  }
  const verdicts = judge(cases, readResponses(options.responses), options.input, options.responses);
  const scores = score(verdicts);
  if (options.details !== undefined) writeFileSync(options.details, renderDetails(verdicts));
  io.stdout(options.json ? `${JSON.stringify(scores)}\n` : renderTable(scores, cases.length));
  return 0;
}

/**
 * Dispatch `heed eval <suite> …`; resolves to the exit status (2 on a usage or file mistake, with its sentence on
 * standard error).
 */
export async function runEvalCli(argv: string[], io: EvalIo): Promise<number> {
  try {
    const [suite, ...rest] = argv;
    if (suite !== 'ifeval')
      throw new EvalError(`Unknown evaluation "${suite ?? ''}"; the one available is "ifeval".\n${IFEVAL_USAGE}`);
    return await runIfevalCli(rest, io);
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
}

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEvalCli } from '../../src/cli/eval/ifeval.js';
import { parseConfig } from '../../src/config.js';
import { messagesOf, startFakeOpenAI, systemPromptOf, type FakeOpenAI } from '../support/fake-openai.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'heed-ifeval-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: readonly unknown[] | string): string {
  const path = join(dir, name);
  writeFileSync(path, typeof lines === 'string' ? lines : lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  return path;
}

const INPUT = [
  {
    key: 1,
    prompt: 'List three fruits.',
    instruction_id_list: ['detectable_format:number_bullet_lists'],
    kwargs: [{ num_bullets: 3 }],
  },
  {
    key: 2,
    prompt: 'Describe rain.',
    instruction_id_list: ['punctuation:no_comma', 'change_case:english_lowercase'],
    kwargs: [{}, {}],
  },
];
const RESPONSES = [
  { prompt: 'List three fruits.', response: '* apple\n* pear\n* plum' },
  { prompt: 'Describe rain.', response: 'Rain:\nwater falls from grey clouds and the streets shine' },
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runEvalCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    loadConfig: () => parseConfig(env),
  });
  return { code, stdout, stderr };
}

describe('heed eval ifeval (scoring)', () => {
  it('GIVEN input and responses THEN it prints the four metrics and a table per type', async () => {
    const result = await run([
      'ifeval',
      '--input',
      file('in.jsonl', INPUT),
      '--responses',
      file('out.jsonl', RESPONSES),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('IFEval: 2 prompts, 3 instructions');
    expect(result.stdout).toMatch(/prompt-level\s+50\.00%\s+100\.00%/u);
    expect(result.stdout).toMatch(/instruction-level\s+66\.67%\s+100\.00%/u);
    expect(result.stdout).toMatch(/change_case:english_lowercase\s+1\s+0\.00%\s+100\.00%/u);
  });

  it('GIVEN --json THEN standard output is one JSON object and nothing else', async () => {
    const result = await run([
      'ifeval',
      '--json',
      '--input',
      file('in.jsonl', INPUT),
      '--responses',
      file('out.jsonl', RESPONSES),
    ]);
    expect(JSON.parse(result.stdout)).toEqual({
      prompt_level_strict: 0.5,
      instruction_level_strict: 0.6667,
      prompt_level_loose: 1,
      instruction_level_loose: 1,
      by_instruction: {
        'change_case:english_lowercase': { count: 1, strict: 0, loose: 1 },
        'detectable_format:number_bullet_lists': { count: 1, strict: 1, loose: 1 },
        'punctuation:no_comma': { count: 1, strict: 1, loose: 1 },
      },
    });
  });

  it('GIVEN --details THEN it writes one line per prompt with verdicts in instruction order', async () => {
    const details = join(dir, 'details.jsonl');
    await run([
      'ifeval',
      '--input',
      file('in.jsonl', INPUT),
      '--responses',
      file('out.jsonl', RESPONSES),
      '--details',
      details,
    ]);
    const lines = readFileSync(details, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines[1]).toEqual({
      key: 2,
      prompt: 'Describe rain.',
      instructions: [
        { id: 'punctuation:no_comma', strict: true, loose: true, detail: 'No commas.' },
        {
          id: 'change_case:english_lowercase',
          strict: false,
          loose: true,
          detail: expect.stringContaining('without its first line'),
        },
      ],
    });
  });

  const errors: [string, () => string[], RegExp][] = [
    [
      'a line that is not JSON',
      () => ['--input', file('in.jsonl', '{"key": 1,\n'), '--responses', file('r.jsonl', RESPONSES)],
      /in\.jsonl:1: not a JSON object/u,
    ],
    [
      'a line missing a field',
      () => [
        '--input',
        file('in.jsonl', [INPUT[0], { key: 3, prompt: 'x', kwargs: [] }]),
        '--responses',
        file('r.jsonl', RESPONSES),
      ],
      /in\.jsonl:2: missing "instruction_id_list"/u,
    ],
    [
      'an unknown instruction id',
      () => [
        '--input',
        file('in.jsonl', [{ ...INPUT[0], instruction_id_list: ['format:haiku'] }]),
        '--responses',
        file('r.jsonl', RESPONSES),
      ],
      /in\.jsonl:1: instruction 1: unknown instruction id "format:haiku"/u,
    ],
    [
      'bad kwargs',
      () => [
        '--input',
        file('in.jsonl', [{ ...INPUT[0], kwargs: [{ num_bullets: 'three' }] }]),
        '--responses',
        file('r.jsonl', RESPONSES),
      ],
      /in\.jsonl:1: instruction 1: detectable_format:number_bullet_lists: "num_bullets" must be a number/u,
    ],
    [
      'kwargs that do not match the ids',
      () => ['--input', file('in.jsonl', [{ ...INPUT[0], kwargs: [] }]), '--responses', file('r.jsonl', RESPONSES)],
      /in\.jsonl:1: 1 instruction ids but 0 kwargs/u,
    ],
    [
      'a prompt without a response',
      () => ['--input', file('in.jsonl', INPUT), '--responses', file('r.jsonl', [RESPONSES[0]])],
      /in\.jsonl:2: no response for this prompt in .*r\.jsonl/u,
    ],
    [
      'a malformed responses line',
      () => [
        '--input',
        file('in.jsonl', INPUT),
        '--responses',
        file('r.jsonl', [RESPONSES[0], { prompt: 'Describe rain.' }]),
      ],
      /r\.jsonl:2: missing "response"/u,
    ],
    [
      'a missing file',
      () => ['--input', join(dir, 'nope.jsonl'), '--responses', file('r.jsonl', RESPONSES)],
      /nope\.jsonl: no such file/u,
    ],
    [
      'an empty input',
      () => ['--input', file('in.jsonl', '\n\n'), '--responses', file('r.jsonl', RESPONSES)],
      /no prompts in the file/u,
    ],
    ['no --input', () => ['--responses', file('r.jsonl', RESPONSES)], /--input FILE is required/u],
    ['no --responses', () => ['--input', file('in.jsonl', INPUT)], /--responses FILE is required unless --generate/u],
    ['an unknown option', () => ['--input', file('in.jsonl', INPUT), '--colour'], /Unknown option '--colour'/u],
    [
      '--out without --generate',
      () => ['--input', file('in.jsonl', INPUT), '--responses', 'r', '--out', 'x'],
      /--out only applies with --generate/u,
    ],
    [
      '--generate without --out',
      () => ['--input', file('in.jsonl', INPUT), '--generate'],
      /--generate needs --out FILE/u,
    ],
    [
      'a bad --concurrency',
      () => ['--input', file('in.jsonl', INPUT), '--generate', '--out', 'o', '--concurrency', '0'],
      /--concurrency expects a whole number of at least 1/u,
    ],
    [
      'a bad --placement',
      () => ['--input', file('in.jsonl', INPUT), '--generate', '--out', 'o', '--placement', 'system'],
      /--placement expects "prompt" or "instructions"/u,
    ],
  ];

  for (const [what, argv, message] of errors) {
    it(`GIVEN ${what} THEN it says so and exits with 2`, async () => {
      const result = await run(['ifeval', ...argv()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }

  it('GIVEN an unknown evaluation THEN it names the one available', async () => {
    const result = await run(['mmlu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the one available is "ifeval"');
  });

  it('GIVEN the npm entry point THEN `heed eval` is dispatched and a bad file exits with 2', async () => {
    const input = file('in.jsonl', 'not json\n');
    const bad = await runEntryWith(['eval', 'ifeval', '--input', input, '--responses', input]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('in.jsonl:1: not a JSON object');
  });
});

/** Run `npm run heed -- ARGS` as a child process, in the test's directory (so that no developer's .env is read). */
function runEntryWith(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../src/cli/heed.ts'), ...args],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('heed eval ifeval --generate', () => {
  let model: FakeOpenAI;

  beforeEach(async () => {
    model = await startFakeOpenAI();
  });

  afterEach(async () => {
    await model.close();
  });

  it('GIVEN the fake model THEN it writes each response, shows progress and scores them', async () => {
    model.enqueue({ reply: '* apple\n* pear\n* plum' }, { reply: 'water falls and the streets shine' });
    const out = join(dir, 'generated.jsonl');
    const result = await run(
      ['ifeval', '--input', file('in.jsonl', INPUT), '--generate', '--out', out, '--concurrency', '1', '--json'],
      {
        OPENAI_BASE_URL: model.url,
      },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ prompt_level_strict: 1, instruction_level_strict: 1 });
    expect(result.stderr).toContain('[##############################] 2/2');
    expect(result.stderr).toContain('Generated 2 responses, 0 already in');
    expect(messagesOf(model.requests[0]!)).toEqual([{ role: 'user', content: 'List three fruits.' }]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { prompt: string }).prompt).sort()).toEqual([
      'Describe rain.',
      'List three fruits.',
    ]);
  });

  it('GIVEN responses already in --out THEN only the missing prompts are sent', async () => {
    const out = file('generated.jsonl', [RESPONSES[0]]);
    model.enqueue({ reply: 'water falls and the streets shine' });
    const result = await run(['ifeval', '--input', file('in.jsonl', INPUT), '--generate', '--out', out], {
      OPENAI_BASE_URL: model.url,
    });
    expect(result.code).toBe(0);
    expect(model.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
    expect(result.stderr).toContain('Generated 1 responses, 1 already in');
  });

  it('GIVEN a model error THEN answered prompts are kept, it says how to resume and exits with 1', async () => {
    model.enqueue({ reply: '* a\n* b\n* c' }, { status: 401 });
    const out = join(dir, 'generated.jsonl');
    const result = await run(
      ['ifeval', '--input', file('in.jsonl', INPUT), '--generate', '--out', out, '--concurrency', '1'],
      {
        OPENAI_BASE_URL: model.url,
        OPENAI_MAX_RETRIES: '0',
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/1 prompts got no response \(first: .*in\.jsonl:2: /u);
    expect(result.stderr).toContain('Run the same command again');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('GIVEN --placement instructions THEN instructions go in the person layer and the task is neutral', async () => {
    const out = join(dir, 'placed.jsonl');
    const result = await run(
      [
        'ifeval',
        '--input',
        file('in.jsonl', INPUT),
        '--generate',
        '--out',
        out,
        '--placement',
        'instructions',
        '--seed',
        '7',
        '--concurrency',
        '2',
      ],
      { OPENAI_BASE_URL: model.url },
    );
    expect(result.code).toBe(0);
    const requests = model.requests.filter((request) => request.path.endsWith('/chat/completions'));
    const prompts = requests.map((request) => systemPromptOf(request));
    const bullets = prompts.find((prompt) => prompt.includes('exactly 3 bullet points'));
    expect(bullets).toMatch(
      /<user_instructions id="[^"]+">[\s\S]*Answer with exactly 3 bullet points[\s\S]*<\/user_instructions/u,
    );
    const tasks = requests.map((request) => messagesOf(request).at(-1)?.content);
    expect(tasks).not.toContain('List three fruits.');
    const saved = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { task: string });
    expect(saved.every((line) => typeof line.task === 'string' && line.task.length > 0)).toBe(true);
  });

  it('GIVEN no model configured THEN --generate says what to set and exits with 2', async () => {
    const result = await run([
      'ifeval',
      '--input',
      file('in.jsonl', INPUT),
      '--generate',
      '--out',
      join(dir, 'o.jsonl'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set OPENAI_API_KEY or OPENAI_BASE_URL');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messagesOf, startFakeOpenAI, systemPromptOf, type FakeOpenAI } from '../support/fake-openai.js';
import { runEntry } from '../support/run-entry.js';

let model: FakeOpenAI;
let dir: string;

/** Run `npm run chat`'s entry with `input` piped to standard input. */
function chat(input: string, env: Record<string, string>) {
  return runEntry('src/cli/chat.ts', {
    cwd: dir,
    input,
    env: { USER: 'tester', DATABASE_PATH: join(dir, 'heed.db'), ...env },
  });
}

beforeEach(async () => {
  model = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'heed-chat-'));
});

afterEach(async () => {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run chat', () => {
  it('GIVEN piped lines THEN runs commands, streams replies with the instructions, and rates the last reply', async () => {
    model.enqueue({ reply: 'Bonjour !' });
    const { code, stdout } = await chat('/instructions set Answer in French.\nhello\n/bad too short\n/quit\n', {
      OPENAI_BASE_URL: model.url,
      OPENAI_MAX_RETRIES: '0',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('Saved "How to respond" as version 1.');
    expect(stdout).toContain('Bonjour !');
    expect(stdout).toMatch(/Reported as an instruction-following failure/);
    expect(systemPromptOf(await model.waitForRequest(1))).toContain('Answer in French.');
  });

  it('GIVEN no model configured THEN still runs commands and explains how to point it at a model', async () => {
    const { code, stdout } = await chat('/instructions show\nhello\n', {});
    expect(code).toBe(0);
    expect(stdout).toContain('OPENAI_BASE_URL=http://127.0.0.1:11434/v1');
    expect(stdout).toContain('You have no custom instructions yet.');
    expect(stdout).toMatch(/not connected to a language model/);
    expect(model.requests).toHaveLength(0);
  });
});

describe('npm run chat: what shaped a reply (issue 15)', () => {
  const env = () => ({ OPENAI_BASE_URL: model.url, OPENAI_MAX_RETRIES: '0' });

  it('GIVEN instructions THEN a plain applied line under the reply, /why explains it, and applied off hides it', async () => {
    const { code, stdout } = await chat(
      '/instructions set Answer in French. STYLE-MARKER\nhello\n/why\n/instructions applied off\nhello again\n/quit\n',
      env(),
    );
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    // The fake model answers in English: the French check fails, and the line says so.
    const applied = 'Your instructions v1 · gpt-4o-mini · 1 check failed of 1 · /why explains';
    expect(lines.filter((line) => line === applied)).toHaveLength(1);
    expect(stdout).toContain('Why this answer? It was written by `gpt-4o-mini` with:');
    expect(stdout).toContain('> Answer in French. STYLE-MARKER');
    expect(stdout).toContain('I will no longer show the line');
  });

  it('GIVEN HEED_SHOW_APPLIED=never THEN no line; =always THEN a line without instructions', async () => {
    const never = await chat('/instructions set Be brief.\nhello\n/quit\n', { ...env(), HEED_SHOW_APPLIED: 'never' });
    expect(never.stdout).not.toContain('· gpt-4o-mini');
    const always = await chat('hello\n/quit\n', {
      ...env(),
      HEED_SHOW_APPLIED: 'always',
      DATABASE_PATH: join(dir, 'other.db'),
    });
    expect(always.stdout).toContain('No custom instructions · gpt-4o-mini · /why explains');
  });

  it('GIVEN /bad with a note THEN a drafted edit; /accept saves it as a new version, /dismiss keeps the old one', async () => {
    model.enqueue({ reply: 'Bonjour.' }, { reply: 'Answer in French.\nUse metric units.' });
    const accepted = await chat(
      '/instructions set Answer in French.\nhello\n/bad I said metric units\n/accept\n/instructions show\n/quit\n',
      env(),
    );
    expect(accepted.stdout).toContain('Suggested\n> Answer in French.\n> Use metric units.');
    expect(accepted.stdout).toContain('Saved "How to respond" as version 2.');
    expect(accepted.stdout).toContain('Your instructions, version 2');

    model.enqueue({ reply: 'Bonjour.' }, { reply: 'Answer in French, briefly.' });
    const dismissed = await chat(
      '/instructions set Answer in French.\nhello\n/bad too long\n/dismiss\n/instructions show\n/quit\n',
      {
        ...env(),
        DATABASE_PATH: join(dir, 'other.db'),
      },
    );
    expect(dismissed.stdout).toContain('Dismissed; your instructions are unchanged');
    expect(dismissed.stdout).toContain('Your instructions, version 1');
  });

  it('GIVEN /bad without a note THEN no draft is offered and the model is not asked', async () => {
    const { stdout } = await chat('/instructions set Be brief.\nhello\n/bad\n/quit\n', env());
    expect(stdout).toMatch(/Reported as an instruction-following failure/);
    expect(stdout).not.toContain('Suggested');
    expect(model.requests.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(1);
  });

  it('GIVEN a conversation longer than the context THEN the rules are restated and the line says older messages were left out', async () => {
    const long = 'tell me more about this subject '.repeat(50);
    const input = `/instructions set Answer in French. RULE-MARKER\n${[1, 2, 3, 4].map((n) => `${long}${n}`).join('\n')}\n/quit\n`;
    const { stdout } = await chat(input, { ...env(), MODEL_CONTEXT_TOKENS: '1000', OPENAI_MAX_OUTPUT_TOKENS: '100' });
    expect(stdout).toContain(
      'Your instructions v1 · gpt-4o-mini · older messages left out · 1 check failed of 1 · /why explains',
    );
    const last = messagesOf(await model.waitForRequest(4));
    expect(last.at(-2)).toMatchObject({ role: 'system' });
    expect(last.at(-2)?.content).toContain('RULE-MARKER');
  });

  it('GIVEN /instructions link THEN a one-time code; a wrong code is refused; unlink without a link says so', async () => {
    const { stdout } = await chat(
      '/instructions link\n/instructions link AAAA-BBBB\n/instructions unlink\n/quit\n',
      env(),
    );
    expect(stdout).toMatch(/Your link code is `[A-Z2-9]{4}-[A-Z2-9]{4}`\. On the other platform/);
    expect(stdout).toContain('That code is not valid');
    expect(stdout).toContain('This account is not linked to another.');
  });
});

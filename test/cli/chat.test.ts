import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, systemPromptOf, type FakeOpenAI } from '../support/fake-openai.js';
import { runEntry } from '../support/run-entry.js';

let model: FakeOpenAI;
let dir: string;

/** Run `npm run chat`'s entry with `input` piped to standard input. */
function chat(input: string, env: Record<string, string>) {
  return runEntry('src/cli/chat.ts', { cwd: dir, input, env: { USER: 'tester', DATABASE_PATH: join(dir, 'heed.db'), ...env } });
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

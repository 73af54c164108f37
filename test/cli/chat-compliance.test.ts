import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messagesOf, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { runEntry } from '../support/run-entry.js';

let model: FakeOpenAI;
let dir: string;

/** `npm run chat` with the fake model scripted to miss "no commas" first. */
function chat(input: string, mode: string) {
  return runEntry('src/cli/chat.ts', {
    cwd: dir,
    input,
    env: {
      USER: 'tester',
      DATABASE_PATH: join(dir, 'heed.db'),
      OPENAI_BASE_URL: model.url,
      OPENAI_MAX_RETRIES: '0',
      HEED_COMPLIANCE: mode,
    },
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

describe('npm run chat: replies checked against the instructions', () => {
  it('flag: a dim line names the miss, and /rewrite replaces the reply', async () => {
    model.enqueue({ reply: 'Well, hello.' }, { reply: 'Well hello.' });
    const { code, stdout } = await chat('/instructions set no commas\nhi\n/rewrite\n/rewrite\n', 'flag');
    expect(code).toBe(0);
    expect(stdout).toContain('Checked on every reply: no commas');
    expect(stdout).toContain(
      'This reply missed an instruction: no commas (1 comma; none were allowed). Type /rewrite to have me fix it.',
    );
    expect(stdout).toContain('(revised to follow your instructions)\nWell hello.');
    expect(stdout).toContain('This reply already follows every instruction I can check');
    expect(messagesOf(model.requests[1]!).at(-2)).toEqual({ role: 'assistant', content: 'Well, hello.' });
  });

  it('report: nothing is shown to the person', async () => {
    model.enqueue({ reply: 'Well, hello.' });
    const { stdout } = await chat('/instructions set no commas\nhi\n', 'report');
    expect(stdout).not.toContain('missed');
    expect(model.requests).toHaveLength(1);
  });

  it('off: nothing is checked', async () => {
    model.enqueue({ reply: 'Well, hello.' });
    const { stdout } = await chat('/instructions set no commas\nhi\n/rewrite\n', 'off');
    expect(stdout).not.toContain('missed an instruction');
    expect(stdout).toContain('This reply already follows every instruction I can check');
  });

  it('fix: the reply is revised by itself; a revision that misses again is flagged', async () => {
    model.enqueue(
      { reply: 'Well, hello.' },
      { reply: 'Well hello.' },
      { reply: 'Again, no.' },
      { reply: 'Still, no.' },
    );
    const { stdout } = await chat('/instructions set no commas\nhi\nagain\n', 'fix');
    expect(stdout).toContain('(revised to follow your instructions)\nWell hello.');
    expect(stdout).toContain('(revised to follow your instructions)\nStill, no.');
    expect(stdout.match(/missed an instruction/g)).toHaveLength(1);
    // The second question's history carries the revision the person saw, not the first text.
    expect(messagesOf(model.requests[2]!).some((message) => message.content === 'Well hello.')).toBe(true);
  });
});

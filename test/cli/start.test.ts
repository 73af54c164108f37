import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEntry } from '../support/run-entry.js';

let dir: string;

/** Run `npm start`'s entry from a temporary directory with only `env` set. */
function start(env: Record<string, string>) {
  return runEntry('src/main.ts', { cwd: dir, env: { DATABASE_PATH: join(dir, 'heed.db'), ...env } });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'heed-start-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('GIVEN no platform credentials THEN two lines say what to set and how to try locally, exit non-zero', async () => {
    const { code, stderr } = await start({});
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/SLACK_BOT_TOKEN.*DISCORD_TOKEN/);
    expect(lines[1]).toMatch(/npm run chat/);
  });

  it('GIVEN a wrong setting THEN one line names the variable, exit non-zero', async () => {
    const { code, stderr } = await start({ DISCORD_TOKEN: 'x', OPENAI_TIMEOUT_MS: 'soon' });
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe(
      'Configuration error: OPENAI_TIMEOUT_MS: expects a whole number from 100 to 600000 (got "soon")',
    );
  });
});

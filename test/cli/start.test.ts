import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;

/** Run `npm start`'s entry from a temporary directory (so no developer .env is read). */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../src/main.ts')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: join(dir, 'heed.db'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
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
    expect(stderr.trim()).toBe('Configuration error: OPENAI_TIMEOUT_MS: expects a whole number from 100 to 600000 (got "soon")');
  });
});

/**
 * Run one of Heed's entry points (`src/main.ts`, `src/cli/chat.ts`) from its source through tsx, never
 * a possibly stale build (test/cli/build.test.ts ties `npm start` to the build of the same entry), in a
 * child process whose working directory is `cwd` (a temporary directory, so that no developer's
 * `.env` is read) and whose environment is only `env` plus PATH.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface EntryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `entry` (relative to the repository root) to completion, with `input` on standard input. */
export function runEntry(
  entry: string,
  options: { cwd: string; env: Record<string, string>; input?: string },
): Promise<EntryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../..', entry)],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

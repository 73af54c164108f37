import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseDashboardArgs } from '../../src/dashboard/cli.js';
import { isLoopback, startDashboard } from '../../src/dashboard/server.js';
import { runEntry, type EntryResult } from '../support/run-entry.js';
import { tempDbPath, type TempDbPath } from '../support/temp-db.js';

let temp: TempDbPath;

beforeEach(() => {
  temp = tempDbPath('heed-dash-server-');
});

afterEach(() => {
  temp.cleanup();
});

/** `npm run heed -- dashboard …args` in a child process, from a temp directory with only `env`. */
function heedDashboard(args: string[], env: Record<string, string>): Promise<EntryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, '../../src/cli/heed.ts'),
        'dashboard',
        ...args,
      ],
      {
        cwd: temp.dir,
        env: { PATH: process.env.PATH ?? '', DATABASE_PATH: temp.path, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('starting the dashboard', () => {
  it('GIVEN a non-loopback address without HEED_DASHBOARD_TOKEN THEN exit 2 with one line saying why', async () => {
    const { code, stderr } = await heedDashboard(['--host', '0.0.0.0', '--port', '0'], {});
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('will not listen on 0.0.0.0 without HEED_DASHBOARD_TOKEN');
  });

  it('GIVEN npm start, HEED_DASHBOARD_PORT, a public address, no token THEN exit 2 before any platform', async () => {
    const { code, stderr } = await runEntry('src/main.ts', {
      cwd: temp.dir,
      env: { DATABASE_PATH: temp.path, DISCORD_TOKEN: 'x', HEED_DASHBOARD_PORT: '0', HEED_DASHBOARD_HOST: '0.0.0.0' },
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^The dashboard will not listen on 0\.0\.0\.0 without HEED_DASHBOARD_TOKEN[^\n]*$/);
  });

  it('GIVEN bad flags or a short token THEN a sentence says what to write', async () => {
    expect(() => parseDashboardArgs(['--port', 'abc'])).toThrow(
      '--port must be a whole number from 0 to 65535 (got "abc")',
    );
    expect(() => parseDashboardArgs(['--public'])).toThrow('Unknown option "--public"');
    expect(() => parseDashboardArgs(['--host'])).toThrow('--host needs a value');
    expect(parseDashboardArgs(['--host=::1', '--port', '3200'])).toEqual({ host: '::1', port: 3200 });
    expect(() => parseConfig({ HEED_DASHBOARD_TOKEN: 'short' })).toThrow(
      'HEED_DASHBOARD_TOKEN: expects at least 16 characters',
    );
    const { code, stderr } = await heedDashboard(['--port', '70000'], {});
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      '--port must be a whole number from 0 to 65535 (got "70000"). ' +
        'Usage: npm run heed -- dashboard [--host 127.0.0.1] [--port 3100]',
    );
  });

  it('GIVEN loopback and no token THEN a random token is made and only the printed link carries it', async () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopback)).toBe(false);
    const lines: string[] = [];
    const config = parseConfig({ DATABASE_PATH: temp.path });
    const dashboard = await startDashboard({
      config,
      logger: silentLogger(),
      port: 0,
      announce: (line) => lines.push(line),
    });
    try {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(dashboard.loginUrl);
      const login = await fetch(dashboard.loginUrl ?? '', { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const overview = await fetch(`${dashboard.url}/`, { headers: { cookie } });
      expect(overview.status).toBe(200);
      const token = new URL(dashboard.loginUrl ?? '').searchParams.get('token') ?? '';
      expect(await overview.text()).not.toContain(token);
    } finally {
      await dashboard.close();
    }
  });

  it('GIVEN HEED_DASHBOARD_TOKEN THEN nothing is announced and the token works as Bearer', async () => {
    const token = 'a-configured-token-of-some-length';
    const lines: string[] = [];
    const config = parseConfig({ DATABASE_PATH: temp.path, HEED_DASHBOARD_TOKEN: token });
    const dashboard = await startDashboard({
      config,
      logger: silentLogger(),
      port: 0,
      announce: (line) => lines.push(line),
    });
    try {
      expect(lines).toEqual([]);
      expect(dashboard.loginUrl).toBeUndefined();
      const response = await fetch(`${dashboard.url}/rules`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    } finally {
      await dashboard.close();
    }
  });
});

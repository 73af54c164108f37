/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core against the dashboard
 * served on 127.0.0.1 (as `npm run heed -- dashboard` serves it), with the fake OpenAI server behind
 * replay. Every page is screenshotted into test-output/dashboard/ (git-ignored) for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportsCli } from '../../src/cli/reports-cli.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { openDatabase } from '../../src/core/storage/index.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.js';
import { messagesOf, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { tempDbPath, type TempDbPath } from '../support/temp-db.js';
import { BASE_PROMPT, checkResult, Seeder } from './seed.js';

const SHOTS = join(import.meta.dirname, '../../test-output/dashboard');
const HOSTILE_NOTE =
  '<script>window.__pwned = 1</script>"><img src=x onerror="window.__pwned = 2"> <!channel> \u202Eevil';
const BULLETS = 'detectable_format:number_bullet_lists';
const HOSTILE_REPLY = '<a href="javascript:window.__pwned = 3">click</a> <svg onload="window.__pwned = 4">';

/** Debian's chromium, found on PATH as `.ci/run` installs it. */
function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'chromium is not installed: run `apt-get install -y chromium` (.ci/run does this when it is missing).',
    );
  }
}

let temp: TempDbPath;
let model: FakeOpenAI;
let dashboard: RunningDashboard;
let profile: string;
let context: BrowserContext;
let page: Page;
let hostileId: string;
let replayId: string;
let missedId: string;
const consoleErrors: string[] = [];

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Nothing from the hostile report may have run. */
async function expectNothingRan(): Promise<void> {
  // A string runs in the page: the tests are type-checked without the DOM library.
  expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  temp = tempDbPath('heed-dash-browser-');
  const db = await openDatabase(temp.path);
  const seed = new Seeder(db);
  await seed.setRules('workspace', {}, 'Answer in English.');
  await seed.setRules('channel', { channelId: 'C2' }, 'Keep answers under 100 words.');
  await seed.setRules('user', { userId: 'U9' }, 'Reply in three bullet points.', 'I am a nurse.');
  const day = 86_400_000;
  const start = Date.now() - 10 * day;
  for (let index = 0; index < 30; index++) {
    const id = await seed.report({
      at: new Date(start + index * 7 * 3_600_000),
      source: (['reaction', 'button', 'command'] as const)[index % 3] ?? 'reaction',
      channelId: index % 2 ? 'C1' : 'C2',
      question: `Question number ${index}`,
      model: index % 4 ? 'gpt-4o-mini' : 'llama3',
      // Every fifth reply missed its bullets: six in all.
      checks: [
        index % 5
          ? checkResult(BULLETS, true, 'exactly 3 bullet points', '3 bullet points.')
          : checkResult(BULLETS, false, 'exactly 3 bullet points', '1 bullet point; 3 were asked for.'),
      ],
    });
    if (index === 25) missedId = id;
  }
  const bulleted = checkResult(BULLETS, true, 'exactly 3 bullet points', '3 bullet points.');
  await seed.rewrite(missedId, '- Check the cable\n- Restart the router\n- Call support', [bulleted]);
  replayId = await seed.report({
    askerId: 'U9',
    channelId: 'C2',
    question: 'Give me three tips for night shifts',
    reply: 'One long paragraph.',
    note: 'Not in bullets',
  });
  await seed.setRules('user', { userId: 'U9' }, 'Reply in exactly three short bullet points.', 'I am a nurse.');
  hostileId = await seed.report({ note: HOSTILE_NOTE, reply: HOSTILE_REPLY, question: HOSTILE_NOTE, source: 'button' });
  await db.close();

  model = await startFakeOpenAI();
  const config = parseConfig({
    DATABASE_PATH: temp.path,
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: 'fake-model',
    HEED_BASE_PROMPT: BASE_PROMPT,
  });
  dashboard = await startDashboard({
    config,
    logger: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    announce: () => undefined,
  });

  // A temporary profile of its own, so no state leaks between runs or from a developer's chromium.
  profile = mkdtempSync(join(tmpdir(), 'heed-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    consoleErrors.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await dashboard?.close();
  await model?.close();
  temp?.cleanup();
});

describe('the dashboard in chromium', () => {
  it('GIVEN no session THEN it asks for the token, refuses a wrong one, and the printed link logs in', async () => {
    await page.goto(`${dashboard.url}/reports`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shoot('login');
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await expect(page.textContent('.notice.error')).resolves.toContain('That token is not right');
    expect(dashboard.loginUrl).toMatch(/\/login\?token=[\w-]{20,}$/);
    await page.goto(dashboard.loginUrl ?? '');
    // The token leaves the address bar at once.
    expect(page.url()).toBe(`${dashboard.url}/`);
    const cookies = await context.cookies();
    expect(cookies).toMatchObject([{ name: 'heed_session', httpOnly: true, sameSite: 'Strict' }]);
    // The refused login above is logged by chromium as a failed resource (401); later pages must log nothing.
    consoleErrors.length = 0;
  });

  it('THEN the overview draws its chart from the locally served Chart.js and lists the top failures', async () => {
    await page.goto(`${dashboard.url}/`);
    await page.waitForSelector('canvas[data-drawn="true"]');
    await expect(page.textContent('.summary')).resolves.toContain('32');
    await expect(page.textContent('.columns')).resolves.toContain('slack T1 #C2');
    await expect(page.textContent('.columns')).resolves.toContain('llama3');
    // The pass-rate chart is a second Chart.js chart, drawn from its own data: one line per check type.
    await page.waitForSelector('canvas#checks-per-day[data-drawn="true"]');
    const lines = await page.evaluate(
      `Chart.getChart(document.getElementById('checks-per-day')).data.datasets.map((set) => set.label)`,
    );
    expect(lines).toEqual([BULLETS]);
    await expect(page.textContent('table.check-shares')).resolves.toMatch(/30\s*24\s*80\.0%/);
    await shoot('overview');
  });

  it('THEN the filters narrow the list, and the page survives a search for markup', async () => {
    await page.goto(`${dashboard.url}/reports`);
    await expect(page.textContent('.count')).resolves.toContain('32 reports match');
    await page.selectOption('select[name=source]', 'button');
    await page.fill('input[name=channel]', 'C2');
    await page.click('form.filters button[type=submit]');
    expect(new URL(page.url()).searchParams.get('source')).toBe('button');
    const count = await page.textContent('.count');
    expect(count).toMatch(/\d+ reports match/);
    const sources = await page.$$eval('table.reports tbody tr td:nth-child(5)', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(new Set(sources)).toEqual(new Set(['button']));
    await page.goto(`${dashboard.url}/reports?q=${encodeURIComponent('<script>')}`);
    await expect(page.textContent('.count')).resolves.toContain('1 reports match');
    await expectNothingRan();
    await shoot('reports-filtered');
    await page.goto(`${dashboard.url}/reports`);
    await page.selectOption('select[name=check]', BULLETS);
    await page.click('form.filters button[type=submit]');
    expect(new URL(page.url()).searchParams.get('check')).toBe(BULLETS);
    await expect(page.textContent('.count')).resolves.toContain('6 reports match');
    await shoot('reports-failed-check');
  });

  it('THEN triage works in place and in bulk', async () => {
    await page.goto(`${dashboard.url}/reports?status=open`);
    // The top of the page as a small JPEG: this one is copied into the README (docs/dashboard.jpg).
    const top = { x: 0, y: 0, width: 1280, height: 560 };
    await page.screenshot({ path: join(SHOTS, 'reports.jpg'), type: 'jpeg', quality: 60, clip: top });
    const firstRow = page.locator('table.reports tbody tr').first();
    await firstRow.locator('button', { hasText: 'resolved' }).click();
    await expect(page.textContent('.notice.info')).resolves.toContain('1 report set to resolved.');
    await page.locator('table.reports tbody input[name=id]').nth(0).check();
    await page.locator('table.reports tbody input[name=id]').nth(1).check();
    await page.selectOption('form.triage select[name=status]', 'triaged');
    await page.click('button[name=bulk]');
    await expect(page.textContent('.notice.info')).resolves.toContain('2 reports set to triaged.');
    await page.goto(`${dashboard.url}/reports?status=triaged`);
    await expect(page.textContent('.count')).resolves.toContain('2 reports match');
    await shoot('reports-triaged');
  });

  it('THEN the export downloads the same lines as the CLI export', async () => {
    await page.goto(`${dashboard.url}/reports?status=open`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download]')]);
    const saved = await download.path();
    let cli = '';
    await runReportsCli(
      ['reports', 'export', '--format', 'jsonl', '--status', 'open'],
      parseConfig({ DATABASE_PATH: temp.path }),
      (text) => {
        cli += text;
      },
    );
    expect(readFileSync(saved, 'utf8')).toBe(cli);
    expect(cli.trim().split('\n')).toHaveLength(29);
  });

  it('THEN a hostile report shows its text and runs none of it', async () => {
    for (const path of [`/reports/${hostileId}`, `/reports/${hostileId}/replay`, '/reports', '/rules', '/']) {
      await page.goto(`${dashboard.url}${path}`);
      await expectNothingRan();
      expect(await page.$$('a[href^="javascript:"], img[src="x"], svg[onload]')).toHaveLength(0);
    }
    await page.goto(`${dashboard.url}/reports/${hostileId}`);
    await expect(page.textContent('pre.note')).resolves.toContain('<script>window.__pwned = 1</script>');
    await expect(page.textContent('pre.note')).resolves.toContain('⟦U+202E⟧evil');
    await shoot('report-hostile');
  });

  it('THEN a report shows its automatic checks, and the rewrite beside the reply with its own', async () => {
    await page.goto(`${dashboard.url}/reports/${missedId}`);
    await expect(page.textContent('.side.reported table.checks')).resolves.toContain(
      '1 bullet point; 3 were asked for.',
    );
    await expect(page.textContent('.side.rewrite pre.reply')).resolves.toContain('- Restart the router');
    await expect(page.textContent('.side.rewrite .checks-summary')).resolves.toBe('Passed every check.');
    await shoot('report-checks');
  });

  it("THEN a replay runs on the fake model with today's instructions, side by side, posted nowhere", async () => {
    model.enqueue({ reply: '- Sleep first\n- Eat light\n- Move often' });
    await page.goto(`${dashboard.url}/reports/${replayId}`);
    await expect(page.textContent('main')).resolves.toContain('user: v1 then');
    await shoot('report');
    await page.click('text=Replay against today');
    await page.click('text=Run a replay now');
    await page.waitForSelector('.side-by-side');
    const sides = await page.$$eval('.side pre.reply', (blocks) => blocks.map((block) => block.textContent));
    expect(sides).toEqual(['One long paragraph.', '- Sleep first\n- Eat light\n- Move often']);
    // Both sides carry the automatic checks: the original's layers and those in force for the replay.
    expect(await page.$$eval('.side table.checks', (tables) => tables.length)).toBe(2);
    const request = model.requests.at(-1);
    const sent = request ? messagesOf(request) : [];
    expect(sent[0]?.content).toContain('Reply in exactly three short bullet points.');
    expect(sent.at(-1)?.content).toBe('Give me three tips for night shifts');
    // The only requests the dashboard made went to the model.
    expect(model.requests.every((req) => req.path === '/v1/chat/completions')).toBe(true);
    await shoot('replay');
  });

  it('THEN the rules page lists workspace and channel rules only, and logout ends the session', async () => {
    await page.goto(`${dashboard.url}/rules`);
    await expect(page.textContent('main')).resolves.toContain('Keep answers under 100 words.');
    await expect(page.textContent('main')).resolves.not.toContain('I am a nurse.');
    await shoot('rules');
    await page.click('nav button:has-text("Log out")');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${dashboard.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await context.cookies()).toHaveLength(0);
    expect(consoleErrors).toEqual([]);
  });
});

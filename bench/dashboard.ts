/**
 * `npm run bench:dashboard`: the dashboard with 100,000 reports stored.
 *  1. Pages over HTTP on 127.0.0.1, as a browser gets them (Bearer auth, keep-alive): the overview, the
 *     reports list (first page, filtered, searched, by failed check type, a page 1,000 deep) and a report page
 *     with its automatic checks. Target (the
 *     issue's, for the reports and report pages; the overview is shown beside them): p99 under 200 ms.
 *  2. Baseline in the same run: the page 1,000 deep fetched with the naive LIMIT/OFFSET query against
 *     the keyset query the dashboard uses, both rendered the same way, in process; the ratio of medians.
 * Reports are written through Heed's own stores (real fenced system prompts, 4-message snapshots).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/core/logger.js';
import { openDatabase } from '../src/core/storage/index.js';
import { formatCursor, parseReportsQuery } from '../src/dashboard/filters.js';
import { reportsPage } from '../src/dashboard/pages.js';
import { DashboardQueries, PAGE_SIZE, type ReportRow } from '../src/dashboard/queries.js';
import { startDashboard } from '../src/dashboard/server.js';
import { tempDbPath } from '../test/support/temp-db.js';
import { checkResult, Seeder } from '../test/dashboard/seed.js';
import { ms, printTable, quantile } from './support/stats.js';

const REPORTS = Number(process.env.BENCH_REPORTS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARM_UP = 20;
// Page 1,001 at 100,000 reports (the middle of the list); proportionally less for a smaller BENCH_REPORTS.
const DEEP_PAGE = Math.min(1000, Math.floor(REPORTS / 50 / 2));
const TARGET_P99_MS = 200;
const TOKEN = 'bench-dashboard-token-0123456789';
const SOURCES = ['reaction', 'button', 'command', 'automatic'] as const;
const STATUSES = ['open', 'open', 'triaged', 'resolved'] as const;
// Check types each reply may have been checked for; two in three replies were checked.
const CHECK_TYPES = [
  ['detectable_format:number_bullet_lists', 'exactly 3 bullet points'],
  ['punctuation:no_comma', 'no commas'],
  ['language:response_language', 'in English'],
  ['length_constraints:number_words', 'fewer than 100 words'],
] as const;

/** A small deterministic PRNG, so every run stores the same reports. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const temp = tempDbPath('heed-bench-dashboard-');

async function seed(): Promise<number> {
  const started = performance.now();
  const db = await openDatabase(temp.path);
  const next = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  // Ending now, so that the overview's last 30 days hold a third of them.
  const end = Date.now();
  const span = 90 * 86_400_000;
  await db.transaction(async (tx) => {
    const seeder = new Seeder(tx);
    for (let workspace = 0; workspace < 20; workspace++) {
      await seeder.setRules('workspace', { workspaceId: `T${workspace}` }, 'Be courteous. Never share credentials.');
      for (let channel = 0; channel < 5; channel++) {
        await seeder.setRules(
          'channel',
          { workspaceId: `T${workspace}`, channelId: `C${channel}` },
          'Answer in English, briefly.',
        );
      }
    }
    for (let index = 0; index < REPORTS; index++) {
      const note =
        next() < 0.3
          ? `Ignored my instruction #${index % 97}: ${pick(['too long', 'not in bullets', 'wrong language'])}`
          : undefined;
      await seeder.report({
        at: new Date(end - span + Math.floor((index / REPORTS) * span)),
        workspaceId: `T${Math.floor(next() * 20)}`,
        channelId: `C${Math.floor(next() * 50)}`,
        askerId: `U${Math.floor(next() * 5000)}`,
        source: pick(SOURCES),
        status: pick(STATUSES),
        model: pick(['gpt-4o-mini', 'gpt-4.1', 'llama3.1:8b']),
        question: `Question ${index}: how do I set up the VPN for the ${pick(['sales', 'support', 'ops'])} team?`,
        reply: `Here is how to do it, step by step (${index}). `.repeat(8),
        ...(note ? { note } : {}),
        ...(next() < 2 / 3
          ? {
              checks: CHECK_TYPES.filter(() => next() < 0.5).map(([id, label]) =>
                checkResult(id, next() < 0.7, label, 'What the check found, in one sentence.'),
              ),
            }
          : {}),
      });
    }
  });
  await db.close();
  return performance.now() - started;
}

async function time(url: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < WARM_UP + samples; index++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
    if (index >= WARM_UP) times.push(elapsed);
  }
  return times;
}

async function timeInProcess(work: () => Promise<unknown>, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < WARM_UP + samples; index++) {
    const started = performance.now();
    await work();
    if (index >= WARM_UP) times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  console.log(`Seeding ${REPORTS.toLocaleString('en-US')} reports…`);
  const seedMs = await seed();
  console.log(`  done in ${(seedMs / 1000).toFixed(1)} s\n`);

  const config = parseConfig({ DATABASE_PATH: temp.path, HEED_DASHBOARD_TOKEN: TOKEN });
  const dashboard = await startDashboard({ config, logger: silentLogger(), port: 0 });
  const db = await openDatabase(temp.path);
  const queries = new DashboardQueries(db);
  try {
    // The cursor that starts page DEEP_PAGE + 1, found the slow way once.
    const deepRow = (await queries.listReportsAtOffset({}, DEEP_PAGE * PAGE_SIZE - 1, 1))[0];
    if (!deepRow) throw new Error('not enough reports for the deep page');
    const deepCursor = formatCursor({ createdAt: deepRow.createdAt, id: deepRow.id });
    const someReport = (await queries.listReportsAtOffset({}, Math.floor(REPORTS / 2), 1))[0]?.id ?? '';

    // The target covers the reports and report pages; the overview is measured beside them.
    const pages: [string, string, boolean][] = [
      ['/ (overview, last 30 days)', '/', false],
      ['/reports (first page)', '/reports', true],
      ['/reports?status=open&source=button', '/reports?status=open&source=button', true],
      ['/reports?channel=C7&workspace=T3', '/reports?platform=slack&workspace=T3&channel=C7', true],
      ['/reports?q=wrong language', '/reports?q=wrong%20language', true],
      ['/reports?check=punctuation:no_comma', '/reports?check=punctuation%3Ano_comma', true],
      ['/reports?check=…&status=resolved', '/reports?check=length_constraints%3Anumber_words&status=resolved', true],
      [`/reports page ${DEEP_PAGE + 1} (keyset)`, `/reports?before=${deepCursor}`, true],
      ['/reports/<id> (report page)', `/reports/${someReport}`, true],
    ];
    const rows: string[][] = [];
    const results: Record<string, { medianMs: number; p99Ms: number; targeted: boolean; met: boolean }> = {};
    for (const [name, path, targeted] of pages) {
      const times = await time(`${dashboard.url}${path}`, SAMPLES);
      const p99 = quantile(times, 0.99);
      const met = p99 < TARGET_P99_MS;
      results[name] = { medianMs: quantile(times, 0.5), p99Ms: p99, targeted, met };
      const verdict = targeted ? (met ? 'yes' : 'NO') : `${met ? 'yes' : 'no'} (not targeted)`;
      rows.push([name, String(times.length), ms(quantile(times, 0.5)), ms(p99), verdict]);
    }
    console.log(
      `HTTP on 127.0.0.1, ${SAMPLES} sequential requests each after ${WARM_UP} warm-up; ` +
        `target p99 < ${TARGET_P99_MS} ms`,
    );
    printTable(['page', 'n', 'median', 'p99', 'p99 < 200 ms'], rows);

    // Baseline: the same deep page, rendered the same way, fetched by OFFSET vs by cursor.
    const render = (pageRows: ReportRow[]) =>
      reportsPage({ csrf: 'x', query: { filter: {} }, raw: {}, page: { rows: pageRows }, total: REPORTS }).toString();
    const keysetQuery = parseReportsQuery({ before: deepCursor });
    const keyset = await timeInProcess(async () => render((await queries.listReports(keysetQuery)).rows), SAMPLES);
    const offset = await timeInProcess(
      async () => render(await queries.listReportsAtOffset({}, DEEP_PAGE * PAGE_SIZE)),
      SAMPLES,
    );
    const same =
      JSON.stringify((await queries.listReports(keysetQuery)).rows) ===
      JSON.stringify(await queries.listReportsAtOffset({}, DEEP_PAGE * PAGE_SIZE));
    const ratio = quantile(offset, 0.5) / quantile(keyset, 0.5);
    const baseline = { offsetMedianMs: quantile(offset, 0.5), keysetMedianMs: quantile(keyset, 0.5), ratio, same };
    console.log(
      `\nBaseline, in process (query + render), page ${DEEP_PAGE + 1} of 50 rows; both return the same rows: ${same}`,
    );
    printTable(
      ['pagination', 'n', 'median', 'p99'],
      [
        ['LIMIT/OFFSET (naive baseline)', String(offset.length), ms(quantile(offset, 0.5)), ms(quantile(offset, 0.99))],
        ['keyset (dashboard)', String(keyset.length), ms(quantile(keyset, 0.5)), ms(quantile(keyset, 0.99))],
      ],
    );
    console.log(`ratio of medians, baseline / dashboard: ${ratio.toFixed(1)}×`);
    const allMet = Object.values(results).every((result) => result.met || !result.targeted);
    console.log(`\nTarget p99 < ${TARGET_P99_MS} ms on the reports and report pages: ${allMet ? 'met' : 'NOT met'}`);
    writeFileSync(
      join(import.meta.dirname, 'results', 'dashboard.json'),
      `${JSON.stringify({ reports: REPORTS, samples: SAMPLES, pages: results, baseline }, null, 2)}\n`,
    );
  } finally {
    await db.close();
    await dashboard.close();
    temp.cleanup();
  }
}

await main();

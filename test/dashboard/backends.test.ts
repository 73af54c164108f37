/** Every dashboard page, filter, search, triage and export answer the same on SQLite and on PostgreSQL. */
import { expect, it } from 'vitest';
import { ComplianceService } from '../../src/core/compliance/service.js';
import { silentLogger } from '../../src/core/logger.js';
import { ModelClient } from '../../src/core/model/model-client.js';
import { PromptAssembler } from '../../src/core/prompt/prompt-assembler.js';
import { ComplianceStore, InstructionStore, ReplyLog, ReportStore } from '../../src/core/storage/index.js';
import { createDashboardApp } from '../../src/dashboard/app.js';
import { DashboardQueries } from '../../src/dashboard/queries.js';
import { eachBackend } from '../support/test-databases.js';
import { BASE_PROMPT, checkResult, Seeder } from './seed.js';

const TOKEN = 'test-dashboard-token-0123456789';
const BULLETS = 'detectable_format:number_bullet_lists';

eachBackend('dashboard', (database) => {
  it('GIVEN the same reports THEN every page, filter, search, triage and export answer the same', async () => {
    const db = database();
    const seed = new Seeder(db);
    await seed.setRules('workspace', {}, 'Be brief.');
    await seed.setRules('channel', { channelId: 'C2' }, 'English.');
    await seed.setRules('user', {}, 'Three bullets.', 'I am Ada');
    const base = Date.now() - 5 * 86_400_000;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push(
        await seed.report({
          at: new Date(base + Math.floor(i / 2) * 60_000),
          channelId: i % 3 ? 'C1' : 'C2',
          model: i % 2 ? 'm-a' : 'm-b',
          reply: i === 7 ? 'Restart the Router twice.' : `Reply ${i} 100%_odd`,
          ...(i === 9 ? { note: 'too TERSE' } : {}),
          source: i % 4 === 0 ? 'automatic' : 'reaction',
          ...(i % 5 === 0 ? { status: 'resolved' as const } : {}),
          ...(i % 2 ? { checks: [checkResult(BULLETS, i % 3 === 0, 'three bullets', 'd')] } : {}),
        }),
      );
    }

    const model = new ModelClient(
      { model: 'fake', maxOutputTokens: 64, timeoutMs: 1000, maxRetries: 0 },
      silentLogger(),
    );
    const app = createDashboardApp({
      db,
      token: TOKEN,
      model,
      prompts: new PromptAssembler(
        new InstructionStore(db),
        { basePrompt: BASE_PROMPT, contextTokens: 16_000, maxOutputTokens: 256, fenceKey: 'k' },
        () => new Date(),
      ),
      compliance: new ComplianceService({
        store: new ComplianceStore(db),
        instructions: new InstructionStore(db),
        logger: silentLogger(),
        basePrompt: BASE_PROMPT,
      }),
      logger: silentLogger(),
    });
    const login = await app.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const get = async (path: string) => {
      const response = await app.request(path, { headers: { cookie } });
      const text = await response.text();
      expect(response.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
      return text;
    };
    const count = async (query: string) =>
      /<strong>(\d+)<\/strong> reports? match/.exec(await get(`/reports${query}`))?.[1];
    expect(await count('')).toBe('60');
    expect(await count('?q=router%20TW')).toBe('1');
    expect(await count('?q=terse')).toBe('1');
    expect(await count('?q=100%25_')).toBe('59');
    expect(await count('?q=0%25x')).toBe('0');
    expect(await count('?platform=slack&workspace=T1&channel=C2')).toBe('20');
    expect(await count('?channel=C2')).toBe('20');
    expect(await count(`?check=${encodeURIComponent(BULLETS)}`)).toBe('20');
    expect(await count('?status=resolved&source=automatic')).toBe('3');

    // Walk every page, newest first, with and without search.
    for (const start of ['/reports', '/reports?q=Reply']) {
      const seen: string[] = [];
      let path: string | undefined = start;
      while (path) {
        const page = await get(path);
        seen.push(...[...page.matchAll(/name="id" value="([0-9a-z]+)"/g)].map((m) => m[1] ?? ''));
        path = /href="([^"]+)" rel="next"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
      }
      expect(new Set(seen).size, start).toBe(start.includes('q=') ? 59 : 60);
    }

    const overview = await get('/');
    expect(overview).toContain('<th>automatic</th>');
    const queries = new DashboardQueries(db);
    const figures = await queries.overview(new Date(base - 86_400_000).toISOString());
    expect(figures.total).toBe(60);
    expect(figures.open).toBe(48);
    expect(figures.models.map((m) => m.label).sort()).toEqual(['m-a', 'm-b']);
    expect(figures.channels).toHaveLength(2);
    expect(figures.checksPerDay.reduce((sum, day) => sum + day.total, 0)).toBe(30);
    expect(figures.checksPerDay.reduce((sum, day) => sum + day.passed, 0)).toBe(10);
    const first = await queries.listReports({ filter: {} });
    expect(first.rows[0]?.question).toBe('How do I reset my password?');
    expect(await queries.listReportsAtOffset({}, 10, 5)).toEqual(first.rows.slice(10, 15));

    expect(await get(`/reports/${ids[1]}`)).toContain('Reply 1 100%_odd');

    expect(await get('/rules')).toContain('Be brief.');

    const csrf = /name="_csrf" value="([^"]+)"/.exec(await get('/reports'))?.[1] ?? '';
    const triage = await app.request('/reports/triage', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams([
        ['_csrf', csrf],
        ['id', ids[2]!],
        ['id', ids[3]!],
        ['status', 'triaged'],
        ['bulk', '1'],
        ['return', '/reports'],
      ]),
    });
    expect(triage.headers.get('location')).toBe('/reports?triaged=2&to=triaged');
    expect(await queries.auditTrail(ids[2]!)).toMatchObject([
      { reportId: ids[2], fromStatus: 'open', toStatus: 'triaged' },
    ]);
    const replay = await app.request(`/reports/${ids[4]}/replay`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(await replay.text()).toContain('The replay failed');
    expect(await queries.replays(ids[4]!)).toMatchObject([{ status: 'failed', error: 'model_not_configured' }]);
    expect(await get(`/reports/${ids[4]}`)).toContain('triage');

    const exported = await get('/reports?format=jsonl&status=triaged');
    expect(exported.trim().split('\n')).toHaveLength(2);

    await new ReportStore(db).setNote(ids[9]!, 'U1', 'now "quotes"');
    expect(await count('?q=terse')).toBe('0');
    expect(await count('?q=%22QUOTES%22')).toBe('1');
    await new ReplyLog(db).forgetAsker({ platform: 'slack', workspaceId: 'T1', userId: 'U1' });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReportsCli } from '../../src/cli/reports-cli.js';
import { parseConfig } from '../../src/config.js';
import { ComplianceStore, ReplyLog, ReportStore } from '../../src/core/storage/index.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import { dashboardHarness, TOKEN, type DashboardHarness } from './harness.js';
import { checkResult } from './seed.js';

let dash: DashboardHarness;

const HOSTILE = [
  '<script>window.__pwned = 1</script>',
  '"><img src=x onerror="window.__pwned = 2">',
  '<a href="javascript:alert(1)">click me</a>',
  '<!channel> everyone look',
  'evil\u202Etxt.exe',
].join('\n');

beforeEach(async () => {
  dash = await dashboardHarness();
});

afterEach(async () => {
  await dash.close();
});

describe('GIVEN no session', () => {
  it('THEN every data page and asset redirects to /login or answers 401', async () => {
    for (const path of [
      '/',
      '/reports',
      '/reports?format=jsonl',
      '/rules',
      '/reports/x',
      '/reports/x/replay',
      '/logout',
    ]) {
      const response = await dash.request(path);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location')).toBe('/login');
    }
    for (const path of ['/assets/chart.umd.min.js', '/assets/dashboard.js']) {
      expect((await dash.request(path)).status, path).toBe(401);
    }
    expect(
      (await dash.request('/reports/triage', { method: 'POST', body: new URLSearchParams({ one: 'x:resolved' }) }))
        .status,
    ).toBe(401);
  });

  it('THEN the login form sets an HttpOnly SameSite=Strict cookie for the right token only', async () => {
    const wrong = await dash.request('/login', { method: 'POST', body: new URLSearchParams({ token: 'nope' }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That token is not right');
    const right = await dash.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^heed_session=[\w-]{20,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain(TOKEN);
  });

  it('THEN failed logins are limited per address, even with the right token afterwards', async () => {
    await dash.close();
    dash = await dashboardHarness({ loginAttemptsPerMinute: 3 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(
        (await dash.request('/login', { method: 'POST', body: new URLSearchParams({ token: 'guess' }) })).status,
      ).toBe(401);
    }
    const limited = await dash.request('/login', { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many failed logins');
  });

  it('THEN a script may use Authorization: Bearer, and a wrong one is refused', async () => {
    await dash.seed.report({ note: 'bearer note' });
    const ok = await dash.request('/reports?format=jsonl', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('bearer note');
    expect((await dash.request('/reports', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});

describe('GIVEN a logged-in browser', () => {
  beforeEach(async () => {
    await dash.login();
  });

  it('THEN state changes without the CSRF token are refused and change nothing', async () => {
    const id = await dash.seed.report();
    const forged = await dash.request('/reports/triage', {
      method: 'POST',
      body: new URLSearchParams({ one: `${id}:resolved` }),
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('did not come from this dashboard');
    const wrong = await dash.post('/reports/triage', [
      ['one', `${id}:resolved`],
      ['_csrf', 'forged'],
    ]);
    expect(wrong.status).toBe(400);
    expect(await (await dash.request(`/reports/${id}`)).text()).toContain('<span class="status open">open</span>');
    expect((await dash.request('/logout', { method: 'POST' })).status).toBe(400);
  });

  it('THEN hostile notes, replies, questions and rules are shown as text, never as markup', async () => {
    await dash.seed.setRules('workspace', {}, HOSTILE);
    await dash.seed.setRules('user', {}, HOSTILE, HOSTILE);
    const id = await dash.seed.report({
      note: HOSTILE,
      reply: HOSTILE,
      question: HOSTILE,
      channelId: '"><script>x</script>',
    });
    for (const path of [
      '/',
      '/reports',
      `/reports/${id}`,
      `/reports/${id}/replay`,
      '/rules',
      '/reports?q=%3Cscript%3E',
    ]) {
      const page = await (await dash.request(path)).text();
      expect(page, path).not.toMatch(/<script>window|<img src=x|<a href="javascript:|onerror="window/);
      expect(page, path).not.toContain('\u202E');
    }
    const report = await (await dash.request(`/reports/${id}`)).text();
    expect(report).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(report).toContain('&lt;!channel&gt; everyone look');
    expect(report).toContain('evil⟦U+202E⟧txt.exe');
    const response = await dash.request('/reports');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('THEN no page shows the dashboard token or the model API key', async () => {
    await dash.seed.report();
    for (const path of ['/', '/reports', '/rules', '/logout']) {
      const page = await (await dash.request(path)).text();
      expect(page).not.toContain(TOKEN);
      expect(page).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
    }
  });

  it('THEN filters narrow the list and a wrong filter says what to write', async () => {
    await dash.seed.report({ question: 'slack question', source: 'reaction' });
    await dash.seed.report({
      question: 'discord question',
      platform: 'discord',
      workspaceId: 'G1',
      channelId: 'D9',
      source: 'button',
    });
    await dash.seed.report({ question: 'resolved one', status: 'resolved', note: 'needle in a note' });
    const bySource = await (await dash.request('/reports?source=button')).text();
    expect(bySource).toContain('discord question');
    expect(bySource).not.toContain('slack question');
    const byChannel = await (await dash.request('/reports?channel=D9')).text();
    expect(byChannel).toContain('<strong>1</strong> reports match');
    const search = await (await dash.request('/reports?q=needle')).text();
    expect(search).toContain('resolved one');
    expect(search).not.toContain('discord question');
    const byStatus = await (await dash.request('/reports?status=open')).text();
    expect(byStatus).toContain('<strong>2</strong> reports match');
    const bad = await dash.request('/reports?status=lost');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain(
      'status must be one of open, triaged, resolved, withdrawn (got &quot;lost&quot;)',
    );
    const check = await dash.request('/reports?check=length');
    expect(check.status).toBe(400);
    expect(await check.text()).toContain('check must be a check type such as keywords:existence');
  });

  it('THEN search finds notes and replies by substring, follows note edits, forgets what forget-me drops', async () => {
    const id = await dash.seed.report({ askerId: 'U5', reply: 'Restart the Router twice.', note: 'too terse' });
    await dash.seed.report({ askerId: 'U6', reply: 'Something else entirely.' });
    const count = async (q: string) =>
      /<strong>(\d+)<\/strong> reports match/.exec(
        await (await dash.request(`/reports?q=${encodeURIComponent(q)}`)).text(),
      )?.[1];
    expect(await count('router tw')).toBe('1');
    expect(await count('TERSE')).toBe('1');
    await new ReportStore(dash.temp.db).setNote(id, 'U5', 'now about "quotes" and 100% odd_chars');
    expect(await count('terse')).toBe('0');
    expect(await count('"quotes" and 100%')).toBe('1');
    expect(await (await dash.request('/reports?q=ab')).text()).toContain('Search needs at least 3 characters.');
    await new ReplyLog(dash.temp.db).forgetAsker({ platform: 'slack', workspaceId: 'T1', userId: 'U5' });
    expect(await count('router')).toBe('0');
    expect(await dash.temp.db.get('SELECT count(*) AS n FROM report_search')).toEqual({ n: 1 });
  });

  it('THEN a replay with no model configured is stored as failed and says what to set, without crashing', async () => {
    const id = await dash.seed.report();
    const csrf = await dash.csrf(`/reports/${id}/replay`);
    const page = await (
      await dash.request(`/reports/${id}/replay`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) })
    ).text();
    expect(page).toContain('The replay failed: I&#39;m not connected to a language model yet.');
    expect(await dash.temp.db.all('SELECT status, error FROM replays')).toEqual([
      { status: 'failed', error: 'model_not_configured' },
    ]);
  });

  it('THEN pages are cut by a cursor and every report appears exactly once', async () => {
    const base = Date.parse('2026-11-01T00:00:00.000Z');
    const ids = new Set<string>();
    // Two reports share each timestamp, so the id must break the tie.
    for (let index = 0; index < 120; index++)
      ids.add(await dash.seed.report({ at: new Date(base + Math.floor(index / 2) * 1000) }));
    const walk = async (start: string) => {
      const seen: string[] = [];
      let path: string | undefined = start;
      while (path) {
        const page: string = await (await dash.request(path)).text();
        seen.push(...[...page.matchAll(/name="id" value="([0-9a-z]+)"/g)].map((match) => match[1] ?? ''));
        const older: string | undefined = /href="([^"]+)" rel="next"/.exec(page)?.[1];
        path = older?.replaceAll('&amp;', '&');
      }
      return seen;
    };
    const seen = await walk('/reports');
    expect(seen).toHaveLength(120);
    expect(new Set(seen)).toEqual(ids);
    // A search pages through the text index instead (filing order, so ties may come the other way round).
    const searched = await walk('/reports?q=Security');
    expect(searched).toHaveLength(120);
    expect(new Set(searched)).toEqual(ids);
    const second =
      /href="([^"]+)" rel="next"/.exec(await (await dash.request('/reports')).text())?.[1]?.replaceAll('&amp;', '&') ??
      '';
    const back =
      /href="([^"]+)" rel="prev"/.exec(await (await dash.request(second)).text())?.[1]?.replaceAll('&amp;', '&') ?? '';
    const firstAgain = [...(await (await dash.request(back)).text()).matchAll(/name="id" value="([0-9a-z]+)"/g)].map(
      (m) => m[1],
    );
    expect(firstAgain).toEqual(seen.slice(0, 50));
    expect((await dash.request('/reports?before=garbage')).status).toBe(400);
  });

  it('THEN triage works one at a time and in bulk, and each change is logged with when and from where', async () => {
    const first = await dash.seed.report();
    const second = await dash.seed.report();
    const third = await dash.seed.report();
    const one = await dash.post('/reports/triage', [
      ['one', `${first}:triaged`],
      ['return', '/reports?status=open'],
    ]);
    expect(one.status).toBe(303);
    expect(one.headers.get('location')).toBe('/reports?status=open&triaged=1&to=triaged');
    const bulk = await dash.post('/reports/triage', [
      ['id', second],
      ['id', third],
      ['status', 'resolved'],
      ['bulk', '1'],
      ['return', '/reports'],
    ]);
    expect(bulk.headers.get('location')).toBe('/reports?triaged=2&to=resolved');
    expect(await (await dash.request('/reports?triaged=2&to=resolved')).text()).toContain('2 reports set to resolved.');
    const audit = await dash.temp.db.all(
      'SELECT report_id, from_status, to_status, remote, at FROM dashboard_audit ORDER BY id',
    );
    expect(audit).toMatchObject([
      { report_id: first, from_status: 'open', to_status: 'triaged', remote: 'unknown' },
      { report_id: second, to_status: 'resolved' },
      { report_id: third, to_status: 'resolved' },
    ]);
    expect(await (await dash.request(`/reports/${first}`)).text()).toContain('triage open → triaged from unknown');
    const none = await dash.post('/reports/triage', [
      ['status', 'resolved'],
      ['bulk', '1'],
      ['return', 'https://evil.example/'],
    ]);
    expect(none.headers.get('location')).toBe('/reports?notice=none-selected');
    const withdrawn = await dash.post('/reports/triage', [['one', `${first}:withdrawn`]]);
    expect(withdrawn.headers.get('location')).toBe('/reports?notice=bad-status');
  });

  it('THEN the export is the same lines as the CLI export, for the same filter', async () => {
    await dash.seed.report({ note: 'first', at: new Date('2026-11-01T10:00:00Z') });
    await dash.seed.report({ note: 'second', status: 'resolved', at: new Date('2026-11-02T10:00:00Z') });
    const config = parseConfig({ DATABASE_PATH: dash.temp.path });
    for (const [query, flags] of [
      ['', []],
      ['?status=resolved', ['--status', 'resolved']],
    ] as const) {
      let cli = '';
      await runReportsCli(['reports', 'export', '--format', 'jsonl', ...flags], config, (text) => {
        cli += text;
      });
      const response = await dash.request(`/reports${query}${query ? '&' : '?'}format=jsonl`);
      expect(response.headers.get('content-type')).toContain('application/x-ndjson');
      expect(await response.text()).toBe(cli);
    }
  });

  it('THEN the report page marks fenced layers with their versions and diffs instructions then and now', async () => {
    await dash.seed.setRules('channel', {}, 'Answer in English.');
    await dash.seed.setRules('user', {}, 'Use three bullet points.');
    const id = await dash.seed.report({ note: 'Not bullets' });
    await dash.seed.setRules('user', {}, 'Use exactly three bullet points.');
    const page = await (await dash.request(`/reports/${id}`)).text();
    expect(page).toMatch(
      /<div class="layer channel_rules"><div class="layer-name">channel_rules · v1 · fence [0-9a-f]{8}<\/div>/,
    );
    expect(page).toMatch(/user_instructions · v1 · fence/);
    expect(page).toContain('operator_rules · configuration');
    expect(page).toContain('user: v1 then,\n            v2 now');
    expect(page).toContain('<span class="removed">Use three bullet points.');
    expect(page).toContain('<span class="added">Use exactly three bullet points.');
    expect(page).toContain('Earlier question in the thread');
    expect((await dash.request('/reports/nope')).status).toBe(404);
  });

  it('THEN the rules page shows workspace and channel rules with history, but no personal instructions', async () => {
    await dash.seed.setRules('workspace', {}, 'Be brief.');
    await dash.seed.setRules('workspace', {}, 'Be very brief.');
    await dash.seed.setRules('channel', { channelId: 'C7' }, 'Only English.');
    await dash.seed.setRules('user', {}, 'My secret preference');
    const page = await (await dash.request('/rules')).text();
    expect(page).toContain('slack T1 · workspace rules');
    expect(page).toContain('slack T1 · #C7 channel rules');
    expect(page).toContain('History (2 versions)');
    expect(page).toContain('Be brief.');
    expect(page).not.toContain('My secret preference');
  });

  it('THEN the overview counts failures (not withdrawn ones) and ranks channels, versions and models', async () => {
    await dash.seed.setRules('channel', { channelId: 'C2' }, 'Be brief.');
    await dash.seed.report({ channelId: 'C2', model: 'model-a' });
    await dash.seed.report({ channelId: 'C2', model: 'model-a', status: 'resolved' });
    await dash.seed.report({ channelId: 'C3', model: 'model-b' });
    await dash.seed.report({ channelId: 'C3', model: 'model-b', status: 'withdrawn' });
    const page = await (await dash.request('/')).text();
    expect(page).toContain('<strong>3</strong> failure reports');
    expect(page).toContain('2 open</a>');
    const entry = /<span class="label">([^<]+)<\/span>\s*<meter[^>]*><\/meter>\s*<span class="count">(\d+)/g;
    const ranked = [...page.matchAll(entry)];
    expect(ranked.map((match) => `${match[1]}=${match[2]}`)).toEqual([
      'slack T1 #C2=2',
      'slack T1 #C3=1',
      'slack T1 · workspace v– · #C2 v1=2',
      'slack T1 · workspace v– · #C3 v–=1',
      'model-a=2',
      'model-b=1',
    ]);
    expect(page).toMatch(/data-chart="\{&quot;days&quot;:\[/);
  });

  it('THEN logout ends the session', async () => {
    const csrf = await dash.csrf('/');
    const out = await dash.request('/logout', { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await dash.request('/')).headers.get('location')).toBe('/login');
  });
});

describe('GIVEN replies checked against verifiable instructions', () => {
  const BULLETS = 'detectable_format:number_bullet_lists';
  const bullets = (ok: boolean) =>
    checkResult(BULLETS, ok, 'exactly 3 bullet points', ok ? '3 bullet points.' : '0 bullet points; 3 were asked for.');
  const commas = checkResult('punctuation:no_comma', true, 'no commas', 'No commas.');

  beforeEach(async () => {
    await dash.login();
  });

  it('THEN the check-type filter lists reports whose reply failed that type, in the list and the export', async () => {
    const missed = await dash.seed.report({
      source: 'automatic',
      reporterId: 'heed',
      question: 'missed bullets',
      checks: [bullets(false), commas],
    });
    await dash.seed.report({ question: 'kept bullets', checks: [bullets(true)] });
    await dash.seed.report({ question: 'never checked' });
    const failed = await (await dash.request(`/reports?check=${encodeURIComponent(BULLETS)}`)).text();
    expect(failed).toContain('<strong>1</strong> reports match');
    expect(failed).toContain('missed bullets');
    expect(failed).toContain(`<option value="${BULLETS}" selected>`);
    expect(await (await dash.request('/reports?check=punctuation%3Ano_comma')).text()).toContain(
      '<strong>0</strong> reports match',
    );
    const automatic = await (await dash.request('/reports?source=automatic')).text();
    expect(automatic).toContain('<option value="automatic" selected>automatic</option>');
    expect(automatic).toContain('<strong>1</strong> reports match');
    const lines = (await (await dash.request(`/reports?check=${encodeURIComponent(BULLETS)}&format=jsonl`)).text())
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ report_id: missed });
  });

  it('THEN the check-type rows follow re-checks and deleted replies', async () => {
    const id = await dash.seed.report({ askerId: 'U5', checks: [bullets(false)] });
    const reply = (await new ReportStore(dash.temp.db).get(id))?.replyId ?? '';
    const count = async () =>
      /<strong>(\d+)<\/strong> reports match/.exec(
        await (await dash.request(`/reports?check=${encodeURIComponent(BULLETS)}`)).text(),
      )?.[1];
    expect(await count()).toBe('1');
    await new ComplianceStore(dash.temp.db).recordResult(reply, { passed: true, results: [bullets(true)] });
    expect(await count()).toBe('0');
    await new ComplianceStore(dash.temp.db).recordResult(reply, { passed: false, results: [bullets(false)] });
    expect(await count()).toBe('1');
    await new ReplyLog(dash.temp.db).forgetAsker({ platform: 'slack', workspaceId: 'T1', userId: 'U5' });
    expect(await dash.temp.db.get('SELECT count(*) AS n FROM reply_check_types')).toEqual({ n: 0 });
  });

  it('THEN the overview charts pass rates per check type (first replies) and counts automatic reports', async () => {
    const first = await dash.seed.report({ source: 'automatic', reporterId: 'heed', checks: [bullets(false), commas] });
    await dash.seed.report({ checks: [bullets(true)] });
    // A rewrite that passes is not a first reply: it does not lift the share.
    await dash.seed.rewrite(first, '- a\n- b\n- c', [bullets(true)]);
    const page = await (await dash.request('/')).text();
    const data = /<canvas id="checks-per-day" data-chart="([^"]+)"/.exec(page)?.[1]?.replaceAll('&quot;', '"');
    const chart = JSON.parse(data ?? '{}') as { kind: string; days: string[]; series: Record<string, unknown[]> };
    expect(chart.kind).toBe('share');
    expect(chart.days).toHaveLength(30);
    expect(chart.series[BULLETS]?.at(-1)).toBe(50);
    expect(chart.series['punctuation:no_comma']?.at(-1)).toBe(100);
    expect(chart.series[BULLETS]?.[0]).toBeNull();
    expect(page).toMatch(
      /<code>detectable_format:number_bullet_lists<\/code><\/a><\/td><td>2<\/td>\s*<td>1<\/td><td>50.0%/,
    );
    expect(page).toContain('<th>automatic</th>');
    const perDay = /data-chart="(\{&quot;days&quot;[^"]+)"/.exec(page)?.[1]?.replaceAll('&quot;', '"');
    expect((JSON.parse(perDay ?? '{}') as { series: Record<string, number[]> }).series.automatic?.at(-1)).toBe(1);
    expect(page).not.toContain('Not yet available');
  });

  it('THEN with nothing checked the overview says so instead of an empty chart', async () => {
    await dash.seed.report();
    const page = await (await dash.request('/')).text();
    expect(page).toContain('No replies were checked against verifiable instructions in this period.');
    expect(page).not.toContain('checks-per-day');
  });

  it('THEN the report page shows each check with its detail and the rewrite beside the reply, escaped', async () => {
    const hostile = checkResult('keywords:existence', false, "includes '<script>x</script>'", '"><img src=x> missing.');
    const id = await dash.seed.report({
      source: 'automatic',
      reporterId: 'heed',
      reply: 'Plain text.',
      checks: [hostile],
    });
    await dash.seed.report({ reply: 'Unrelated reply', checks: [bullets(true)] });
    const rewriteId = await dash.seed.rewrite(id, 'The rewritten <b>reply</b>', [bullets(true)]);
    const page = await (await dash.request(`/reports/${id}`)).text();
    expect(page).toContain('Missed 1 of 1 checks.');
    const escapedLabel = 'includes &#39;&lt;script&gt;x&lt;/script&gt;&#39;';
    expect(page).toContain(`<td>${escapedLabel}<div class="type"><code>keywords:existence</code></div></td>`);
    expect(page).toContain('<td>&quot;&gt;&lt;img src=x&gt; missing.</td>');
    expect(page).toMatch(/<div class="side rewrite"><h3>Rewrite<\/h3>\s*<p>Reply [0-9a-z]+/);
    expect(page).toContain('The rewritten &lt;b&gt;reply&lt;/b&gt;');
    expect(page).toContain(rewriteId);
    expect(page).toContain('Passed every check.');
    expect(page).not.toContain('Unrelated reply');
    expect(page).not.toMatch(/<script>x|<img src=x/);
    const unchecked = await dash.seed.report();
    expect(await (await dash.request(`/reports/${unchecked}`)).text()).toContain(
      'Not checked: no checks were in force',
    );
  });

  it('THEN a replay runs the checks in force today on its text, beside the checks of the original', async () => {
    const model = await startFakeOpenAI();
    try {
      await dash.close();
      dash = await dashboardHarness({ modelUrl: model.url });
      await dash.login();
      await dash.seed.setRules('user', {}, 'Never use commas.');
      const id = await dash.seed.report({
        reply: 'Yes, it works, mostly.',
        checks: [checkResult('punctuation:no_comma', false, 'no commas', '2 commas.')],
      });
      await dash.seed.setRules('user', {}, 'Use exactly 3 bullet points.');
      model.enqueue({ reply: '- one, two\n- three\n- four' });
      const replay = await dash.post(`/reports/${id}/replay`, []);
      expect(replay.status).toBe(303);
      const page = await (await dash.request(`/reports/${id}/replay`)).text();
      const sides = page.split('<div class="side">').slice(1);
      expect(sides).toHaveLength(2);
      expect(sides[0]).toContain('<td>no commas<div class="type">');
      expect(sides[0]).toContain('<td>2 commas.</td>');
      // Today's instructions ask for bullets, not for no commas: the replay is checked against those.
      expect(sides[1]).toContain('<td>exactly 3 bullet points<div class="type">');
      expect(sides[1]).toContain('Passed every check.');
      expect(sides[1]).not.toContain('no commas');
      const stored = await dash.temp.db.value<string>('SELECT checks_json FROM replays');
      expect(JSON.parse(stored ?? 'null')).toMatchObject({ passed: true, results: [{ id: BULLETS, ok: true }] });
    } finally {
      await model.close();
    }
  });
});

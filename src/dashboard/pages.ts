/**
 * The dashboard's pages as pure functions from data to HTML. Every value from the database goes
 * through {@link h}; the only script is the chart loader on the overview, and every page works without it.
 */
import { INSTRUCTION_IDS } from '../core/compliance/catalogue.js';
import type { ReplyCheckResult } from '../core/compliance/reply-checks.js';
import type {
  InstructionVersion,
  InstructionVersions,
  ReplyRecord,
  ReportRecord,
  StoredReplyCheck,
} from '../core/storage/index.js';
import {
  formatCursor,
  filterParams,
  PLATFORMS,
  SIGNALS,
  SOURCES,
  STATUSES,
  TRIAGE_STATUSES,
  type ReportsQuery,
} from './filters.js';
import { csrfField, excerpt, h, layout, notice, path, pre, when, type Html } from './html.js';
import type { AuditEntry, CheckDay, Overview, Ranked, ReplayRecord, ReportsPage, RuleScope } from './queries.js';
import { layerScope, splitPrompt, type DiffPart } from './snapshot.js';

const NOT_CHECKED =
  'Not checked: no checks were in force for this reply (none of its layers asks for anything verifiable), ' +
  'the asker turned checking off, or it was posted before checking began.';

const CHECKED_NOW = 'Not checked when it was posted: the checks of the layers it used are run now.';

/** The automatic checks that ran on a reply: each check's description, its layer and type, and what it found. */
export function checksView(result: ReplyCheckResult | null | undefined, empty = NOT_CHECKED): Html {
  if (!result) return h`<p class="unchecked">${empty}</p>`;
  if (result.results.length === 0) return h`<p class="checks-summary">No checks applied.</p>`;
  const failed = result.results.filter((entry) => !entry.ok).length;
  const summary = failed === 0 ? 'Passed every check.' : `Missed ${failed} of ${result.results.length} checks.`;
  return h`<p class="checks-summary ${failed === 0 ? 'passed' : 'failed'}">${summary}</p>
    <table class="checks"><thead><tr><th>Result</th><th>Check (type)</th><th>Layer</th><th>Found</th></tr></thead>
    <tbody>${result.results.map(
      (entry) => h`<tr class="${entry.ok ? 'ok' : 'miss'}"><td>${entry.ok ? 'passed' : 'missed'}</td>
        <td>${entry.label}<div class="type"><code>${entry.id}</code></div></td><td>${entry.layer}</td>
        <td>${entry.detail}</td></tr>`,
    )}</tbody></table>`;
}

/** Every day of the period ending today, oldest first, so that a quiet day shows as a gap. */
function periodDays(days: number, today: Date): string[] {
  return Array.from({ length: days }, (_, index) =>
    new Date(today.getTime() - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** The share of first replies passing each check type per day, as a line chart with its numbers in a table. */
function complianceChart(rows: CheckDay[], dayList: string[]): Html {
  if (rows.length === 0) {
    return h`<p class="unchecked">No replies were checked against verifiable instructions in this period.</p>`;
  }
  const types = [...new Set(rows.map((row) => row.check))].sort();
  const series: Record<string, (number | null)[]> = {};
  const totals = new Map<string, { total: number; passed: number }>();
  for (const type of types) series[type] = dayList.map(() => null);
  for (const row of rows) {
    const index = dayList.indexOf(row.day);
    const values = series[row.check];
    if (values && index >= 0) values[index] = Math.round((row.passed / row.total) * 1000) / 10;
    const total = totals.get(row.check) ?? { total: 0, passed: 0 };
    total.total += row.total;
    total.passed += row.passed;
    totals.set(row.check, total);
  }
  const chartData = JSON.stringify({ kind: 'share', days: dayList, series });
  return h`<div class="chart-box"><canvas id="checks-per-day" data-chart="${chartData}" role="img"
      aria-label="Share of replies passing the automatic checks per day, by check type"></canvas></div>
    <details><summary>The numbers</summary>
      <table class="check-shares"><thead><tr><th>Check type</th><th>Replies checked</th><th>Passed</th><th>Share</th>
        </tr></thead>
        <tbody>${types.map((type) => {
          const total = totals.get(type) ?? { total: 0, passed: 0 };
          const share = total.total === 0 ? 0 : (total.passed / total.total) * 100;
          const failing = `/reports?${new URLSearchParams({ check: type })}`;
          return h`<tr><td><a href="${failing}"><code>${type}</code></a></td><td>${String(total.total)}</td>
            <td>${String(total.passed)}</td><td>${share.toFixed(1)}%</td></tr>`;
        })}</tbody></table>
    </details>`;
}

/** The login form; `problem` says what went wrong. */
export function loginPage(problem?: string): Html {
  return layout(
    { title: 'Log in' },
    h`<h1>Heed dashboard</h1>
    ${problem ? notice('error', problem) : ''}
    <form method="post" action="/login" class="login">
      <label for="token">Dashboard token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <button type="submit">Log in</button>
    </form>
    <p class="hint">The token is HEED_DASHBOARD_TOKEN, or the one in the login link Heed printed when it started.</p>`,
  );
}

/** The logout confirmation, for a GET on /logout. */
export function logoutPage(csrf: string): Html {
  return layout(
    { title: 'Log out', csrf },
    h`<h1>Log out</h1>
    <form method="post" action="/logout">${csrfField(csrf)}<button type="submit">Log out now</button></form>`,
  );
}

function rankedList(title: string, items: Ranked[]): Html {
  const top = items[0]?.count ?? 0;
  const rows = items.map(
    (item) => h`<li><span class="label">${item.label}</span>
      <meter min="0" max="${String(top)}" value="${String(item.count)}"></meter>
      <span class="count">${String(item.count)}</span></li>`,
  );
  const list = items.length > 0 ? h`<ol>${rows}</ol>` : h`<p>No failures in this period.</p>`;
  return h`<section class="ranked"><h2>${title}</h2>${list}</section>`;
}

/** The overview: failures per day by source, the automatic checks' pass rates, and the top lists. */
export function overviewPage(csrf: string, overview: Overview, days: number, today: Date): Html {
  const dayList = periodDays(days, today);
  const series: Record<string, number[]> = {};
  for (const source of SOURCES) series[source] = dayList.map(() => 0);
  for (const row of overview.perDay) {
    const counts = series[row.source];
    if (counts) counts[dayList.indexOf(row.day)] = row.count;
  }
  const chartData = JSON.stringify({ days: dayList, series });
  const table = dayList.flatMap((day, index) =>
    SOURCES.some((source) => (series[source]?.[index] ?? 0) > 0)
      ? [h`<tr><td>${day}</td>${SOURCES.map((source) => h`<td>${String(series[source]?.[index] ?? 0)}</td>`)}</tr>`]
      : [],
  );
  return layout(
    { title: 'Overview', csrf, active: 'overview', scripts: ['/assets/chart.umd.min.js', '/assets/dashboard.js'] },
    h`<h1>Overview</h1>
    <p class="summary">Last ${String(days)} days: <strong>${String(overview.total)}</strong> failure reports,
      <a href="/reports?status=open&amp;signal=bad">${String(overview.open)} open</a>.
      <span class="periods">Show <a href="/?days=7">7</a> · <a href="/?days=30">30</a> ·
        <a href="/?days=90">90</a> days</span></p>
    <section class="chart">
      <h2>Failure reports per day, by source</h2>
      <div class="chart-box"><canvas id="per-day" data-chart="${chartData}" role="img"
        aria-label="Failure reports per day by source"></canvas></div>
      <details><summary>The numbers</summary>
        <table><thead><tr><th>Day</th>${SOURCES.map((source) => h`<th>${source}</th>`)}</tr></thead>
          <tbody>${table}</tbody></table>
      </details>
    </section>
    <section class="chart">
      <h2>Replies passing the automatic checks, by check type</h2>
      <p class="hint">Per day, the share of first replies (rewrites not counted) that passed every check of a type
        they were checked for.</p>
      ${complianceChart(overview.checksPerDay, dayList)}
    </section>
    <div class="columns">
      ${rankedList('Channels with the most failures', overview.channels)}
      ${rankedList('Instruction versions with the most failures', overview.versions)}
      ${rankedList('Models with the most failures', overview.models)}
    </div>`,
  );
}

function select(name: string, label: string, options: readonly string[], value: string | undefined): Html {
  return h`<label>${label} <select name="${name}"><option value="">any</option>${options.map(
    (option) => h`<option value="${option}"${option === value ? h` selected` : ''}>${option}</option>`,
  )}</select></label>`;
}

/** Everything the reports list page shows. */
export interface ReportsView {
  csrf: string;
  query: ReportsQuery;
  raw: Record<string, string | undefined>;
  page: ReportsPage;
  total: number;
  problem?: string;
  info?: string;
}

/** The reports list: filters, bulk and in-place triage, keyset pages, the export link. */
export function reportsPage(view: ReportsView): Html {
  const { filter } = view.query;
  const params = filterParams(filter, view.raw);
  const here = `/reports${params.size > 0 ? `?${params}` : ''}`;
  const linkWith = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    return `/reports?${next}`;
  };
  const exportParams = new URLSearchParams(params);
  exportParams.set('format', 'jsonl');
  const rows = view.page.rows.map(
    (row) => h`<tr>
      <td><input type="checkbox" name="id" value="${row.id}" aria-label="Select report ${row.id}"></td>
      <td>${when(row.createdAt)}</td>
      <td><span class="status ${row.status}">${row.status}</span></td>
      <td>${row.signal}</td>
      <td>${row.source}</td>
      <td>${row.platform} ${row.workspaceId} #${row.channelId}</td>
      <td class="text"><a href="${path('reports', row.id)}">${excerpt(row.question, 80) || '(no question)'}</a>
        <div class="reply">${excerpt(row.reply, 120)}</div></td>
      <td class="text">${row.note ? excerpt(row.note, 100) : ''}</td>
      <td class="actions">${TRIAGE_STATUSES.filter((status) => status !== row.status).map(
        (status) => h`<button type="submit" name="one" value="${`${row.id}:${status}`}">${status}</button>`,
      )}</td>
    </tr>`,
  );
  const pager: Html[] = [];
  if (view.page.newer)
    pager.push(h`<a href="${linkWith('after', formatCursor(view.page.newer))}" rel="prev">← Newer</a>`);
  if (view.query.before || view.query.after) pager.push(h`<a href="${here}">Newest</a>`);
  if (view.page.older)
    pager.push(h`<a href="${linkWith('before', formatCursor(view.page.older))}" rel="next">Older →</a>`);
  return layout(
    { title: 'Reports', csrf: view.csrf, active: 'reports' },
    h`<h1>Reports</h1>
    ${view.problem ? notice('error', view.problem) : ''}
    ${view.info ? notice('info', view.info) : ''}
    <form method="get" action="/reports" class="filters">
      ${select('status', 'Status', STATUSES, filter.status)}
      ${select('source', 'Source', SOURCES, filter.source)}
      ${select('signal', 'Signal', SIGNALS, filter.signal)}
      ${select('platform', 'Platform', PLATFORMS, filter.platform)}
      <label>Workspace <input name="workspace" value="${filter.workspace ?? ''}" size="12"></label>
      <label>Channel <input name="channel" value="${filter.channel ?? ''}" size="12"></label>
      ${select('check', 'Failed check', INSTRUCTION_IDS, filter.check)}
      <label>Since <input name="since" value="${view.raw.since ?? ''}" placeholder="2026-11-01 or 7d" size="12"></label>
      <label>Until <input name="until" value="${view.raw.until ?? ''}" placeholder="2026-11-30" size="12"></label>
      <label>Search <input type="search" name="q" value="${filter.q ?? ''}" placeholder="in notes and replies"></label>
      <button type="submit">Filter</button> <a href="/reports">Clear</a>
    </form>
    <p class="count"><strong>${String(view.total)}</strong> reports match.
      <a href="${`/reports?${exportParams}`}" download>Export these as JSONL</a></p>
    <form method="post" action="/reports/triage" class="triage">
      ${csrfField(view.csrf)}
      <input type="hidden" name="return" value="${here}">
      <p class="bulk">With the selected:
        <select name="status" aria-label="New status">${TRIAGE_STATUSES.map(
          (status) => h`<option value="${status}">${status}</option>`,
        )}</select>
        <button type="submit" name="bulk" value="1">Set status</button></p>
      <table class="reports">
        <thead><tr><th></th><th>Filed</th><th>Status</th><th>Signal</th><th>Source</th><th>Where</th>
          <th>Question · reply</th><th>Note</th><th>Triage</th></tr></thead>
        <tbody>${rows.length > 0 ? rows : h`<tr><td colspan="9">No reports match these filters.</td></tr>`}</tbody>
      </table>
    </form>
    <nav class="pager">${pager}</nav>`,
  );
}

/** How a layer's instructions changed between the snapshot and now. */
export interface VersionChange {
  scope: 'workspace' | 'channel' | 'user';
  used: number | null;
  current: number | null;
  diff: DiffPart[];
}

/** A reply linked to the reported one: the reply it rewrote, or one of its rewrites. */
export interface LinkedReply {
  relation: 'original' | 'rewrite';
  replyId: string;
  /** Absent when the snapshot is no longer stored. */
  reply?: ReplyRecord;
  checks?: StoredReplyCheck;
}

function linkedColumn(linked: LinkedReply): Html {
  const title = linked.relation === 'original' ? 'The reply this one rewrote' : 'Rewrite';
  return h`<div class="side ${linked.relation}"><h3>${title}</h3>
    <p>Reply ${linked.replyId}${linked.reply ? h` at ${when(linked.reply.createdAt)}` : ''}</p>
    ${linked.reply ? pre(linked.reply.replyText, 'text reply') : h`<p>(snapshot no longer stored)</p>`}
    <h4>Automatic checks</h4>${checksView(linked.checks)}</div>`;
}

/** Everything the report page shows. */
export interface ReportView {
  csrf: string;
  report: ReportRecord;
  reply: ReplyRecord | undefined;
  changes: VersionChange[];
  /** The automatic checks that ran on the reply, if it was checked. */
  checks?: StoredReplyCheck;
  /** The reply this one rewrote, and its rewrites. */
  linked: LinkedReply[];
  audit: (AuditEntry & { at: string })[];
  replayCount: number;
  info?: string;
}

function diffView(parts: DiffPart[]): Html {
  return h`<pre class="diff">${parts.map((part) => h`<span class="${part.kind}">${part.text}</span>`)}</pre>`;
}

function promptView(prompt: string, versions: InstructionVersions): Html {
  return h`${splitPrompt(prompt).map((part) => {
    if (part.layer === null)
      return h`<div class="layer preamble"><div class="layer-name">preamble</div>${pre(part.text)}</div>`;
    const scope = layerScope(part.layer);
    const version =
      scope === null
        ? 'configuration'
        : versions[scope] === null || versions[scope] === undefined
          ? 'none'
          : `v${versions[scope]}`;
    const name = h`<div class="layer-name">${part.layer} · ${version} · fence ${part.fenceId ?? ''}</div>`;
    return h`<div class="layer ${part.layer}">${name}${pre(part.text)}</div>`;
  })}`;
}

/** The system prompt with its layers marked, then the conversation as it was sent. */
export function messagesView(messages: { role: string; content: string }[], versions: InstructionVersions): Html {
  return h`${messages.map((message, index) =>
    message.role === 'system'
      ? h`<section class="system"><h3>System prompt (message ${String(index + 1)})</h3>
          ${promptView(message.content, versions)}</section>`
      : h`<div class="message ${message.role}"><div class="role">${message.role}</div>${pre(message.content)}</div>`,
  )}`;
}

function versionsView(versions: InstructionVersions): Html {
  return h`<p>${Object.entries(versions).map(
    ([scope, version]) => h`<span class="version">${scope} ${version === null ? 'none' : `v${version}`}</span> `,
  )}</p>`;
}

function paramsView(model: string, params: Record<string, unknown>): Html {
  return h`<dl class="params"><dt>model</dt><dd>${model}</dd>${Object.entries(params)
    .filter(([key]) => key !== 'model')
    .map(
      ([key, value]) => h`<dt>${key}</dt><dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`,
    )}</dl>`;
}

/** The report: who, when, note, triage, and the exact snapshot with the instruction changes since. */
export function reportPage(view: ReportView): Html {
  const { report, reply } = view;
  const self = path('reports', report.id);
  const triage = h`<form method="post" action="/reports/triage" class="inline">${csrfField(view.csrf)}
    <input type="hidden" name="return" value="${self}">
    ${TRIAGE_STATUSES.filter((status) => status !== report.status).map(
      (status) => h`<button type="submit" name="one" value="${`${report.id}:${status}`}">Mark ${status}</button>`,
    )}</form>`;
  const snapshot = reply
    ? h`<section><h2>Snapshot</h2>
        <p>Reply ${reply.id} (${reply.status}${reply.error ? `, ${reply.error}` : ''})
          on ${reply.platform} ${reply.workspaceId} #${reply.channelId}${
            reply.threadId ? ` thread ${reply.threadId}` : ''
          },
          asked by ${reply.askerId} at ${when(reply.createdAt)}; ${String(reply.latencyMs)} ms,
          tokens in/out ${String(reply.promptTokens ?? '?')}/${String(reply.completionTokens ?? '?')}.</p>
        ${paramsView(reply.model, reply.params)}
        <h3>Instruction versions used</h3>
        ${versionsView(reply.instructionVersions)}
        ${messagesView(reply.messages, reply.instructionVersions)}
        ${
          view.linked.length > 0
            ? h`<h3>Reply, with the replies it is linked to</h3>
              <div class="side-by-side linked">
                <div class="side reported"><h3>Reported reply</h3>${pre(reply.replyText, 'text reply')}
                  <h4>Automatic checks</h4>${checksView(view.checks)}</div>
                ${view.linked.map(linkedColumn)}
              </div>`
            : h`<h3>Reply</h3>${pre(reply.replyText, 'text reply')}
              <h3>Automatic checks</h3>${checksView(view.checks)}`
        }
      </section>
      <section><h2>Instructions then and now</h2>
        ${view.changes.map(
          (
            change,
          ) => h`<div class="change"><h3>${change.scope}: ${change.used === null ? 'none' : `v${change.used}`} then,
            ${change.current === null ? 'none' : `v${change.current}`} now</h3>
            ${change.used === change.current ? h`<p>Unchanged.</p>` : diffView(change.diff)}</div>`,
        )}
      </section>`
    : notice('error', 'The reply snapshot behind this report is no longer stored.');
  return layout(
    { title: `Report ${report.id}`, csrf: view.csrf, active: 'reports' },
    h`<p><a href="/reports">← Reports</a></p>
    <h1>Report ${report.id}</h1>
    ${view.info ? notice('info', view.info) : ''}
    <dl class="meta">
      <dt>Status</dt><dd><span class="status ${report.status}">${report.status}</span> ${triage}</dd>
      <dt>Filed</dt>
      <dd>${when(report.createdAt)} by ${report.reporterId} via ${report.source}, signal ${report.signal}</dd>
      <dt>Updated</dt><dd>${when(report.updatedAt)}</dd>
      <dt>Note</dt><dd>${report.note ? pre(report.note, 'text note') : '(none)'}</dd>
    </dl>
    <p><a href="${`${self}/replay`}">Replay against today's model and instructions</a>${
      view.replayCount > 0 ? ` (${view.replayCount} stored)` : ''
    }</p>
    ${snapshot}
    <section><h2>Dashboard actions on this report</h2>
      ${
        view.audit.length === 0
          ? h`<p>None yet.</p>`
          : h`<ul>${view.audit.map(
              (entry) =>
                h`<li>${when(entry.at)} ${entry.action}${
                  entry.fromStatus ? ` ${entry.fromStatus} → ${entry.toStatus ?? ''}` : ''
                } from ${entry.remote}</li>`,
            )}</ul>`
      }
    </section>`,
  );
}

/** What the two sides of a replay have in common: an original reply or a replay of it. */
type Run = Pick<ReplayRecord, 'model' | 'params' | 'instructionVersions' | 'messages' | 'replyText'>;

const NO_MODEL = 'No model is configured: set OPENAI_API_KEY or OPENAI_BASE_URL and restart the dashboard.';

/** Everything the replay page shows. */
export interface ReplayView {
  csrf: string;
  report: ReportRecord;
  reply: ReplyRecord;
  replays: ReplayRecord[];
  /** The original's checks: as run live, or (`checkedNow`) its layers run today when it was never checked. */
  originalChecks: { result: ReplyCheckResult | null; checkedNow: boolean };
  modelConfigured: boolean;
  problem?: string;
}

/** The original reply and the latest replay side by side, with earlier replays below. */
export function replayPage(view: ReplayView): Html {
  const { report, reply } = view;
  const latest = view.replays[0];
  const self = path('reports', report.id);
  const column = (title: string, run: Run, checks: Html) =>
    h`<div class="side"><h2>${title}</h2>
      ${paramsView(run.model, run.params)}
      ${versionsView(run.instructionVersions)}
      ${pre(run.replyText, 'text reply')}
      <h3>Automatic checks</h3>${checks}
      <details><summary>Messages sent</summary>${messagesView(run.messages, run.instructionVersions)}</details></div>`;
  return layout(
    { title: `Replay of ${report.id}`, csrf: view.csrf, active: 'reports' },
    h`<p><a href="${self}">← Report ${report.id}</a></p>
    <h1>Replay</h1>
    <p>Re-runs the snapshot with the model configured now and the asker's instructions (and the workspace and channel
      rules) in force now. The result is stored here and never posted to Slack or Discord.</p>
    ${view.modelConfigured ? '' : notice('error', NO_MODEL)}
    ${view.problem ? notice('error', view.problem) : ''}
    <form method="post" action="${`${self}/replay`}">${csrfField(view.csrf)}
      <button type="submit">Run a replay now</button></form>
    ${
      latest
        ? h`<p>Latest replay ${latest.id} at ${when(latest.createdAt)}
            (${latest.status}${latest.error ? `, ${latest.error}` : ''}, ${String(latest.latencyMs)} ms).</p>
          <div class="side-by-side">
            ${column(
              'Original reply',
              reply,
              h`${view.originalChecks.checkedNow ? h`<p class="hint">${CHECKED_NOW}</p>` : ''}
                ${checksView(view.originalChecks.result)}`,
            )}
            ${column(
              'Replay',
              latest,
              checksView(
                latest.checks,
                latest.status === 'complete'
                  ? 'Not checked: no checks are in force for the asker, or the asker turned checking off.'
                  : 'Not checked: the model did not finish this replay.',
              ),
            )}
          </div>`
        : h`<p>No replay yet.</p>`
    }
    ${
      view.replays.length > 1
        ? h`<section><h2>Earlier replays</h2><ul>${view.replays.slice(1).map(
            (replay) =>
              h`<li>${when(replay.createdAt)} ${replay.model} (${replay.status}):
                  ${excerpt(replay.replyText, 160)}</li>`,
          )}</ul></section>`
        : ''
    }`,
  );
}

/** One scope's rules for the rules page: the newest version first. */
export interface RuleHistory {
  scope: RuleScope;
  versions: InstructionVersion[];
}

/** Workspace and channel rules with their history; people's own instructions are not listed here. */
export function rulesPage(csrf: string, rules: RuleHistory[]): Html {
  const sections = rules.map(({ scope, versions }) => {
    const current = versions[0];
    const title =
      scope.kind === 'workspace'
        ? `${scope.platform} ${scope.workspaceId} · workspace rules`
        : `${scope.platform} ${scope.workspaceId} · #${scope.scopeId} channel rules`;
    return h`<section class="rule"><h2>${title}</h2>
      ${
        current
          ? h`<p>v${String(current.version)} (${current.action} by ${current.actorId}, ${when(current.createdAt)})</p>
        ${current.respond ? pre(current.respond) : h`<p>(cleared)</p>`}`
          : ''
      }
      <details><summary>History (${String(versions.length)} versions)</summary><ol reversed>${versions.map(
        (
          version,
        ) => h`<li>v${String(version.version)} ${version.action} by ${version.actorId} at ${when(version.createdAt)}
          ${version.restoredFrom ? `(restored from v${version.restoredFrom})` : ''}
          ${version.respond ? pre(version.respond) : h`<p>(empty)</p>`}</li>`,
      )}</ol></details></section>`;
  });
  return layout(
    { title: 'Rules', csrf, active: 'rules' },
    h`<h1>Rules</h1>
    <p>Rules set by workspace and channel admins, newest version first. People's own instructions appear only inside the
      reports they are part of.</p>
    ${sections.length > 0 ? sections : h`<p>No workspace or channel rules have been set.</p>`}`,
  );
}

/**
 * The dashboard as a Hono app: login, the session and CSRF checks, the pages, the export, triage and
 * replay. `createDashboardApp` takes its parts (database, token, model client) so tests drive it with
 * `app.request(...)` or over a real socket, and `startDashboard` serves it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { layerScope as scopeOfLayer, userScope } from '../core/commands/instruction-commands.js';
import type { ComplianceService } from '../core/compliance/service.js';
import type { Logger } from '../core/logger.js';
import type { ModelClient } from '../core/model/model-client.js';
import type { PromptAssembler } from '../core/prompt/prompt-assembler.js';
import { exportChecks } from '../cli/compliance-views.js';
import { renderExportLine } from '../cli/report-views.js';
import {
  ComplianceStore,
  InstructionStore,
  ReplyLog,
  ReportStore,
  type ReplyRecord,
  type ScopeKey,
  type SqlExecutor,
} from '../core/storage/index.js';
import type { ReportStatus } from '../core/types.js';
import { LoginLimiter, sameSecret, SESSION_COOKIE, Sessions, type Session } from './auth.js';
import { FilterError, parseReportsQuery, TRIAGE_STATUSES, type ReportsQuery } from './filters.js';
import { h, layout, notice } from './html.js';
import {
  loginPage,
  logoutPage,
  overviewPage,
  replayPage,
  reportPage,
  reportsPage,
  rulesPage,
  type LinkedReply,
  type VersionChange,
} from './pages.js';
import { DashboardQueries, type ReportsPage } from './queries.js';
import { checkText, replaySnapshot } from './replay.js';
import { lineDiff } from './snapshot.js';

/** What the dashboard is made of. */
export interface DashboardOptions {
  db: SqlExecutor;
  /** The operator's token (HEED_DASHBOARD_TOKEN, or a random one). */
  token: string;
  model: ModelClient;
  /** Builds the prompt a replay sends: the bot's own assembly over the same database. */
  prompts: PromptAssembler;
  /** The bot's compliance core over the same database: the checks a replay runs. */
  compliance: ComplianceService;
  logger: Logger;
  now?: () => Date;
  /** Failed logins allowed per address per minute. Default 5. */
  loginAttemptsPerMinute?: number;
}

type Env = { Variables: { session: Session | null } };

/** The dashboard's Hono app. */
export type DashboardApp = Hono<Env>;

const ASSET_DIR = join(dirname(new URL(import.meta.url).pathname), 'assets');
const require = createRequire(import.meta.url);
// Chart.js's browser build, read from the installed package: no CDN, no build step.
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const TRIAGE_NOTICES: Record<string, string> = {
  'none-selected': 'Select at least one report (the boxes on the left), then choose a status.',
  'bad-status': 'That status cannot be set here; choose open, triaged or resolved.',
};

/** The client's address as the socket saw it, and what a proxy claims in front of it. */
function origin(c: Context): string {
  let address = 'unknown';
  try {
    address = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
  }
  const forwarded = c.req.header('x-forwarded-for');
  return forwarded ? `${address} (forwarded for ${forwarded.slice(0, 100)})` : address;
}

/** The socket address alone: what login limits count, since a forwarded-for header is the client's to write. */
function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** Only our own list and report pages are valid places to return to after a triage. */
function safeReturn(value: unknown): string {
  return typeof value === 'string' && /^\/reports(\/[0-9a-z]+)?(\?[^\s]*)?$/.test(value) ? value : '/reports';
}

function withParam(url: string, key: string, value: string): string {
  const [base, query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  params.set(key, value);
  return `${base}?${params}`;
}

function errorPage(c: Context<Env>, status: 400 | 404 | 500, title: string, text: string) {
  const csrf = c.get('session')?.csrf;
  return c.html(
    layout(
      { title, ...(csrf ? { csrf } : {}) },
      h`<h1>${title}</h1>${notice('error', text)}<p><a href="/">Overview</a></p>`,
    ),
    status,
  );
}

/** Build the dashboard app. */
export function createDashboardApp(options: DashboardOptions): DashboardApp {
  const now = options.now ?? (() => new Date());
  const queries = new DashboardQueries(options.db, now);
  const reports = new ReportStore(options.db, now);
  const replies = new ReplyLog(options.db, now);
  const compliance = new ComplianceStore(options.db);
  const instructions = new InstructionStore(options.db, now);
  const sessions = new Sessions(options.db, () => now().getTime());
  const limiter = new LoginLimiter(options.loginAttemptsPerMinute ?? 5, 60_000, () => now().getTime());
  const log = options.logger.child({ component: 'dashboard' });
  const assets = {
    style: readFileSync(join(ASSET_DIR, 'style.css'), 'utf8'),
    script: readFileSync(join(ASSET_DIR, 'dashboard.js'), 'utf8'),
    chart: readFileSync(CHART_JS, 'utf8'),
  };

  const app = new Hono<Env>();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  );

  /** Trade the token for a session; shared by the login form and the printed login link. */
  const login = async (c: Context<Env>, given: string) => {
    const address = socketAddress(c);
    const wait = limiter.retryAfter(address);
    if (wait > 0) {
      log.warn({ remote: origin(c) }, 'dashboard login refused: too many failed attempts');
      c.header('Retry-After', String(wait));
      return c.html(loginPage(`Too many failed logins from your address. Try again in ${wait} seconds.`), 429);
    }
    if (!sameSecret(given, options.token)) {
      limiter.fail(address);
      log.warn({ remote: origin(c) }, 'dashboard login failed');
      return c.html(
        loginPage(
          'That token is not right. Check HEED_DASHBOARD_TOKEN (or the login link Heed printed) and try again.',
        ),
        401,
      );
    }
    limiter.succeed(address);
    const session = await sessions.create();
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c),
      maxAge: 12 * 60 * 60,
    });
    log.info({ remote: origin(c) }, 'dashboard login');
    return c.redirect('/', 303);
  };

  app.get('/assets/style.css', (c) => {
    // The stylesheet shows no data; the login page needs it before there is a session.
    c.header('Content-Type', 'text/css; charset=utf-8');
    return c.body(assets.style);
  });
  app.get('/login', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) return login(c, token);
    if (await sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect('/', 303);
    return c.html(loginPage());
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    return login(c, typeof form.token === 'string' ? form.token : '');
  });

  // Everything below needs the session cookie or the Bearer token.
  app.use(async (c, next) => {
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer (.+)$/.exec(authorization);
      if (!match?.[1] || !sameSecret(match[1], options.token)) {
        const address = socketAddress(c);
        const wait = limiter.retryAfter(address);
        if (wait > 0) {
          c.header('Retry-After', String(wait));
          return c.text('Too many failed logins from your address; try again later.\n', 429);
        }
        limiter.fail(address);
        return c.text('The Bearer token is not right.\n', 401);
      }
      // A script: no cookie is involved, so there is nothing for a forged cross-site request to ride on.
      c.set('session', null);
      return next();
    }
    const session = await sessions.get(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET' && !c.req.path.startsWith('/assets/')) return c.redirect('/login', 303);
      return c.text('Log in first: open /login in a browser, or send Authorization: Bearer <token>.\n', 401);
    }
    c.set('session', session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // Hono caches the first parse of a body, so it is parsed here as the handlers want it (repeated fields kept).
      const form = await c.req.parseBody({ all: true });
      if (typeof form._csrf !== 'string' || !sameSecret(form._csrf, session.csrf)) {
        log.warn({ remote: origin(c), path: c.req.path }, 'dashboard request refused: missing or wrong CSRF token');
        return errorPage(
          c,
          400,
          'Request refused',
          'This form has expired or did not come from this dashboard. Reload the page and try again.',
        );
      }
    }
    return next();
  });

  // Pages a script reads with Bearer get no CSRF token; their forms are not used anyway.
  const csrfOf = (c: Context<Env>) => c.get('session')?.csrf ?? '';

  app.get('/assets/chart.umd.min.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'private, max-age=3600');
    return c.body(assets.chart);
  });
  app.get('/assets/dashboard.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(assets.script);
  });

  app.post('/logout', async (c) => {
    const session = c.get('session');
    if (session) await sessions.delete(session.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  app.get('/logout', (c) => c.html(logoutPage(csrfOf(c))));

  app.get('/', async (c) => {
    const days = Number(c.req.query('days') ?? '30');
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      return errorPage(c, 400, 'Overview', 'days must be a whole number from 1 to 365, e.g. /?days=30.');
    }
    const since = new Date(now().getTime() - days * 86_400_000).toISOString();
    return c.html(overviewPage(csrfOf(c), await queries.overview(since), days, now()));
  });

  app.get('/reports', async (c) => {
    const raw = c.req.query();
    let query: ReportsQuery;
    try {
      query = parseReportsQuery(raw);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      if (raw.format === 'jsonl') return c.text(`${error.message}\n`, 400);
      const empty: ReportsPage = { rows: [] };
      return c.html(
        reportsPage({ csrf: csrfOf(c), query: { filter: {} }, raw: {}, page: empty, total: 0, problem: error.message }),
        400,
      );
    }
    if (raw.format !== undefined && raw.format !== 'jsonl') {
      return c.text(`Unknown export format "${raw.format.slice(0, 20)}"; the only format is jsonl.\n`, 400);
    }
    if (raw.format === 'jsonl') return exportJsonl(c, query);
    const [page, total] = await Promise.all([queries.listReports(query), queries.countReports(query.filter)]);
    const view = { csrf: csrfOf(c), query, raw, page, total };
    const done = Number(raw.triaged);
    const problem = raw.notice ? TRIAGE_NOTICES[raw.notice] : undefined;
    const info =
      Number.isInteger(done) && done > 0 && raw.to
        ? `${done} report${done === 1 ? '' : 's'} set to ${raw.to}.`
        : undefined;
    return c.html(reportsPage({ ...view, ...(problem ? { problem } : {}), ...(info ? { info } : {}) }));
  });

  /** The CLI's export lines for every report the filter matches, streamed. */
  async function exportJsonl(c: Context<Env>, query: ReportsQuery): Promise<Response> {
    // Ids first, so that no statement stays open on this connection while the response streams.
    const ids = await queries.reportIds(query.filter);
    let index = 0;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const lines: string[] = [];
        while (index < ids.length && lines.length < 200) {
          const report = await reports.get(ids[index++] ?? '');
          const reply = report && (await replies.get(report.replyId));
          if (report && reply) {
            lines.push(`${renderExportLine(report, reply, await exportChecks(compliance, reply.id))}\n`);
          }
        }
        if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')));
        if (index >= ids.length) controller.close();
      },
    });
    return c.body(body, 200, {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': 'attachment; filename="heed-reports.jsonl"',
    });
  }

  app.post('/reports/triage', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const back = safeReturn(form.return);
    let targets: string[];
    let status: string;
    if (typeof form.one === 'string') {
      const [id = '', to = ''] = form.one.split(':', 2);
      targets = [id];
      status = to;
    } else {
      const ids = form.id;
      targets = (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).filter(
        (id): id is string => typeof id === 'string',
      );
      status = typeof form.status === 'string' ? form.status : '';
    }
    if (!TRIAGE_STATUSES.includes(status as ReportStatus))
      return c.redirect(withParam(back, 'notice', 'bad-status'), 303);
    if (targets.length === 0) return c.redirect(withParam(back, 'notice', 'none-selected'), 303);
    const remote = origin(c);
    const userAgent = (c.req.header('user-agent') ?? '').slice(0, 200);
    let changed = 0;
    await options.db.transaction(async (tx) => {
      // The status changes and their audit lines commit together, on the transaction's own stores.
      const inTx = { reports: new ReportStore(tx, now), queries: new DashboardQueries(tx, now) };
      for (const id of targets) {
        const before = await inTx.reports.get(id);
        if (!before || before.status === status) continue;
        await inTx.reports.setStatus(id, status as ReportStatus);
        await inTx.queries.audit({
          action: 'triage',
          reportId: id,
          fromStatus: before.status,
          toStatus: status,
          remote,
          userAgent,
        });
        changed++;
      }
    });
    log.info({ remote, status, changed, reports: targets.slice(0, 50) }, 'dashboard triage');
    return c.redirect(withParam(withParam(back, 'triaged', String(changed)), 'to', status), 303);
  });

  function versionChanges(reply: ReplyRecord): Promise<VersionChange[]> {
    const asker = {
      platform: reply.platform,
      workspaceId: reply.workspaceId,
      channelId: reply.channelId,
      userId: reply.askerId,
    };
    const scopes: [VersionChange['scope'], ScopeKey][] = [
      ['workspace', scopeOfLayer(asker, 'workspace')],
      ['channel', scopeOfLayer(asker, 'channel')],
      ['user', userScope(asker)],
    ];
    const textOf = (
      kind: VersionChange['scope'],
      version: { about: string; respond: string; enabled: boolean } | undefined,
    ) => {
      if (!version) return '';
      if (kind !== 'user') return version.respond;
      const paused = version.enabled ? '' : '(paused)\n';
      return `About me:\n${version.about}\n\nHow to respond:\n${version.respond}\n${paused}`;
    };
    return Promise.all(
      scopes.map(async ([kind, scope]): Promise<VersionChange> => {
        const used = reply.instructionVersions[kind] ?? null;
        const current = await instructions.current(scope);
        const usedVersion = used === null ? undefined : await instructions.version(scope, used);
        return {
          scope: kind,
          used,
          current: current?.version ?? null,
          diff: lineDiff(textOf(kind, usedVersion), textOf(kind, current)),
        };
      }),
    );
  }

  /** The reply this one rewrote (if it is a rewrite) and its rewrites, rewrites of those included, oldest first. */
  async function linkedReplies(replyId: string, rewriteOf: string | null): Promise<LinkedReply[]> {
    const linked: LinkedReply[] = [];
    const entry = async (relation: LinkedReply['relation'], id: string): Promise<LinkedReply> => {
      const [reply, checks] = await Promise.all([replies.get(id), compliance.result(id)]);
      return { relation, replyId: id, ...(reply ? { reply } : {}), ...(checks ? { checks } : {}) };
    };
    if (rewriteOf) linked.push(await entry('original', rewriteOf));
    // A rewrite that missed again may be rewritten once more on the asker's request: follow the chain, bounded.
    const queue = [replyId];
    const seen = new Set(queue);
    while (queue.length > 0 && linked.length < 10) {
      for (const rewrite of await compliance.rewritesOf(queue.shift() ?? '')) {
        if (seen.has(rewrite.replyId)) continue;
        seen.add(rewrite.replyId);
        queue.push(rewrite.replyId);
        linked.push(await entry('rewrite', rewrite.replyId));
      }
    }
    return linked;
  }

  app.get('/reports/:id', async (c) => {
    const report = await reports.get(c.req.param('id'));
    if (!report)
      return errorPage(
        c,
        404,
        'No such report',
        'There is no report with that id. The reports list shows every report.',
      );
    const reply = await replies.get(report.replyId);
    const raw = c.req.query();
    const done = Number(raw.triaged);
    const info = Number.isInteger(done) && done > 0 && raw.to ? `Report set to ${raw.to}.` : undefined;
    const checks = reply && (await compliance.result(reply.id));
    const [changes, linked, audit, replays] = await Promise.all([
      reply ? versionChanges(reply) : [],
      reply ? linkedReplies(reply.id, checks?.rewriteOf ?? null) : [],
      queries.auditTrail(report.id),
      queries.replays(report.id, 100),
    ]);
    return c.html(
      reportPage({
        csrf: csrfOf(c),
        report,
        reply,
        changes,
        ...(checks ? { checks } : {}),
        linked,
        audit,
        replayCount: replays.length,
        ...(info ? { info } : {}),
      }),
    );
  });

  const replayView = async (c: Context<Env>, problem?: string): Promise<Response> => {
    const report = await reports.get(c.req.param('id') ?? '');
    const reply = report && (await replies.get(report.replyId));
    if (!report || !reply)
      return errorPage(c, 404, 'Nothing to replay', 'There is no report with that id, or its reply snapshot is gone.');
    // The checks that ran live; for a reply posted before checking existed (or with it off), today's run of its layers.
    const live = await compliance.result(reply.id);
    const originalChecks = live
      ? { result: live, checkedNow: false }
      : {
          result: await checkText(options.compliance, reply, reply.instructionVersions, reply.replyText),
          checkedNow: true,
        };
    return c.html(
      replayPage({
        csrf: csrfOf(c),
        report,
        reply,
        replays: await queries.replays(report.id),
        originalChecks,
        modelConfigured: options.model.configured,
        ...(problem ? { problem } : {}),
      }),
    );
  };
  app.get('/reports/:id/replay', (c) => replayView(c));
  app.post('/reports/:id/replay', async (c) => {
    const report = await reports.get(c.req.param('id'));
    const reply = report && (await replies.get(report.replyId));
    if (!report || !reply) return replayView(c);
    const remote = origin(c);
    const outcome = await replaySnapshot(
      { queries, prompts: options.prompts, model: options.model, compliance: options.compliance, logger: log },
      report.id,
      reply,
      remote,
    );
    await queries.audit({
      action: 'replay',
      reportId: report.id,
      fromStatus: null,
      toStatus: null,
      remote,
      userAgent: (c.req.header('user-agent') ?? '').slice(0, 200),
    });
    log.info({ remote, report: report.id, replay: outcome.replayId, status: outcome.status }, 'dashboard replay');
    if (outcome.problem) return replayView(c, `The replay failed: ${outcome.problem}`);
    return c.redirect(`/reports/${encodeURIComponent(report.id)}/replay`, 303);
  });

  app.get('/rules', async (c) => {
    const scopes = await queries.ruleScopes();
    const rules = await Promise.all(
      scopes.map(async (scope) => ({
        scope,
        versions: await instructions.history(
          {
            platform: scope.platform as ReplyRecord['platform'],
            workspaceId: scope.workspaceId,
            kind: scope.kind,
            id: scope.scopeId,
          },
          100,
        ),
      })),
    );
    return c.html(rulesPage(csrfOf(c), rules));
  });

  app.notFound((c) => errorPage(c, 404, 'Not found', 'There is no page at this address.'));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'dashboard request failed');
    return errorPage(
      c,
      500,
      'Something went wrong',
      'The dashboard could not show this page; the log has the details. Nothing was changed.',
    );
  });
  return app;
}

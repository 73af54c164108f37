/**
 * `GET /healthz` in HTTP mode: 200 when the core's database answers a query and Slack's Web API answered
 * `auth.test`; 503 naming the failing part otherwise. The endpoint is as public as the port, so Slack is
 * asked at most once per cache period (30 s) whatever the number of requests, with one attempt and a
 * short time-out (the Web API client's own retries would hide an outage behind old successes). Anyone gets
 * `ok`/`failing` per part; the detail (Slack's error code, replies in flight) needs HEED_HEALTH_TOKEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { webApi } from '@slack/bolt';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import { slackErrorCode } from './errors.js';

/** A health check must answer well within a load balancer's own time-out. */
const PROBE_TIMEOUT_MS = 3_000;
/** At most one `auth.test` per this period, successful or not: the check must not amplify requests. */
export const PROBE_CACHE_MS = 30_000;

/**
 * What `/healthz` answers with the health token. `slack` is `ok` or the Slack error code of the failed
 * check (`invalid_auth`, `ratelimited`, `http_503`, `request_failed` …).
 */
export interface HealthReport {
  ok: boolean;
  database: string;
  slack: string;
  inFlight: number;
}

/** What `/healthz` answers anyone else: which part fails, nothing more. */
export interface PublicHealthReport {
  ok: boolean;
  database: 'ok' | 'failing';
  slack: 'ok' | 'failing';
}

export interface SlackProbeOptions {
  /** How long an answer is reused; default {@link PROBE_CACHE_MS}. */
  cacheMs?: number;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

/** Asks Slack whether the bot token still works: one `auth.test` at a time, its answer reused for a while. */
export class SlackProbe {
  private readonly client: webApi.WebClient;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private running: Promise<string> | undefined;
  private last: { at: number; result: string } | undefined;

  constructor(
    token: string,
    clientOptions: webApi.WebClientOptions,
    private readonly logger: Logger,
    options: SlackProbeOptions = {},
  ) {
    // One attempt, and a 429 is an answer to report, not a Retry-After to wait out.
    this.client = new webApi.WebClient(token, {
      ...clientOptions,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: PROBE_TIMEOUT_MS,
    });
    this.cacheMs = options.cacheMs ?? PROBE_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** `ok`, or the Slack error code of the last call. Never throws. */
  check(): Promise<string> {
    const last = this.last;
    if (last && this.now() - last.at < this.cacheMs) return Promise.resolve(last.result);
    this.running ??= this.client.auth
      .test()
      .then(
        () => 'ok',
        (error: unknown) => {
          const code = slackErrorCode(error) ?? 'unreachable';
          this.logger.warn({ slackError: code }, 'health check: Slack did not answer auth.test');
          return code;
        },
      )
      .then((result) => {
        this.last = { at: this.now(), result };
        return result;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}

/** The current health of the core and of Slack, in full. */
export async function healthReport(core: HeedCore, probe: SlackProbe, inFlight: number): Promise<HealthReport> {
  // health() never throws; were it to reject all the same, the check must still answer (503), not hang.
  const [database, slack] = await Promise.all([
    core.health().then(
      (health): string => health.database,
      () => 'error',
    ),
    probe.check(),
  ]);
  return { ok: database === 'ok' && slack === 'ok', database, slack, inFlight };
}

/** The report reduced to what an outsider may read. */
export function publicReport(report: HealthReport): PublicHealthReport {
  return {
    ok: report.ok,
    database: report.database === 'ok' ? 'ok' : 'failing',
    slack: report.slack === 'ok' ? 'ok' : 'failing',
  };
}

/** True when `header` (the request's Authorization) is `Bearer <token>`; compared in constant time. */
function authorised(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the token's length.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length).trim()), digest(token));
}

/** What `GET /healthz` answers: the status and the JSON body. */
export interface HealthAnswer {
  status: number;
  body: string;
}

/**
 * The answer to `GET /healthz` for a request with this Authorization header; `token` (HEED_HEALTH_TOKEN)
 * unlocks the detail. The HTTP server (the Slack events thread) forwards the header and writes the answer.
 */
export function healthAnswer(
  core: HeedCore,
  probe: SlackProbe,
  inFlight: () => number,
  token?: string,
): (authorization: string | undefined) => Promise<HealthAnswer> {
  return async (authorization) => {
    const report = await healthReport(core, probe, inFlight());
    return {
      status: report.ok ? 200 : 503,
      body: JSON.stringify(authorised(authorization, token) ? report : publicReport(report)),
    };
  };
}

/**
 * `GET /healthz` in HTTP mode: 200 when the core's database answers a query and Slack's Web API answers
 * `auth.test` now; 503 naming the failing part otherwise. Slack is asked at each check (one attempt, a
 * short time-out, concurrent checks sharing one call) because the Web API client's own retries would hide
 * an outage for minutes behind the last successful call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { webApi } from '@slack/bolt';
import type { HeedCore } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import { slackErrorCode } from './errors.js';

/** A health check must answer well within a load balancer's own time-out. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * What `/healthz` answers. `slack` is `ok` or the Slack error code of the failed check (`invalid_auth`,
 * `ratelimited`, `http_503`, `request_failed` …).
 */
export interface HealthReport {
  ok: boolean;
  database: string;
  slack: string;
  inFlight: number;
}

/** Asks Slack whether the bot token still works, one `auth.test` at a time. */
export class SlackProbe {
  private readonly client: webApi.WebClient;
  private running: Promise<string> | undefined;

  constructor(
    token: string,
    clientOptions: webApi.WebClientOptions,
    private readonly logger: Logger,
  ) {
    // One attempt, and a 429 is an answer to report, not a Retry-After to wait out.
    this.client = new webApi.WebClient(token, { ...clientOptions, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: PROBE_TIMEOUT_MS });
  }

  /** `ok`, or the Slack error code of the failed call. Never throws. */
  check(): Promise<string> {
    this.running ??= this.client.auth.test().then(
      () => 'ok',
      (error: unknown) => {
        const code = slackErrorCode(error) ?? 'unreachable';
        this.logger.warn({ slackError: code }, 'health check: Slack did not answer auth.test');
        return code;
      },
    ).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}

/** The current health of the core and of Slack. */
export async function healthReport(core: HeedCore, probe: SlackProbe, inFlight: number): Promise<HealthReport> {
  const database = core.health().database;
  const slack = await probe.check();
  return { ok: database === 'ok' && slack === 'ok', database, slack, inFlight };
}

/** The custom-route handler for `GET /healthz`. */
export function healthHandler(core: HeedCore, probe: SlackProbe, inFlight: () => number): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    void healthReport(core, probe, inFlight()).then((report) => {
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(report));
    });
  };
}

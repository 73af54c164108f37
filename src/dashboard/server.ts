/**
 * Serving the dashboard: pick the token (HEED_DASHBOARD_TOKEN, or on a loopback address a random one
 * announced with a login link, as Jupyter does), open a database connection and a model client of its
 * own, and listen. A non-loopback address without a configured token is refused before anything opens.
 */
import { isIP } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config.js';
import { complianceService } from '../core/compliance/service.js';
import { HeedError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PromptAssembler } from '../core/prompt/prompt-assembler.js';
import { modelFromConfig, promptsFromConfig } from '../app.js';
import { openConfiguredDatabase } from '../cli/database.js';
import { ComplianceStore, InstructionStore } from '../core/storage/index.js';
import { createDashboardApp } from './app.js';
import { randomToken } from './auth.js';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 3100;

/** A running dashboard. */
export interface RunningDashboard {
  /** e.g. http://127.0.0.1:3100 */
  url: string;
  /** Set when the token was made up at start: the link that logs a browser in. */
  loginUrl?: string;
  close(): Promise<void>;
}

export interface StartDashboardOptions {
  config: Config;
  logger: Logger;
  host?: string;
  port?: number;
  /** Where to announce a generated login link. Default: standard error. */
  announce?: (line: string) => void;
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * Start the dashboard. Throws HeedError `dashboard_needs_token` for a non-loopback address without
 * HEED_DASHBOARD_TOKEN, and `dashboard_listen_failed` when the port cannot be taken.
 */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const { config, logger } = options;
  const host = options.host ?? config.HEED_DASHBOARD_HOST;
  const port = options.port ?? config.HEED_DASHBOARD_PORT ?? DEFAULT_DASHBOARD_PORT;
  const configured = config.HEED_DASHBOARD_TOKEN;
  if (!configured && !isLoopback(host)) {
    throw new HeedError(
      'dashboard_needs_token',
      `The dashboard will not listen on ${host} without HEED_DASHBOARD_TOKEN: ` +
        'anyone who can reach that address could read every report. ' +
        'Set HEED_DASHBOARD_TOKEN, or use --host 127.0.0.1 with an SSH tunnel.',
      { detail: { host } },
    );
  }
  const token = configured ?? randomToken();
  const db = await openConfiguredDatabase(config, logger);
  const log = logger.child({ component: 'dashboard' });
  const model = modelFromConfig(config, logger);
  // The operator's checks as the bot derives them (by the model too, when HEED_CHECK_EXTRACTOR says so).
  const compliance = complianceService({
    store: new ComplianceStore(db),
    instructions: new InstructionStore(db),
    logger,
    basePrompt: config.HEED_BASE_PROMPT,
    model,
    extractor: config.HEED_CHECK_EXTRACTOR,
  });
  let prompts: PromptAssembler;
  try {
    prompts = await promptsFromConfig(config, db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const app = createDashboardApp({ db, token, model, prompts, compliance, logger });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(started));
      started.once('error', reject);
    });
  } catch (error) {
    await db.close();
    throw new HeedError(
      'dashboard_listen_failed',
      `The dashboard could not listen on ${host}:${port} ` +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        'Choose another --port.',
      { detail: { host, port }, cause: error },
    );
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = isIP(host) === 6 ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  const running: RunningDashboard = {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          // A background extraction still writing would find the database closed.
          void compliance
            .settled()
            .then(() => db.close())
            .catch((error: unknown) => log.warn({ err: error }, 'dashboard: closing the database failed'))
            .finally(resolve);
        });
        // Keep-alive browsers would hold the close open for minutes.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
  log.info({ url, tokenFrom: configured ? 'HEED_DASHBOARD_TOKEN' : 'generated' }, 'dashboard listening');
  if (!configured) {
    running.loginUrl = `${url}/login?token=${encodeURIComponent(token)}`;
    // Printed, never logged: log files travel further than a terminal.
    (options.announce ?? ((line) => process.stderr.write(`${line}\n`)))(
      `Heed dashboard: open ${running.loginUrl} ` +
        '(a new token is made at every start; set HEED_DASHBOARD_TOKEN to keep one)',
    );
  }
  return running;
}

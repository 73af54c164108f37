/**
 * `npm run heed -- dashboard [--host H] [--port N]`: serve the dashboard until SIGINT or SIGTERM.
 * Mistakes (a bad flag, a non-loopback address without a token, a port in use) print one line and exit 2.
 */
import { loadConfig } from '../config.js';
import { HeedError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { startDashboard } from './server.js';

const USAGE = 'Usage: npm run heed -- dashboard [--host 127.0.0.1] [--port 3100]';

/** Read `--host` and `--port` (also as `--port=N`). Throws HeedError `usage` with a sentence. */
export function parseDashboardArgs(argv: string[]): { host?: string; port?: number } {
  const result: { host?: string; port?: number } = {};
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [arg, undefined];
    const value = inline ?? argv[++index];
    if (name !== 'host' && name !== 'port') throw new HeedError('usage', `Unknown option "${arg}". ${USAGE}`);
    if (value === undefined || value === '') throw new HeedError('usage', `--${name} needs a value. ${USAGE}`);
    if (name === 'host') result.host = value;
    else {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new HeedError('usage', `--port must be a whole number from 0 to 65535 (got "${value}"). ${USAGE}`);
      }
      result.port = port;
    }
  }
  return result;
}

/** Run the dashboard command; resolves once the server is listening (it then runs until a signal). */
export async function runDashboardCli(argv: string[]): Promise<void> {
  const options = parseDashboardArgs(argv);
  const config = loadConfig();
  const running = await startDashboard({ config, logger: createLogger({ level: config.LOG_LEVEL }), ...options });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

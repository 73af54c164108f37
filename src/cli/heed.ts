/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands);
 * `npm run heed -- dashboard`: the operator dashboard (src/dashboard).
 */
import { ConfigError, loadConfig } from '../config.js';
import { HeedError } from '../core/errors.js';
import { runReportsCli } from './reports-cli.js';

const argv = process.argv.slice(2);
if (argv[0] === 'dashboard') {
  const { runDashboardCli } = await import('../dashboard/cli.js');
  await runDashboardCli(argv.slice(1));
} else try {
  process.exitCode = runReportsCli(argv, loadConfig(), (text) => process.stdout.write(text));
} catch (error) {
  if (error instanceof HeedError || error instanceof ConfigError) {
    process.stderr.write(`${error instanceof HeedError ? error.userMessage : `Configuration error: ${error.message}`}\n`);
    process.exitCode = 2;
  } else throw error;
}

/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands).
 */
import { ConfigError, loadConfig } from '../config.js';
import { HeedError } from '../core/errors.js';
import { runReportsCli } from './reports-cli.js';

try {
  process.exitCode = runReportsCli(process.argv.slice(2), loadConfig(), (text) => process.stdout.write(text));
} catch (error) {
  if (error instanceof HeedError || error instanceof ConfigError) {
    process.stderr.write(`${error instanceof HeedError ? error.userMessage : `Configuration error: ${error.message}`}\n`);
    process.exitCode = 2;
  } else throw error;
}

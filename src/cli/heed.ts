/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands).
 */
import { loadConfig } from '../config.js';
import { HeedError } from '../core/errors.js';
import { runReportsCli } from './reports-cli.js';

try {
  process.exitCode = runReportsCli(process.argv.slice(2), loadConfig(), (text) => process.stdout.write(text));
} catch (error) {
  if (!(error instanceof HeedError)) throw error;
  process.stderr.write(`${error.code === 'config_invalid' ? 'Configuration error: ' : ''}${error.operatorMessage}\n`);
  process.exitCode = 2;
}

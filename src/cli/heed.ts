/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands).
 */
import { loadConfig } from '../config.js';
import { runEntry } from '../entry.js';
import { runReportsCli } from './reports-cli.js';

await runEntry(() => runReportsCli(process.argv.slice(2), loadConfig(), (text) => process.stdout.write(text)));

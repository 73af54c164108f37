/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands);
 * `npm run heed -- eval ifeval …`: instruction-following evaluation (see eval/ifeval.ts);
 * `npm run heed -- compliance …`: how often replies follow the checked instructions (see compliance-cli.ts);
 * `npm run heed -- dashboard`: the operator dashboard (src/dashboard).
 */
import { loadConfig } from '../config.js';
import { runEntry } from '../entry.js';
import { runComplianceCli } from './compliance-cli.js';
import { runEvalCli } from './eval/ifeval.js';
import { runReportsCli } from './reports-cli.js';

await runEntry(async () => {
  const argv = process.argv.slice(2);
  const stdout = (text: string): void => void process.stdout.write(text);
  switch (argv[0]) {
    case 'dashboard': {
      const { runDashboardCli } = await import('../dashboard/cli.js');
      return runDashboardCli(argv.slice(1));
    }
    case 'eval':
      return runEvalCli(argv.slice(1), { stdout, stderr: process.stderr, loadConfig: () => loadConfig() });
    case 'migrate':
    case 'migrate-data': {
      const { runMigrateCli, runMigrateDataCli } = await import('./migrate-cli.js');
      const run = argv[0] === 'migrate' ? runMigrateCli : runMigrateDataCli;
      return run(argv.slice(1), loadConfig(), stdout);
    }
    case 'compliance':
      return runComplianceCli(argv.slice(1), loadConfig(), stdout);
    default:
      return runReportsCli(argv, loadConfig(), stdout);
  }
});

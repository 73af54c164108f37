/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands);
 * `npm run heed -- eval ifeval …`: instruction-following evaluation (see eval/ifeval.ts);
 * `npm run heed -- dashboard`: the operator dashboard (src/dashboard).
 */
import { loadConfig } from '../config.js';
import { runEntry } from '../entry.js';
import { runEvalCli } from './eval/ifeval.js';
import { runReportsCli } from './reports-cli.js';

await runEntry(async () => {
  const argv = process.argv.slice(2);
  const stdout = (text: string): void => void process.stdout.write(text);
  if (argv[0] === 'dashboard') {
    const { runDashboardCli } = await import('../dashboard/cli.js');
    return runDashboardCli(argv.slice(1));
  }
  return argv[0] === 'eval'
    ? runEvalCli(argv.slice(1), { stdout, stderr: process.stderr, loadConfig: () => loadConfig() })
    : runReportsCli(argv, loadConfig(), stdout);
});

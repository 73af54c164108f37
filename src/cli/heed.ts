/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands);
 * `npm run heed -- eval ifeval …`: instruction-following evaluation (see eval/ifeval.ts);
 * `npm run heed -- compliance …`: how often replies follow the checked instructions (see compliance-cli.ts).
 */
import { loadConfig } from '../config.js';
import { runEntry } from '../entry.js';
import { runComplianceCli } from './compliance-cli.js';
import { runEvalCli } from './eval/ifeval.js';
import { runReportsCli } from './reports-cli.js';

await runEntry(() => {
  const argv = process.argv.slice(2);
  const stdout = (text: string): void => void process.stdout.write(text);
  if (argv[0] === 'eval') return runEvalCli(argv.slice(1), { stdout, stderr: process.stderr, loadConfig: () => loadConfig() });
  return argv[0] === 'compliance' ? runComplianceCli(argv.slice(1), loadConfig(), stdout) : runReportsCli(argv, loadConfig(), stdout);
});

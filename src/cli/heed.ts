/**
 * `npm run heed -- reports …`: the operators' command line (see reports-cli.ts for the commands);
 * `npm run heed -- eval ifeval …`: instruction-following evaluation (see eval/ifeval.ts);
 * `npm run heed -- compliance …`: how often replies follow the checked instructions (see compliance-cli.ts).
 */
import { loadConfig } from '../config.js';
import { HeedError } from '../core/errors.js';
import { runComplianceCli } from './compliance-cli.js';
import { runEvalCli } from './eval/ifeval.js';
import { runReportsCli } from './reports-cli.js';

try {
  const argv = process.argv.slice(2);
  const stdout = (text: string): void => void process.stdout.write(text);
  process.exitCode =
    argv[0] === 'eval'
      ? await runEvalCli(argv.slice(1), { stdout, stderr: process.stderr, loadConfig: () => loadConfig() })
      : argv[0] === 'compliance'
        ? runComplianceCli(argv.slice(1), loadConfig(), stdout)
        : runReportsCli(argv, loadConfig(), stdout);
} catch (error) {
  if (!(error instanceof HeedError)) throw error;
  process.stderr.write(`${error.code === 'config_invalid' ? 'Configuration error: ' : ''}${error.operatorMessage}\n`);
  process.exitCode = 2;
}

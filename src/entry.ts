/**
 * How every entry point (npm start, the terminal chat, the operators' CLI, command registration) ends
 * on a problem it cannot get past: one line for the operator on standard error, never a stack trace,
 * and exit code 2 for something to fix in a setting or on the command line, 1 for anything else.
 */
import { asHeedError, type ErrorCode } from './core/errors.js';

const OPERATOR_MISTAKES: ReadonlySet<ErrorCode> = new Set(['config_invalid', 'usage', 'not_found', 'invalid_filter']);

/**
 * Run `main`; a number it returns becomes the exit code. `prefix` introduces the line of a failure that
 * is not a configuration mistake (e.g. "Heed could not start").
 */
export async function runEntry(main: () => Promise<number | void> | number | void, prefix?: string): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    const failure = asHeedError(error);
    const lead = failure.code === 'config_invalid' ? 'Configuration error: ' : prefix ? `${prefix}: ` : '';
    process.stderr.write(`${lead}${failure.operatorMessage}\n`);
    process.exit(OPERATOR_MISTAKES.has(failure.code) ? 2 : 1);
  }
}

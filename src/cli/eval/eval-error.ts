/**
 * A mistake in what `heed eval` was given (arguments, files): `operatorMessage` is the one sentence shown
 * to the operator, naming the file and line where there is one. The command exits with status 2 on it.
 */
import { HeedError } from '../../core/errors.js';

export class EvalError extends HeedError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'EvalError';
  }
}

/** `file:line: what` — where in which file the problem is. */
export function at(file: string, line: number, what: string): EvalError {
  return new EvalError(`${file}:${line}: ${what}`);
}

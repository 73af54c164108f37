/**
 * A mistake in what `heed eval` was given (arguments, files): `message` is the one sentence shown to the
 * operator, naming the file and line where there is one. The command exits with status 2 on it.
 */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** `file:line: what` — where in which file the problem is. */
export function at(file: string, line: number, what: string): EvalError {
  return new EvalError(`${file}:${line}: ${what}`);
}

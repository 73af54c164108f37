import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/core/logger.js';

/** A logger that keeps its JSON lines, to check what a failure logs. */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false, destination });
  return {
    logger,
    raw: () => raw,
    lines: () =>
      raw
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

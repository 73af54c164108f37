/**
 * Bolt and the WebClient log through their own Logger interface; this routes them into Heed's pino
 * logger, so that every line is structured and secrets are scrubbed the same way.
 */
import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';

const FROM_PINO: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** A Bolt Logger writing to `logger` (its level stays the one pino was given). */
export function boltLogger(logger: Logger): BoltLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...message: unknown[]) => {
      if (logger.isLevelEnabled(level)) logger[level](format(...message));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // Heed's LOG_LEVEL decides; Bolt's own setting is ignored.
    setLevel: () => undefined,
    getLevel: () => FROM_PINO[logger.level] ?? LogLevel.INFO,
    setName: () => undefined,
  };
}

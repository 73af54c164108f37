/**
 * Structured JSON logs (pino), pretty-printed when attached to a terminal and pino-pretty is installed.
 * Tokens, keys and secrets are redacted wherever they appear in a logged object.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'secret',
  'password',
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  '*.signingSecret',
  '*.password',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DISCORD_TOKEN',
  'OPENAI_API_KEY',
];

// Slack bot/user/app tokens, OpenAI keys, Discord bot tokens (id.timestamp.hmac), and auth headers.
const SECRET_PATTERN =
  /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,}|[MNO][A-Za-z\d_-]{23,}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}|Bot [A-Za-z0-9._-]{20,}|Bearer [A-Za-z0-9._-]{8,})/g;

/** Replace anything shaped like a Slack, Discord or OpenAI credential in free text. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, '[redacted]');
}

/**
 * pino-pretty is a development dependency: a production install (`npm ci --omit=dev`) lacks it, and
 * then logs stay JSON even on a terminal rather than failing to start the transport.
 */
function prettyPrinterInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Create the application logger. `destination` lets tests capture lines. */
export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)),
        );
      },
    },
    serializers: {
      err: (err: unknown) => {
        const serialized = pino.stdSerializers.err(err as Error);
        if (typeof serialized.message === 'string') serialized.message = scrubSecrets(serialized.message);
        if (typeof serialized.stack === 'string') serialized.stack = scrubSecrets(serialized.stack);
        return serialized;
      },
    },
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if ((options.pretty ?? process.stdout.isTTY) && prettyPrinterInstalled()) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } });
  }
  return pino(base, pino.destination(2));
}

/** A logger that discards everything, for tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

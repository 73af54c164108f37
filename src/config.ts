/**
 * Every setting comes from the environment (a `.env` file is read if present), validated once at
 * start-up. A wrong value stops start-up with one line naming the variable and what it expects.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { HeedError } from './core/errors.js';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const intIn = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: `expects a whole number from ${min} to ${max}` })
    .int({ message: `expects a whole number from ${min} to ${max}` })
    .min(min, { message: `expects a whole number from ${min} to ${max}` })
    .max(max, { message: `expects a whole number from ${min} to ${max}` })
    .default(fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expects true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const url = z
  .url({ protocol: /^https?$/, message: 'expects an http(s) URL such as http://127.0.0.1:11434/v1' })
  .optional();

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

export const DEFAULT_BASE_PROMPT =
  'You are Heed, a helpful assistant in a team chat. Answer clearly and accurately. ' + 'If you are not sure, say so.';

/** The schema of every environment variable Heed reads; `.env.example` mirrors it. */
export const configSchema = z.object({
  /** PostgreSQL shared by every replica; SQLite at DATABASE_PATH when unset. Holds a password: never shown. */
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(?:ql)?:\/\//, { message: 'expects a URL starting with postgres:// or postgresql://' })
    .or(z.literal('').transform(() => undefined))
    .optional(),
  DATABASE_PATH: z.string().trim().min(1).default('./data/heed.db'),
  DATABASE_BUSY_TIMEOUT_MS: intIn(0, 600_000, 5000),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expects one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),

  OPENAI_BASE_URL: url,
  OPENAI_API_KEY: optionalText,
  OPENAI_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  OPENAI_TEMPERATURE: z.coerce
    .number({ message: 'expects a number from 0 to 2' })
    .min(0, { message: 'expects a number from 0 to 2' })
    .max(2, { message: 'expects a number from 0 to 2' })
    .optional(),
  OPENAI_MAX_OUTPUT_TOKENS: intIn(1, 1_000_000, 1024),
  OPENAI_TIMEOUT_MS: intIn(100, 600_000, 60_000),
  OPENAI_MAX_RETRIES: intIn(0, 10, 2),
  MODEL_CONTEXT_TOKENS: intIn(256, 10_000_000, 16_000),

  HEED_BASE_PROMPT: z.string().trim().min(1).default(DEFAULT_BASE_PROMPT),
  HEED_INSTRUCTION_LIMIT: intIn(50, 20_000, 1500),
  HEED_ADMINS: list,
  HEED_REPORT_REACTIONS: list,
  HEED_REPORTS_CHANNEL: optionalText,
  HEED_RATE_LIMIT_PER_MINUTE: intIn(0, 100_000, 20),
  HEED_CLAIM_LEASE_MS: intIn(500, 600_000, 30_000),
  HEED_THREAD_FOLLOWUPS: flag(true),
  HEED_SLACK_THREAD_MEMORY: flag(true),
  HEED_SHOW_APPLIED: z
    .enum(['always', 'with-instructions', 'never'], { message: 'expects always, with-instructions or never' })
    .default('with-instructions'),
  HEED_RESTATE_AFTER_TURNS: intIn(0, 10_000, 20),
  HEED_SHUTDOWN_TIMEOUT_MS: intIn(0, 600_000, 10_000),
  // A streamed reply takes about a second and 5–9 ms of CPU: 256 at once is most of two cores.
  HEED_MAX_REPLIES_IN_FLIGHT: intIn(1, 100_000, 256),
  HEED_REPLY_QUEUE: intIn(0, 1_000_000, 1_000),
  REPLY_RETENTION_DAYS: intIn(1, 36_500, 30),
  HEED_COMPLIANCE: z
    .enum(['off', 'report', 'flag', 'fix'], { message: 'expects one of off, report, flag, fix' })
    .default('flag'),
  HEED_CHECK_EXTRACTOR: z.enum(['rules', 'model'], { message: 'expects rules or model' }).default('rules'),
  /** Mixed into the prompt fences' nonce; unset, one is generated once and kept in the database. */
  HEED_FENCE_SECRET: optionalText,

  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: url,
  PORT: intIn(0, 65_535, 3000),
  /** Interface the Slack HTTP receiver listens on; unset means all interfaces. */
  HOST: optionalText,
  /** Unlocks the detail of `/healthz` (error codes, replies in flight) for `Authorization: Bearer <token>`. */
  HEED_HEALTH_TOKEN: optionalText,

  HEED_DASHBOARD_HOST: z.string().trim().min(1).default('127.0.0.1'),
  // Unset means "npm start serves no dashboard"; `heed dashboard` then uses 3100.
  HEED_DASHBOARD_PORT: z.coerce
    .number({ message: 'expects a whole number from 0 to 65535' })
    .int({ message: 'expects a whole number from 0 to 65535' })
    .min(0, { message: 'expects a whole number from 0 to 65535' })
    .max(65_535, { message: 'expects a whole number from 0 to 65535' })
    .optional(),
  HEED_DASHBOARD_TOKEN: z
    .string()
    .trim()
    .min(16, { message: 'expects at least 16 characters (e.g. the output of `openssl rand -base64 24`)' })
    .optional(),

  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  DISCORD_GUILD_ID: optionalText,
  DISCORD_API_URL: url,
  /** Unset: one process, one gateway session. `auto` (Discord's recommended count) or a count: a process per shard. */
  DISCORD_SHARDS: z
    .string()
    .trim()
    .regex(/^(?:auto|[1-9]\d{0,4})$/i, { message: 'expects auto or a whole number of shards from 1 to 99999' })
    .transform((value) => (value.toLowerCase() === 'auto' ? ('auto' as const) : Number(value)))
    .optional(),
  // Discord accepts one IDENTIFY per 5 seconds (max_concurrency 1): shards start this far apart.
  DISCORD_SHARD_SPAWN_DELAY_MS: intIn(0, 600_000, 5500),
});

export type Config = z.infer<typeof configSchema>;

/** A configuration mistake: `operatorMessage` is the one line shown to the operator. */
export class ConfigError extends HeedError {
  constructor(message: string) {
    super('config_invalid', message);
    this.name = 'ConfigError';
  }
}

/**
 * Validate an environment into a Config. Throws ConfigError naming the first wrong variable and
 * what it expects.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = configSchema.safeParse(cleaned);
  if (result.success) {
    const config = result.data;
    if (config.SLACK_BOT_TOKEN && !config.SLACK_APP_TOKEN && !config.SLACK_SIGNING_SECRET) {
      throw new ConfigError(
        "SLACK_SIGNING_SECRET: expects the Signing Secret from your Slack app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)",
      );
    }
    if (config.DISCORD_SHARDS !== undefined && !config.DISCORD_TOKEN) {
      throw new ConfigError(
        'DISCORD_SHARDS: applies to Discord only; set DISCORD_TOKEN too, or leave DISCORD_SHARDS empty',
      );
    }
    if (config.SLACK_APP_TOKEN && !config.SLACK_APP_TOKEN.startsWith('xapp-')) {
      throw new ConfigError(
        'SLACK_APP_TOKEN: expects an app-level token starting with xapp- (Basic Information → App-Level Tokens)',
      );
    }
    return config;
  }
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? 'configuration');
  const value = cleaned[name] ?? '';
  // The line lands in terminals, CI logs and support tickets: a key pasted into the wrong variable stays out.
  const got =
    name === 'DATABASE_URL'
      ? 'got a value not shown, as it may hold a password'
      : looksLikeSecret(value)
        ? 'got a value that looks like a secret, not shown'
        : `got ${JSON.stringify(value)}`;
  throw new ConfigError(`${name}: ${issue?.message ?? 'is not valid'} (${got})`);
}

/** Prefixes of the keys and tokens an operator is likely to paste (OpenAI, Slack, GitHub, bearer headers). */
const SECRET_PREFIX = /^(?:sk-|xox[a-z]-|xapp-|ghp_|gho_|github_pat_|glpat-|bearer\s)/i;
/** Discord bot tokens: three base64url parts separated by dots. */
const DISCORD_TOKEN = /^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$/;
/** Any other long run of token characters with both letters and digits (hex or base64 secrets). */
const OPAQUE_TOKEN = /^[\w+/=.-]{24,}$/;

/**
 * True when a configuration value looks like a token or key, so an error message must not print it.
 * Errs on the side of hiding: a long opaque value is never needed to spot a typo.
 */
export function looksLikeSecret(value: string): boolean {
  const text = value.trim();
  if (SECRET_PREFIX.test(text) || DISCORD_TOKEN.test(text)) return true;
  return OPAQUE_TOKEN.test(text) && /\d/.test(text) && /[a-z]/i.test(text);
}

/** Read `.env` (if present) into process.env without overriding what is already set, then validate. */
export function loadConfig(envFile = '.env'): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseConfig(process.env);
}

/**
 * Values of a list setting that apply to one platform: entries prefixed `slack:` or `discord:` apply to
 * that platform only; unprefixed entries apply to both.
 */
export function forPlatform(values: readonly string[], platform: 'slack' | 'discord'): string[] {
  const result: string[] = [];
  for (const value of values) {
    const match = /^(slack|discord):(.*)$/i.exec(value);
    if (!match) result.push(value);
    else if (match[1]?.toLowerCase() === platform && match[2]) result.push(match[2].trim());
  }
  return result;
}

/**
 * The reaction names that file a failure report on this platform (HEED_REPORT_REACTIONS, else the platform's
 * thumbs-down).
 */
export function reportReactions(
  config: Pick<Config, 'HEED_REPORT_REACTIONS'>,
  platform: 'slack' | 'discord',
): string[] {
  const configured = forPlatform(config.HEED_REPORT_REACTIONS, platform).map((name) => name.replace(/^:|:$/g, ''));
  if (configured.length > 0) return configured;
  return platform === 'slack' ? ['-1', 'thumbsdown'] : ['👎'];
}

/** The operators' report channel for this platform (HEED_REPORTS_CHANNEL: `ID`, or `slack:ID,discord:ID`). */
export function reportsChannel(
  config: Pick<Config, 'HEED_REPORTS_CHANNEL'>,
  platform: 'slack' | 'discord',
): string | undefined {
  if (!config.HEED_REPORTS_CHANNEL) return undefined;
  return forPlatform(config.HEED_REPORTS_CHANNEL.split(','), platform)[0];
}

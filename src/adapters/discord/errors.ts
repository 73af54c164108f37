/**
 * Discord failures, translated into what an operator has to fix. discord.js throws `DiscordAPIError`
 * (Discord's JSON error code), `HTTPError` (5xx after retries), `RateLimitError`, its own coded errors
 * (`TokenInvalid`) and plain network errors; this module turns any of them into a log line that names
 * the cause and the fix, and wraps event handlers so that one failure never takes the process down.
 */
import { DiscordAPIError, DiscordjsErrorCodes, HTTPError, RateLimitError } from 'discord.js';
import { attempt } from '../../core/attempt.js';
import { HeedError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const TOKEN_FIX =
  'DISCORD_TOKEN was rejected; reset the bot token in the Developer Portal (Bot → Reset Token) and update DISCORD_TOKEN.';
const PERMISSION_FIX =
  'the bot lacks a permission in this channel: give its role View Channel, Send Messages, Send Messages in Threads, ' +
  "Read Message History and Add Reactions (Server Settings → Roles, or the channel's Permissions).";

/** What to do about a Discord JSON error code, for the log line. */
const FIXES: Record<number, string> = {
  10003: 'the channel no longer exists or its id is wrong (if this was a report post, check HEED_REPORTS_CHANNEL).',
  10008: 'the message was deleted before Heed could reply to it or edit it; nothing to fix.',
  10062:
    'the interaction expired before Heed answered (Discord allows 3 seconds) or was answered elsewhere; if it repeats, the host is overloaded.',
  40001: TOKEN_FIX,
  40060: 'the interaction had already been answered; this is a bug in Heed, please report it with this log line.',
  50001:
    'the bot cannot see this channel: give its role View Channel and Read Message History there, or add it to the private channel or thread.',
  50006: 'Discord refused an empty message; this is a bug in Heed, please report it with this log line.',
  50007: 'the person does not accept direct messages from the bot (their privacy settings).',
  50013: PERMISSION_FIX,
  50035: 'Discord rejected the request body; this is a bug in Heed, please report it with this log line.',
};

/** A failed Discord call, like Slack's SlackApiError: Discord's own code where there is one, and what to fix. */
export class DiscordApiError extends HeedError {
  /** Discord's JSON error code, or the discord.js code when there is none. */
  readonly discordCode: number | string | undefined;
  readonly status: number | undefined;
  readonly fix: string;

  constructor(failure: { discordCode?: number | string; status?: number; fix: string }, cause: unknown) {
    super('discord_api', `Discord call failed: ${failure.fix}`, { detail: { ...failure }, cause });
    this.name = 'DiscordApiError';
    this.discordCode = failure.discordCode;
    this.status = failure.status;
    this.fix = failure.fix;
  }
}

/** Classify anything a discord.js call threw. */
export function toDiscordApiError(error: unknown): DiscordApiError {
  if (error instanceof DiscordApiError) return error;
  return new DiscordApiError(classify(error), error);
}

function classify(error: unknown): { discordCode?: number | string; status?: number; fix: string } {
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : undefined;
    const fix =
      (code !== undefined ? FIXES[code] : undefined) ??
      (error.status === 401 ? TOKEN_FIX : undefined) ??
      (error.status === 403 ? PERMISSION_FIX : undefined) ??
      `Discord answered ${error.status}: ${error.message}`;
    return { discordCode: error.code, status: error.status, fix };
  }
  if (error instanceof RateLimitError) {
    return {
      status: 429,
      fix: `Discord rate-limited ${error.method} ${error.route} for ${error.retryAfter} ms; wait, or reply less often.`,
    };
  }
  if (error instanceof HTTPError) {
    return {
      status: error.status,
      fix: `Discord had a server error (${error.status}) even after retries; it is usually temporary.`,
    };
  }
  if (error instanceof Error && 'code' in error && error.code === DiscordjsErrorCodes.TokenInvalid) {
    return { discordCode: DiscordjsErrorCodes.TokenInvalid, fix: TOKEN_FIX };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|fetch failed|AbortError|aborted/i.test(message)) {
    return { fix: `could not reach Discord (${message}); check the network, or DISCORD_API_URL if it is set.` };
  }
  return { fix: `unexpected error: ${message}` };
}

/** Log a failed Discord call at warn level with its cause and fix. `action` completes "could not …". */
export function logDiscordError(
  logger: Logger,
  error: unknown,
  context: { action: string } & Record<string, unknown>,
): void {
  const failure = toDiscordApiError(error);
  logger.warn({ err: error, ...context, ...failure.detail }, `Discord: could not ${context.action}: ${failure.fix}`);
}

/** A start-up failure whose message says what to fix. */
export class DiscordStartError extends HeedError {
  constructor(message: string, detail: Record<string, unknown> = {}, cause?: unknown) {
    super('discord_start', message, { detail, cause });
    this.name = 'DiscordStartError';
  }
}

/** Translate a failed `client.login()` into a DiscordStartError that says what to do. */
export function startErrorOf(error: unknown, apiUrl: string | undefined): DiscordStartError {
  const message = error instanceof Error ? error.message : String(error);
  if (/disallowed intents/i.test(message)) {
    return new DiscordStartError(
      'Discord refused the Message Content intent. Enable it in the Developer Portal: your application → Bot → ' +
        'Privileged Gateway Intents → Message Content Intent, save, and start Heed again.',
      {},
      error,
    );
  }
  const failure = toDiscordApiError(error);
  // A 401 comes from REST (the shard manager's `GET /gateway/bot`), the rest from the gateway.
  if (
    /Authentication failed/i.test(message) ||
    failure.discordCode === DiscordjsErrorCodes.TokenInvalid ||
    failure.status === 401
  ) {
    return new DiscordStartError(
      'DISCORD_TOKEN was rejected by Discord. Copy the token from the Developer Portal (your application → Bot → Reset Token) into DISCORD_TOKEN.',
      {},
      error,
    );
  }
  return new DiscordStartError(
    `Could not connect to Discord${apiUrl ? ` at ${apiUrl}` : ''}: ${failure.fix}`,
    {},
    error,
  );
}

/**
 * Run an event handler so that nothing it throws escapes: a failure is logged with its fix and the
 * bot keeps running.
 */
export async function guarded(logger: Logger, event: string, handler: () => Promise<void>): Promise<void> {
  await attempt(handler, (error) => logDiscordError(logger, error, { action: `handle ${event}`, event }));
}

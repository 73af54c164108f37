/**
 * Slack Web API failures, translated into what an operator has to fix. The WebClient throws its own
 * classes (platform error, rate limit, HTTP error, network error); this module turns any of them into a
 * `SlackApiError` with a stable code, a hint for the log line and a sentence safe to show a person.
 */
import { webApi } from '@slack/bolt';
import { attempt as attemptAny } from '../../core/attempt.js';
import { HeedError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const USER_MESSAGE = 'Slack refused one of my requests, so I could not finish that. Please try again in a moment.';

/** What to do about a Slack platform error code, for the log line. */
const FIXES: Record<string, string> = {
  not_authed: 'SLACK_BOT_TOKEN is missing from the request; set it to the Bot User OAuth Token (xoxb-…).',
  invalid_auth: 'SLACK_BOT_TOKEN is not valid; copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.',
  token_revoked: 'the bot token was revoked; reinstall the app and update SLACK_BOT_TOKEN.',
  token_expired: 'the bot token expired; turn off token rotation or refresh the token, then update SLACK_BOT_TOKEN.',
  account_inactive:
    'the bot token belongs to a deleted user or uninstalled app; reinstall the app and update SLACK_BOT_TOKEN.',
  not_allowed_token_type: 'SLACK_BOT_TOKEN must be a bot token (xoxb-…), not a user or app-level token.',
  channel_not_found:
    'the channel does not exist or the bot cannot see it; for a private channel, invite the bot (/invite @Heed).',
  not_in_channel: 'the bot is not a member of the channel; invite it with /invite @Heed.',
  is_archived: 'the channel is archived; unarchive it or use another channel.',
  restricted_action: 'a workspace setting forbids the bot from posting there; ask a workspace admin.',
  msg_too_long: "the message exceeded Slack's length limit; this is a bug in Heed's splitting, please report it.",
  msg_blocks_too_long:
    "the message blocks exceeded Slack's limit; this is a bug in Heed's splitting, please report it.",
  invalid_blocks: 'Slack rejected the message blocks; this is a bug in Heed, please report it with the log line.',
  expired_trigger_id: 'the modal was opened more than 3 seconds after the click; the person can simply try again.',
  invalid_trigger_id: 'the modal trigger id was not valid; the person can simply try again.',
  user_not_found: 'the user id is unknown in this workspace.',
  ratelimited: 'Slack rate-limited the bot; it retries after the Retry-After delay.',
  feature_not_enabled: 'this Slack feature is not enabled for the workspace or app; Heed falls back where it can.',
  team_access_not_granted: 'the app is not installed in this workspace; install it (OAuth & Permissions → Install).',
};

/** A failed Slack Web API call. `slackError` is Slack's own code (e.g. `missing_scope`). */
export class SlackApiError extends HeedError {
  readonly slackError: string;
  readonly fix: string;

  constructor(method: string, slackError: string, fix: string, detail: Record<string, unknown> = {}, cause?: unknown) {
    super('slack_api', `Slack ${method} failed: ${fix}`, {
      userMessage: USER_MESSAGE,
      detail: { method, slackError, fix, ...detail },
      cause,
    });
    this.name = 'SlackApiError';
    this.slackError = slackError;
    this.fix = fix;
  }
}

/** The Slack error code of a WebClient error (`missing_scope`, `ratelimited`, `http_500` …), if it has one. */
export function slackErrorCode(error: unknown): string | undefined {
  if (error instanceof webApi.WebAPIPlatformError) return error.data.error;
  if (error instanceof webApi.WebAPIRateLimitedError) return 'ratelimited';
  if (error instanceof webApi.WebAPIHTTPError) return `http_${error.statusCode}`;
  if (error instanceof webApi.WebAPIRequestError) return 'request_failed';
  return undefined;
}

/** Translate anything a WebClient call threw into a SlackApiError that says what to fix. */
export function toSlackApiError(method: string, error: unknown): SlackApiError {
  if (error instanceof SlackApiError) return error;
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    if (code === 'missing_scope') {
      // Slack names the scope in `needed`; the client also copies the X-Accepted-OAuth-Scopes header.
      const data: Record<string, unknown> = { ...error.data };
      const accepted = error.data.response_metadata?.acceptedScopes?.join(' or ');
      const needed = typeof data.needed === 'string' ? data.needed : accepted || 'the scope Slack names';
      return new SlackApiError(
        method,
        code,
        `the app lacks the ${needed} scope: add it under OAuth & Permissions → Bot Token Scopes (or in slack-manifest.yaml), then reinstall the app.`,
        { needed },
        error,
      );
    }
    return new SlackApiError(
      method,
      code,
      FIXES[code] ??
        `Slack answered ${code} to ${method}; see https://docs.slack.dev/reference/methods/${method}#errors.`,
      {},
      error,
    );
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new SlackApiError(
      method,
      'ratelimited',
      `Slack rate-limited ${method}; retry after ${error.retryAfter} s.`,
      { retryAfter: error.retryAfter },
      error,
    );
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    return new SlackApiError(
      method,
      `http_${error.statusCode}`,
      `Slack answered HTTP ${error.statusCode} to ${method}; if SLACK_API_URL is set, check that it points at a Slack Web API.`,
      {},
      error,
    );
  }
  if (error instanceof webApi.WebAPIRequestError) {
    return new SlackApiError(
      method,
      'request_failed',
      `could not reach Slack for ${method} (${error.original.message}); check the network and SLACK_API_URL.`,
      {},
      error,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SlackApiError(method, 'unexpected', `${method} failed unexpectedly: ${message}`, {}, error);
}

/** Log a failed Slack call with what to fix; returns the translated error. */
export function logSlackError(
  logger: Logger,
  method: string,
  error: unknown,
  level: 'warn' | 'error' = 'error',
): SlackApiError {
  const failure = toSlackApiError(method, error);
  const failedMethod = typeof failure.detail.method === 'string' ? failure.detail.method : method;
  logger[level](
    { code: failure.code, method: failedMethod, slackError: failure.slackError, fix: failure.fix, ...failure.detail },
    `Slack ${failedMethod} failed: ${failure.fix}`,
  );
  return failure;
}

/**
 * Run one Slack call; on failure log it with its fix and return `undefined` instead of throwing. For the
 * calls whose failure must not stop the rest of the work (status, names, thank-you notes).
 */
export function attempt<T>(
  logger: Logger,
  method: string,
  call: () => Promise<T>,
  level: 'warn' | 'error' | 'debug' = 'warn',
): Promise<T | undefined> {
  return attemptAny(call, (error) => {
    if (level === 'debug') {
      const failure = toSlackApiError(method, error);
      logger.debug({ method, slackError: failure.slackError }, `Slack ${method} failed: ${failure.fix}`);
    } else logSlackError(logger, method, error, level);
  });
}

/**
 * Signed requests into a running Bolt app, exactly as Slack sends them: the v0 HMAC-SHA256 signature over
 * `v0:<timestamp>:<body>`, string bodies (so fetch adds no `;charset=UTF-8`), and the exact content types
 * Bolt's HTTP receiver compares by string equality.
 */
import { createHmac } from 'node:crypto';

export type SlackContentType = 'application/json' | 'application/x-www-form-urlencoded';

/** The `X-Slack-Signature` value for a body sent at `timestamp` (seconds). */
export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SignedPostOptions {
  /** Seconds since the epoch; defaults to now. A value more than five minutes old is stale. */
  timestamp?: number;
  /** Overrides the computed signature (to send a wrong one). */
  signature?: string;
  /** Extra headers, e.g. `{ 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' }`. */
  headers?: Record<string, string>;
  /** Path on the app; defaults to `/slack/events`. */
  path?: string;
}

/** POST a raw body to the app, signed with `signingSecret`. */
export async function postSigned(
  baseUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: SlackContentType,
  options: SignedPostOptions = {},
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? slackSignature(signingSecret, timestamp, rawBody);
  return fetch(`${baseUrl}${options.path ?? '/slack/events'}`, {
    method: 'POST',
    headers: {
      'Content-Type': contentType,
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': signature,
      ...options.headers,
    },
    body: rawBody,
  });
}

/** POST an Events API envelope (JSON). */
export function postEvent(
  baseUrl: string,
  signingSecret: string,
  envelope: unknown,
  options?: SignedPostOptions,
): Promise<Response> {
  return postSigned(baseUrl, signingSecret, JSON.stringify(envelope), 'application/json', options);
}

/** POST a slash command (form fields). */
export function postCommand(
  baseUrl: string,
  signingSecret: string,
  fields: Record<string, string>,
  options?: SignedPostOptions,
): Promise<Response> {
  return postSigned(
    baseUrl,
    signingSecret,
    new URLSearchParams(fields).toString(),
    'application/x-www-form-urlencoded',
    options,
  );
}

/** POST an interaction payload (block_actions, view_submission …) as the form field `payload`. */
export function postInteraction(
  baseUrl: string,
  signingSecret: string,
  payload: unknown,
  options?: SignedPostOptions,
): Promise<Response> {
  return postSigned(
    baseUrl,
    signingSecret,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    'application/x-www-form-urlencoded',
    options,
  );
}

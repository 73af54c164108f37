/**
 * What Bolt's HTTP receiver does with a signed Slack request's bytes, without Bolt: the body size cap,
 * the v0 signature and the body's parsing. The Slack events thread uses these, and loads no module of
 * Bolt's (each module graph a thread loads costs resident memory); a test holds them to Bolt's own
 * `verifySlackRequest` on good and tampered requests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse } from 'node:querystring';

/** Bolt's `defaultBodyLimit`: a larger body is answered 413. */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** The one content type Bolt parses as a form (compared as a whole string, as Bolt does); anything else is JSON. */
const FORM = 'application/x-www-form-urlencoded';

/**
 * True when `signature` (`X-Slack-Signature`) is `v0=` and the hex HMAC-SHA256, keyed with the signing
 * secret, of `v0:{timestamp}:{body}`. Like Bolt, the body is the request's bytes decoded as UTF-8 and the
 * timestamp is the header read as a number; the timestamp's age is checked separately (`freshTimestamp`).
 */
export function validSignature(
  signingSecret: string,
  timestamp: string,
  signature: string | string[] | undefined,
  body: string,
): boolean {
  if (signingSecret === '' || typeof signature !== 'string') return false;
  const [version, hash] = signature.split('=');
  if (version !== 'v0' || !hash) return false;
  const expected = Buffer.from(
    createHmac('sha256', signingSecret)
      .update(`v0:${Number(timestamp)}:${body}`)
      .digest('hex'),
  );
  const given = Buffer.from(hash);
  // The length of a hex SHA-256 is no secret; only the comparison of equal lengths must take constant time.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * True for Slack's `ssl_check=1` form post, which carries no signature: Bolt answers it 200 unverified
 * and reads nothing else from it.
 */
export function isSslCheck(body: string, contentType: string | undefined): boolean {
  return contentType === FORM && parse(body).ssl_check === '1';
}

/**
 * The body as Bolt parses it: a form's `payload` field as JSON (interactivity), a form's fields as they
 * are (slash commands), anything else as JSON. Throws on malformed input, and on JSON that is not an
 * object (Bolt would fail on it later, without an answer).
 */
export function parseBody(body: string, contentType: string | undefined): Record<string, unknown> {
  let parsed: unknown;
  if (contentType === FORM) {
    const fields = parse(body);
    parsed = typeof fields.payload === 'string' ? JSON.parse(fields.payload) : { ...fields };
  } else {
    parsed = JSON.parse(body);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SyntaxError('the body is not a JSON object');
  return parsed as Record<string, unknown>;
}

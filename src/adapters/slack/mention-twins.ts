/**
 * Slack delivers a mention twice: as `app_mention`, and as `message` to an app subscribed to the channel's
 * messages, both with the channel and `ts` of the one message. Each copy handed to Bolt runs through every
 * listener's middleware and the conversation's checks, and the core's claim answers the message once either
 * way; so the events thread hands over only the first copy it sees and acknowledges the other.
 *
 * Only a copy of the other type is a twin: a redelivery of the same type (Slack's retry) still goes through,
 * and the core decides on it as before. Messages of other subtypes (edits, deletions) are never twins.
 */
import { ANSWERABLE_SUBTYPES } from './message-subtypes.js';

/** How long a first copy is remembered: Slack sends the two within moments of each other. */
const REMEMBER_MS = 60_000;

type Field = Record<string, unknown> | undefined;

/** The first copy of each recent mention, by workspace, channel and ts. */
export class MentionTwins {
  /** In arrival order, so that what is too old to remember is always at the front. */
  private readonly seen = new Map<string, { type: string; at: number }>();

  /** True when `body` (an `event_callback`) is the second copy of a mention whose first copy was handed over. */
  isTwin(body: Record<string, unknown>, now: number): boolean {
    const event = body.event as Field;
    const type = event?.type;
    if (type !== 'app_mention' && type !== 'message') return false;
    const subtype = event?.subtype;
    if (type === 'message' && subtype !== undefined && !ANSWERABLE_SUBTYPES.has(String(subtype))) return false;
    const { channel, ts } = event ?? {};
    if (typeof channel !== 'string' || typeof ts !== 'string') return false;
    const key = `${String(body.team_id)}:${channel}:${ts}`;
    for (const [oldest, first] of this.seen) {
      if (now - first.at < REMEMBER_MS) break;
      this.seen.delete(oldest);
    }
    const first = this.seen.get(key);
    if (first) return first.type !== type;
    this.seen.set(key, { type, at: now });
    return false;
  }
}

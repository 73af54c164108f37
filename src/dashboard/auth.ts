/**
 * Who may see the dashboard: whoever knows the operator's token. A browser trades it once at the
 * login form for a random session id (an HttpOnly, SameSite=Strict cookie) with its own CSRF token;
 * a script sends it as `Authorization: Bearer <token>` on every request. Sessions live in memory, so a
 * restart logs everyone out, which is the safe failure. Failed logins are limited per address.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A logged-in browser. */
export interface Session {
  id: string;
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'heed_session';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 1000;

/** A fresh random token, URL-safe, for a dashboard started without HEED_DASHBOARD_TOKEN. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Compare in constant time; hashing first makes the lengths equal. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** In-memory sessions with a fixed lifetime. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Start a session; the oldest is dropped past MAX_SESSIONS so that the map cannot grow without bound. */
  create(): Session {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, if any. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** End a session. */
  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/**
 * Failed logins per client address: at most `limit` in a sliding window; past that, logins from that
 * address are refused until the window has moved on, whatever token they carry.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const times = this.recent(address);
    if (times.length < this.limit) return 0;
    const oldest = times[0] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Count one failed login. */
  fail(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    this.failures.set(address, times);
  }

  /** A successful login clears the address's failures. */
  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const now = this.now();
    const times = (this.failures.get(address) ?? []).filter((time) => now - time < this.windowMs);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}

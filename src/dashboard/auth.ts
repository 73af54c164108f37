/**
 * Who may see the dashboard: whoever knows the operator's token. A browser trades it once at the
 * login form for a random session id (an HttpOnly, SameSite=Strict cookie) with its own CSRF token;
 * a script sends it as `Authorization: Bearer <token>` on every request. Sessions live in the database,
 * shared by every replica. Failed logins are limited per address (per process).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlExecutor } from '../core/storage/index.js';

/** A logged-in browser. */
export interface Session {
  id: string;
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'heed_session';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60_000;

/** A fresh random token, URL-safe, for a dashboard started without HEED_DASHBOARD_TOKEN. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Compare in constant time; hashing first makes the lengths equal. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Sessions with a fixed lifetime, kept in the database so that a load balancer may send a browser to
 * any replica. Only a hash of each session id is stored: a copy of the database logs nobody in.
 */
export class Sessions {
  private sweptAt = -Infinity;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => number = Date.now,
  ) {}

  /** Start a session; expired ones are swept at most once a minute. */
  async create(): Promise<Session> {
    await this.sweep();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    await this.sql.run(
      'INSERT INTO dashboard_sessions (id_hash, csrf, expires_at) VALUES (@idHash, @csrf, @expiresAt)',
      {
        idHash: idHash(session.id),
        csrf: session.csrf,
        expiresAt: session.expiresAt,
      },
    );
    return session;
  }

  /** The live session with this id, if any. */
  async get(id: string | undefined): Promise<Session | undefined> {
    if (!id) return undefined;
    const row = await this.sql.get<{ csrf: string; expires_at: number }>(
      'SELECT csrf, expires_at FROM dashboard_sessions WHERE id_hash = @idHash AND expires_at > @now',
      { idHash: idHash(id), now: this.now() },
    );
    return row ? { id, csrf: row.csrf, expiresAt: row.expires_at } : undefined;
  }

  /** End a session. */
  async delete(id: string): Promise<void> {
    await this.sql.run('DELETE FROM dashboard_sessions WHERE id_hash = @idHash', { idHash: idHash(id) });
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    await this.sql.run('DELETE FROM dashboard_sessions WHERE expires_at <= @now', { now });
  }
}

const idHash = (id: string): string => createHash('sha256').update(id).digest('base64url');

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

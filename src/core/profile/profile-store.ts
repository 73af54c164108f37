/**
 * Storage of linked profiles: which identities (platform + workspace + user) share one profile, the
 * one-time codes that join them (stored hashed), failed redemption attempts for the rate limit, and
 * each person's display settings. The instructions of a linked profile live in `instruction_versions`
 * under the `linked` scope of the profile's id.
 */
import type { SqlExecutor } from '../storage/index.js';
import type { PersonRef, Platform } from '../types.js';

/** The scope platform and workspace under which a linked profile's instructions are stored. */
export const LINKED_SCOPE_PLATFORM = 'linked';
export const LINKED_SCOPE_WORKSPACE = 'linked';

type PersonParams = {
  platform: string;
  workspaceId: string;
  userId: string;
};

interface CodeRow {
  platform: string;
  workspace_id: string;
  user_id: string;
  expires_at: string;
}

const PERSON = 'platform = @platform AND workspace_id = @workspaceId AND user_id = @userId';

function params(person: PersonRef): PersonParams {
  return { platform: person.platform, workspaceId: person.workspaceId, userId: person.userId };
}

/** A code waiting to be redeemed. */
export interface StoredCode {
  issuer: PersonRef;
  expiresAt: string;
}

/** Profiles, link codes, attempts and settings, over one database. */
export class ProfileStore {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * Run `work` in one transaction, with a store on that transaction (stores other than this one that
   * must share it are built on the same `tx`).
   */
  transaction<T>(work: (store: ProfileStore, tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) => work(new ProfileStore(tx), tx));
  }

  /** The profile this identity is linked to, if any. */
  async profileOf(person: PersonRef): Promise<string | undefined> {
    return this.sql.value<string>(`SELECT profile_id FROM profile_links WHERE ${PERSON}`, params(person));
  }

  /** Every identity linked to the profile, first linked first. */
  async members(profileId: string): Promise<PersonRef[]> {
    const rows = await this.sql.all<{ platform: string; workspace_id: string; user_id: string }>(
      'SELECT platform, workspace_id, user_id FROM profile_links WHERE profile_id = ? ORDER BY linked_at, platform',
      [profileId],
    );
    return rows.map((row) => ({
      platform: row.platform as Platform,
      workspaceId: row.workspace_id,
      userId: row.user_id,
    }));
  }

  /** Join the identity to the profile (a no-op if it is already linked). */
  async link(person: PersonRef, profileId: string, at: Date): Promise<void> {
    await this.sql.run(
      `INSERT INTO profile_links (platform, workspace_id, user_id, profile_id, linked_at)
       VALUES (@platform, @workspaceId, @userId, @profileId, @at)
       ON CONFLICT (platform, workspace_id, user_id) DO NOTHING`,
      { ...params(person), profileId, at: at.toISOString() },
    );
  }

  /** Detach the identity from its profile. */
  async unlink(person: PersonRef): Promise<void> {
    await this.sql.run(`DELETE FROM profile_links WHERE ${PERSON}`, params(person));
  }

  /** Store a new code for the issuer, replacing any code the issuer had. */
  async putCode(issuer: PersonRef, hash: string, expiresAt: Date): Promise<void> {
    await this.dropCodesOf(issuer);
    await this.sql.run(
      `INSERT INTO link_codes (code_hash, platform, workspace_id, user_id, expires_at)
       VALUES (@hash, @platform, @workspaceId, @userId, @expiresAt)`,
      { ...params(issuer), hash, expiresAt: expiresAt.toISOString() },
    );
  }

  /** The code with this hash, if one is stored (expired or not). */
  async code(hash: string): Promise<StoredCode | undefined> {
    const row = await this.sql.get<CodeRow>(
      'SELECT platform, workspace_id, user_id, expires_at FROM link_codes WHERE code_hash = ?',
      [hash],
    );
    if (!row) return undefined;
    return {
      issuer: { platform: row.platform as Platform, workspaceId: row.workspace_id, userId: row.user_id },
      expiresAt: row.expires_at,
    };
  }

  /** Delete a code: it is single-use. */
  async dropCode(hash: string): Promise<void> {
    await this.sql.run('DELETE FROM link_codes WHERE code_hash = ?', [hash]);
  }

  /** Record a failed redemption attempt, pruning attempts older than `pruneBefore`. */
  async recordFailedAttempt(person: PersonRef, at: Date, pruneBefore: Date): Promise<void> {
    await this.sql.run('DELETE FROM link_attempts WHERE attempted_at < @before', { before: pruneBefore.toISOString() });
    await this.sql.run(
      `INSERT INTO link_attempts (platform, workspace_id, user_id, attempted_at)
       VALUES (@platform, @workspaceId, @userId, @at)`,
      { ...params(person), at: at.toISOString() },
    );
  }

  /** Failed attempts by the identity since `since`. */
  async failedAttemptsSince(person: PersonRef, since: Date): Promise<number> {
    const count = await this.sql.value<number>(
      `SELECT COUNT(*) FROM link_attempts WHERE ${PERSON} AND attempted_at >= @since`,
      { ...params(person), since: since.toISOString() },
    );
    return count ?? 0;
  }

  /** Copy every version of the identity's own instructions into the profile's scope. */
  async copyOwnVersions(person: PersonRef, profileId: string): Promise<number> {
    const { changes } = await this.sql.run(
      `INSERT INTO instruction_versions
         (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id,
          restored_from, created_at)
       SELECT '${LINKED_SCOPE_PLATFORM}', '${LINKED_SCOPE_WORKSPACE}', 'user', @profileId, version, about, respond,
              enabled, action, actor_id, restored_from, created_at
         FROM instruction_versions
        WHERE platform = @platform AND workspace_id = @workspaceId AND scope_kind = 'user' AND scope_id = @userId`,
      { ...params(person), profileId },
    );
    return changes;
  }

  /** Delete every version of the profile's instructions. */
  async dropProfileVersions(profileId: string): Promise<number> {
    const { changes } = await this.sql.run(
      `DELETE FROM instruction_versions
        WHERE platform = '${LINKED_SCOPE_PLATFORM}' AND workspace_id = '${LINKED_SCOPE_WORKSPACE}'
          AND scope_kind = 'user' AND scope_id = ?`,
      [profileId],
    );
    return changes;
  }

  /** Whether the person shows the applied line; undefined when they never said. */
  async showApplied(profileKey: string): Promise<boolean | undefined> {
    const value = await this.sql.value<number>('SELECT show_applied FROM person_settings WHERE profile_key = ?', [
      profileKey,
    ]);
    return value === undefined ? undefined : value === 1;
  }

  /** Record the person's choice about the applied line. */
  async setShowApplied(profileKey: string, show: boolean, at: Date): Promise<void> {
    await this.sql.run(
      `INSERT INTO person_settings (profile_key, show_applied, updated_at) VALUES (@key, @show, @at)
       ON CONFLICT (profile_key) DO UPDATE SET show_applied = excluded.show_applied, updated_at = excluded.updated_at`,
      { key: profileKey, show: show ? 1 : 0, at: at.toISOString() },
    );
  }

  /** Delete everything this module stores about one identity: link, codes, attempts, own settings. */
  async forgetIdentity(person: PersonRef, ownKey: string): Promise<void> {
    await this.unlink(person);
    await this.dropCodesOf(person);
    await this.sql.run(`DELETE FROM link_attempts WHERE ${PERSON}`, params(person));
    await this.dropSetting(ownKey);
  }

  /** Delete a profile's own data: its instructions and settings. */
  async forgetProfile(profileId: string, profileKey: string): Promise<number> {
    await this.dropSetting(profileKey);
    return this.dropProfileVersions(profileId);
  }

  private async dropCodesOf(person: PersonRef): Promise<void> {
    await this.sql.run(`DELETE FROM link_codes WHERE ${PERSON}`, params(person));
  }

  private async dropSetting(profileKey: string): Promise<void> {
    await this.sql.run('DELETE FROM person_settings WHERE profile_key = ?', [profileKey]);
  }
}

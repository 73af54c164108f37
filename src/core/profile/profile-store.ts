/**
 * Storage of linked profiles: which identities (platform + workspace + user) share one profile, the
 * one-time codes that join them (stored hashed), failed redemption attempts for the rate limit, and
 * each person's display settings. The instructions of a linked profile live in `instruction_versions`
 * under the `linked` scope of the profile's id.
 */
import type { Database } from '../storage/index.js';
import type { PersonRef, Platform } from '../types.js';

/** The scope platform and workspace under which a linked profile's instructions are stored. */
export const LINKED_SCOPE_PLATFORM = 'linked';
export const LINKED_SCOPE_WORKSPACE = 'linked';

interface PersonParams {
  platform: string;
  workspaceId: string;
  userId: string;
}

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
  private readonly profileStmt;
  private readonly membersStmt;
  private readonly linkStmt;
  private readonly unlinkStmt;
  private readonly putCodeStmt;
  private readonly dropCodesOfStmt;
  private readonly getCodeStmt;
  private readonly dropCodeStmt;
  private readonly attemptStmt;
  private readonly countAttemptsStmt;
  private readonly pruneAttemptsStmt;
  private readonly dropAttemptsStmt;
  private readonly copyVersionsStmt;
  private readonly dropProfileVersionsStmt;
  private readonly getSettingStmt;
  private readonly putSettingStmt;
  private readonly dropSettingStmt;

  constructor(private readonly db: Database) {
    this.profileStmt = db.prepare<PersonParams, string>(`SELECT profile_id FROM profile_links WHERE ${PERSON}`).pluck();
    this.membersStmt = db.prepare<[string], { platform: string; workspace_id: string; user_id: string }>(
      'SELECT platform, workspace_id, user_id FROM profile_links WHERE profile_id = ? ORDER BY linked_at, platform',
    );
    this.linkStmt = db.prepare<PersonParams & { profileId: string; at: string }>(
      `INSERT INTO profile_links (platform, workspace_id, user_id, profile_id, linked_at)
       VALUES (@platform, @workspaceId, @userId, @profileId, @at)
       ON CONFLICT (platform, workspace_id, user_id) DO NOTHING`,
    );
    this.unlinkStmt = db.prepare<PersonParams>(`DELETE FROM profile_links WHERE ${PERSON}`);
    this.putCodeStmt = db.prepare<PersonParams & { hash: string; expiresAt: string }>(
      `INSERT INTO link_codes (code_hash, platform, workspace_id, user_id, expires_at)
       VALUES (@hash, @platform, @workspaceId, @userId, @expiresAt)`,
    );
    this.dropCodesOfStmt = db.prepare<PersonParams>(`DELETE FROM link_codes WHERE ${PERSON}`);
    this.getCodeStmt = db.prepare<[string], CodeRow>(
      'SELECT platform, workspace_id, user_id, expires_at FROM link_codes WHERE code_hash = ?',
    );
    this.dropCodeStmt = db.prepare<[string]>('DELETE FROM link_codes WHERE code_hash = ?');
    this.attemptStmt = db.prepare<PersonParams & { at: string }>(
      `INSERT INTO link_attempts (platform, workspace_id, user_id, attempted_at)
       VALUES (@platform, @workspaceId, @userId, @at)`,
    );
    this.countAttemptsStmt = db
      .prepare<PersonParams & { since: string }, number>(
        `SELECT COUNT(*) FROM link_attempts WHERE ${PERSON} AND attempted_at >= @since`,
      )
      .pluck();
    this.pruneAttemptsStmt = db.prepare<{ before: string }>('DELETE FROM link_attempts WHERE attempted_at < @before');
    this.dropAttemptsStmt = db.prepare<PersonParams>(`DELETE FROM link_attempts WHERE ${PERSON}`);
    this.copyVersionsStmt = db.prepare<PersonParams & { profileId: string }>(
      `INSERT INTO instruction_versions
         (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id,
          restored_from, created_at)
       SELECT '${LINKED_SCOPE_PLATFORM}', '${LINKED_SCOPE_WORKSPACE}', 'user', @profileId, version, about, respond,
              enabled, action, actor_id, restored_from, created_at
         FROM instruction_versions
        WHERE platform = @platform AND workspace_id = @workspaceId AND scope_kind = 'user' AND scope_id = @userId`,
    );
    this.dropProfileVersionsStmt = db.prepare<[string]>(
      `DELETE FROM instruction_versions
        WHERE platform = '${LINKED_SCOPE_PLATFORM}' AND workspace_id = '${LINKED_SCOPE_WORKSPACE}'
          AND scope_kind = 'user' AND scope_id = ?`,
    );
    this.getSettingStmt = db
      .prepare<[string], number>('SELECT show_applied FROM person_settings WHERE profile_key = ?')
      .pluck();
    this.putSettingStmt = db.prepare<{ key: string; show: number; at: string }>(
      `INSERT INTO person_settings (profile_key, show_applied, updated_at) VALUES (@key, @show, @at)
       ON CONFLICT (profile_key) DO UPDATE SET show_applied = excluded.show_applied, updated_at = excluded.updated_at`,
    );
    this.dropSettingStmt = db.prepare<[string]>('DELETE FROM person_settings WHERE profile_key = ?');
  }

  /** Run `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** The profile this identity is linked to, if any. */
  profileOf(person: PersonRef): string | undefined {
    return this.profileStmt.get(params(person));
  }

  /** Every identity linked to the profile, first linked first. */
  members(profileId: string): PersonRef[] {
    return this.membersStmt.all(profileId).map((row) => ({
      platform: row.platform as Platform,
      workspaceId: row.workspace_id,
      userId: row.user_id,
    }));
  }

  /** Join the identity to the profile (a no-op if it is already linked). */
  link(person: PersonRef, profileId: string, at: Date): void {
    this.linkStmt.run({ ...params(person), profileId, at: at.toISOString() });
  }

  /** Detach the identity from its profile. */
  unlink(person: PersonRef): void {
    this.unlinkStmt.run(params(person));
  }

  /** Store a new code for the issuer, replacing any code the issuer had. */
  putCode(issuer: PersonRef, hash: string, expiresAt: Date): void {
    this.dropCodesOfStmt.run(params(issuer));
    this.putCodeStmt.run({ ...params(issuer), hash, expiresAt: expiresAt.toISOString() });
  }

  /** The code with this hash, if one is stored (expired or not). */
  code(hash: string): StoredCode | undefined {
    const row = this.getCodeStmt.get(hash);
    if (!row) return undefined;
    return {
      issuer: { platform: row.platform as Platform, workspaceId: row.workspace_id, userId: row.user_id },
      expiresAt: row.expires_at,
    };
  }

  /** Delete a code: it is single-use. */
  dropCode(hash: string): void {
    this.dropCodeStmt.run(hash);
  }

  /** Record a failed redemption attempt, pruning attempts older than `pruneBefore`. */
  recordFailedAttempt(person: PersonRef, at: Date, pruneBefore: Date): void {
    this.pruneAttemptsStmt.run({ before: pruneBefore.toISOString() });
    this.attemptStmt.run({ ...params(person), at: at.toISOString() });
  }

  /** Failed attempts by the identity since `since`. */
  failedAttemptsSince(person: PersonRef, since: Date): number {
    return this.countAttemptsStmt.get({ ...params(person), since: since.toISOString() }) ?? 0;
  }

  /** Copy every version of the identity's own instructions into the profile's scope. */
  copyOwnVersions(person: PersonRef, profileId: string): number {
    return this.copyVersionsStmt.run({ ...params(person), profileId }).changes;
  }

  /** Delete every version of the profile's instructions. */
  dropProfileVersions(profileId: string): number {
    return this.dropProfileVersionsStmt.run(profileId).changes;
  }

  /** Whether the person shows the applied line; undefined when they never said. */
  showApplied(profileKey: string): boolean | undefined {
    const value = this.getSettingStmt.get(profileKey);
    return value === undefined ? undefined : value === 1;
  }

  /** Record the person's choice about the applied line. */
  setShowApplied(profileKey: string, show: boolean, at: Date): void {
    this.putSettingStmt.run({ key: profileKey, show: show ? 1 : 0, at: at.toISOString() });
  }

  /** Delete everything this module stores about one identity: link, codes, attempts, own settings. */
  forgetIdentity(person: PersonRef, ownKey: string): void {
    this.unlinkStmt.run(params(person));
    this.dropCodesOfStmt.run(params(person));
    this.dropAttemptsStmt.run(params(person));
    this.dropSettingStmt.run(ownKey);
  }

  /** Delete a profile's own data: its instructions and settings. */
  forgetProfile(profileId: string, profileKey: string): number {
    this.dropSettingStmt.run(profileKey);
    return this.dropProfileVersions(profileId);
  }
}

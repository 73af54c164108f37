import { HeedError } from '../errors.js';
import type { PersonRef, Platform } from '../types.js';
import type { Database } from './database.js';

/** Which layer a set of instructions belongs to. */
export type ScopeKind = 'user' | 'channel' | 'workspace';

/**
 * Where a scope lives: a platform, or `linked` for a profile shared by identities joined with
 * `/instructions link` (only those identities resolve to it).
 */
export type ScopePlatform = Platform | 'linked';

/** Identifies one layer: a person's own instructions, one channel's rules, or a workspace's rules. */
export interface ScopeKey {
  platform: ScopePlatform;
  workspaceId: string;
  kind: ScopeKind;
  /** User id, channel id, or the workspace id again for workspace rules. */
  id: string;
}

/** What produced a version: a command, the editor, or an admin's change to a layer. */
export type InstructionAction =
  | 'set'
  | 'about'
  | 'add'
  | 'clear'
  | 'on'
  | 'off'
  | 'undo'
  | 'restore'
  | 'edit'
  /** A copy of a linked profile's instructions kept by an identity when the link was undone. */
  | 'unlink'
  /** An edit drafted from a report and accepted by the person. */
  | 'suggested';

/** One stored version of a layer. Every change (including clear, on/off, restore) is a new version. */
export interface InstructionVersion {
  id: number;
  scope: ScopeKey;
  /** 1 for the first write of a scope, then +1 per change. */
  version: number;
  about: string;
  respond: string;
  enabled: boolean;
  /** What produced this version, for the history view. */
  action: InstructionAction;
  actorId: string;
  /** The version number this one was restored from, if it is a restore. */
  restoredFrom: number | null;
  createdAt: string;
}

/** The fields of a new version; the store assigns the version number and timestamp. */
export interface InstructionChange {
  about: string;
  respond: string;
  enabled: boolean;
  action: InstructionAction;
  actorId: string;
  restoredFrom?: number | null;
}

interface Row {
  id: number;
  platform: string;
  workspace_id: string;
  scope_kind: string;
  scope_id: string;
  version: number;
  about: string;
  respond: string;
  enabled: number;
  action: string;
  actor_id: string;
  restored_from: number | null;
  created_at: string;
}

interface ScopeParams {
  platform: string;
  workspaceId: string;
  kind: string;
  scopeId: string;
}

const SCOPE = 'platform = @platform AND workspace_id = @workspaceId AND scope_kind = @kind AND scope_id = @scopeId';

/** Versioned instructions per scope (person, channel, workspace), in the `instruction_versions` table. */
export class InstructionStore {
  private readonly currentStmt;
  private readonly insertStmt;
  private readonly historyStmt;
  private readonly versionStmt;
  private readonly forgetStmt;

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.currentStmt = db.prepare<ScopeParams, Row>(
      `SELECT * FROM instruction_versions WHERE ${SCOPE} ORDER BY version DESC LIMIT 1`,
    );
    // One statement computes the next version and inserts it, so it is atomic on its own: two writers
    // cannot both take the same number (and the UNIQUE constraint would refuse it if they tried).
    this.insertStmt = db.prepare<
      ScopeParams & {
        about: string;
        respond: string;
        enabled: number;
        action: string;
        actorId: string;
        restoredFrom: number | null;
        createdAt: string;
      },
      Row
    >(
      `INSERT INTO instruction_versions
         (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id, restored_from, created_at)
       SELECT @platform, @workspaceId, @kind, @scopeId, COALESCE(MAX(version), 0) + 1,
              @about, @respond, @enabled, @action, @actorId, @restoredFrom, @createdAt
         FROM instruction_versions WHERE ${SCOPE}
       RETURNING *`,
    );
    this.historyStmt = db.prepare<ScopeParams & { limit: number }, Row>(
      `SELECT * FROM instruction_versions WHERE ${SCOPE} ORDER BY version DESC LIMIT @limit`,
    );
    this.versionStmt = db.prepare<ScopeParams & { version: number }, Row>(
      `SELECT * FROM instruction_versions WHERE ${SCOPE} AND version = @version`,
    );
    this.forgetStmt = db.prepare<ScopeParams>(`DELETE FROM instruction_versions WHERE ${SCOPE}`);
  }

  /** The scope's newest version, or undefined if nothing was ever written for it. */
  current(scope: ScopeKey): InstructionVersion | undefined {
    const row = this.currentStmt.get(scopeParams(scope));
    return row && toVersion(row);
  }

  /** Store a new version of the scope (current + 1, or 1 for a new scope) and return it. */
  write(scope: ScopeKey, change: InstructionChange): InstructionVersion {
    const row = this.insertStmt.get({
      ...scopeParams(scope),
      about: change.about,
      respond: change.respond,
      enabled: change.enabled ? 1 : 0,
      action: change.action,
      actorId: change.actorId,
      restoredFrom: change.restoredFrom ?? null,
      createdAt: this.now().toISOString(),
    });
    // INSERT … RETURNING always yields the inserted row; a failed insert throws instead.
    if (!row)
      throw new HeedError('storage_failed', 'The instruction version was not found right after it was written.', {
        userMessage: 'I could not save your instructions. Please try again.',
        detail: { scope },
      });
    return toVersion(row);
  }

  /** Up to `limit` versions of the scope, newest first. */
  history(scope: ScopeKey, limit: number): InstructionVersion[] {
    return this.historyStmt.all({ ...scopeParams(scope), limit: Math.max(0, Math.floor(limit)) }).map(toVersion);
  }

  /** Version `n` of the scope, if it exists. */
  version(scope: ScopeKey, n: number): InstructionVersion | undefined {
    const row = this.versionStmt.get({ ...scopeParams(scope), version: n });
    return row && toVersion(row);
  }

  /** Delete every version of the person's own instructions. Returns how many versions were deleted. */
  forgetUser(person: PersonRef): number {
    return this.forgetStmt.run(
      scopeParams({ platform: person.platform, workspaceId: person.workspaceId, kind: 'user', id: person.userId }),
    ).changes;
  }
}

function scopeParams(scope: ScopeKey): ScopeParams {
  return { platform: scope.platform, workspaceId: scope.workspaceId, kind: scope.kind, scopeId: scope.id };
}

function toVersion(row: Row): InstructionVersion {
  return {
    id: row.id,
    scope: {
      platform: row.platform as ScopePlatform,
      workspaceId: row.workspace_id,
      kind: row.scope_kind as ScopeKind,
      id: row.scope_id,
    },
    version: row.version,
    about: row.about,
    respond: row.respond,
    enabled: row.enabled === 1,
    action: row.action as InstructionAction,
    actorId: row.actor_id,
    restoredFrom: row.restored_from,
    createdAt: row.created_at,
  };
}

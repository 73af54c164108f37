import { HeedError } from '../errors.js';
import type { PersonRef, Platform } from '../types.js';
import type { SqlExecutor } from './sql.js';

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

type ScopeParams = {
  platform: string;
  workspaceId: string;
  kind: string;
  scopeId: string;
};

const SCOPE = 'platform = @platform AND workspace_id = @workspaceId AND scope_kind = @kind AND scope_id = @scopeId';

/** Versioned instructions per scope (person, channel, workspace), in the `instruction_versions` table. */
export class InstructionStore {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The same store, with the same clock, on another executor (a transaction's). */
  on(sql: SqlExecutor): InstructionStore {
    return new InstructionStore(sql, this.now);
  }

  /** The scope's newest version, or undefined if nothing was ever written for it. */
  async current(scope: ScopeKey): Promise<InstructionVersion | undefined> {
    const row = await this.sql.get<Row>(
      `SELECT * FROM instruction_versions WHERE ${SCOPE} ORDER BY version DESC LIMIT 1`,
      scopeParams(scope),
    );
    return row && toVersion(row);
  }

  /** Store a new version of the scope (current + 1, or 1 for a new scope) and return it. */
  async write(scope: ScopeKey, change: InstructionChange): Promise<InstructionVersion> {
    // One statement computes the next version and inserts it, so it is atomic on its own: two writers
    // cannot both take the same number (and the UNIQUE constraint would refuse it if they tried).
    const row = await this.sql.get<Row>(
      `INSERT INTO instruction_versions
         (platform, workspace_id, scope_kind, scope_id, version, about, respond, enabled, action, actor_id, restored_from, created_at)
       SELECT @platform, @workspaceId, @kind, @scopeId, COALESCE(MAX(version), 0) + 1,
              @about, @respond, @enabled, @action, @actorId, @restoredFrom, @createdAt
         FROM instruction_versions WHERE ${SCOPE}
       RETURNING *`,
      {
        ...scopeParams(scope),
        about: change.about,
        respond: change.respond,
        enabled: change.enabled ? 1 : 0,
        action: change.action,
        actorId: change.actorId,
        restoredFrom: change.restoredFrom ?? null,
        createdAt: this.now().toISOString(),
      },
    );
    // INSERT … RETURNING always yields the inserted row; a failed insert throws instead.
    if (!row)
      throw new HeedError('storage_failed', 'The instruction version was not found right after it was written.', {
        userMessage: 'I could not save your instructions. Please try again.',
        detail: { scope },
      });
    return toVersion(row);
  }

  /** Up to `limit` versions of the scope, newest first. */
  async history(scope: ScopeKey, limit: number): Promise<InstructionVersion[]> {
    const rows = await this.sql.all<Row>(
      `SELECT * FROM instruction_versions WHERE ${SCOPE} ORDER BY version DESC LIMIT @limit`,
      { ...scopeParams(scope), limit: Math.max(0, Math.floor(limit)) },
    );
    return rows.map(toVersion);
  }

  /** Version `n` of the scope, if it exists. */
  async version(scope: ScopeKey, n: number): Promise<InstructionVersion | undefined> {
    const row = await this.sql.get<Row>(`SELECT * FROM instruction_versions WHERE ${SCOPE} AND version = @version`, {
      ...scopeParams(scope),
      version: n,
    });
    return row && toVersion(row);
  }

  /** Delete every version of the person's own instructions. Returns how many versions were deleted. */
  async forgetUser(person: PersonRef): Promise<number> {
    const { changes } = await this.sql.run(
      `DELETE FROM instruction_versions WHERE ${SCOPE}`,
      scopeParams({ platform: person.platform, workspaceId: person.workspaceId, kind: 'user', id: person.userId }),
    );
    return changes;
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

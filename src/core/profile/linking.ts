/**
 * One profile across Slack and Discord. `/instructions link` gives a one-time code (ten minutes, single
 * use); `/instructions link CODE` run by another identity joins the two, and from then on both read and
 * write the same personal instructions. Only identities listed in `profile_links` resolve to a profile,
 * so a linked profile never reaches anyone else's prompt. `/instructions unlink` splits them again, each
 * side keeping a copy. Wrong codes are rate-limited per identity.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { userScope } from '../commands/instruction-commands.js';
import type { CommandResult } from '../commands/results.js';
import { InstructionStore, type ScopeKey, type SqlExecutor } from '../storage/index.js';
import type { PersonRef, Platform } from '../types.js';
import { LINKED_SCOPE_PLATFORM, LINKED_SCOPE_WORKSPACE, ProfileStore } from './profile-store.js';

/** How long a code stays valid. */
export const CODE_MINUTES = 10;
/** Wrong codes an identity may enter within ATTEMPT_WINDOW_MINUTES before it must wait. */
export const MAX_FAILED_ATTEMPTS = 5;
export const ATTEMPT_WINDOW_MINUTES = 15;

// No 0/O, 1/I/L: codes are read off one screen and typed into another.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
const MINUTE_MS = 60_000;

/** A code as typed: case, spaces and dashes do not matter. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function hashCode(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}

function newCode(): string {
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index++) code += ALPHABET.charAt(randomInt(ALPHABET.length));
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

function samePerson(a: PersonRef, b: PersonRef): boolean {
  return a.platform === b.platform && a.workspaceId === b.workspaceId && a.userId === b.userId;
}

/** The instruction scope of a linked profile. */
export function profileScope(profileId: string): ScopeKey {
  return { platform: LINKED_SCOPE_PLATFORM, workspaceId: LINKED_SCOPE_WORKSPACE, kind: 'user', id: profileId };
}

/** Links identities into profiles and resolves where each person's own instructions live. */
export class Linking {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly now: () => Date,
  ) {}

  /**
   * Where the person's own instructions live: their linked profile, or their own scope. Inside a
   * transaction pass its executor as `sql` (the transaction holds the database until it ends).
   */
  async scopeOf(person: PersonRef, sql?: SqlExecutor): Promise<ScopeKey> {
    const profiles = sql ? new ProfileStore(sql) : this.profiles;
    const profileId = await profiles.profileOf(person);
    return profileId ? profileScope(profileId) : userScope(person);
  }

  /** The key of the person's settings: shared by a linked profile's identities. */
  async settingsKey(person: PersonRef): Promise<string> {
    const profileId = await this.profiles.profileOf(person);
    return profileId ? `profile:${profileId}` : ownKey(person);
  }

  /** Every identity whose data is the person's: the linked ones and the person, the person first. */
  async identities(person: PersonRef, profiles: ProfileStore = this.profiles): Promise<PersonRef[]> {
    const profileId = await profiles.profileOf(person);
    if (!profileId) return [person];
    const members = await profiles.members(profileId);
    return [person, ...members.filter((member) => !samePerson(member, person))];
  }

  /** `/instructions link`: a new one-time code for this identity (replacing any earlier one). */
  async issue(person: PersonRef): Promise<CommandResult> {
    const code = newCode();
    await this.profiles.putCode(
      person,
      hashCode(normalizeCode(code)),
      new Date(this.now().getTime() + CODE_MINUTES * MINUTE_MS),
    );
    return { kind: 'link_code', code, minutes: CODE_MINUTES };
  }

  /** `/instructions link CODE`: join this identity with the code's issuer, or say why not. */
  async redeem(person: PersonRef, typed: string): Promise<CommandResult> {
    const now = this.now();
    const windowStart = new Date(now.getTime() - ATTEMPT_WINDOW_MINUTES * MINUTE_MS);
    return this.profiles.transaction(async (profiles, tx): Promise<CommandResult> => {
      const store = new InstructionStore(tx, this.now);
      if ((await profiles.failedAttemptsSince(person, windowStart)) >= MAX_FAILED_ATTEMPTS) {
        return { kind: 'link_refused', reason: 'too_many_attempts' };
      }
      const hash = hashCode(normalizeCode(typed));
      const stored = await profiles.code(hash);
      const refuse = async (reason: 'unknown_code' | 'expired_code'): Promise<CommandResult> => {
        await profiles.recordFailedAttempt(person, now, windowStart);
        return { kind: 'link_refused', reason };
      };
      if (!stored) return refuse('unknown_code');
      if (stored.expiresAt <= now.toISOString()) {
        await profiles.dropCode(hash);
        return refuse('expired_code');
      }
      if (samePerson(stored.issuer, person)) return { kind: 'link_refused', reason: 'own_code' };
      const issuerProfile = await profiles.profileOf(stored.issuer);
      const ownProfile = await profiles.profileOf(person);
      if (issuerProfile && ownProfile) {
        return {
          kind: 'link_refused',
          reason: issuerProfile === ownProfile ? 'already_linked' : 'linked_elsewhere',
        };
      }
      await profiles.dropCode(hash);
      let profileId = issuerProfile ?? ownProfile;
      let from: Platform | 'none' = 'none';
      if (!profileId) {
        // A new profile starts from the issuer's instructions, or the redeemer's when the issuer has none.
        profileId = randomUUID();
        let source: PersonRef | undefined;
        for (const candidate of [stored.issuer, person]) {
          if (await hasInstructions(store, userScope(candidate))) {
            source = candidate;
            break;
          }
        }
        if (source) {
          await profiles.copyOwnVersions(source, profileId);
          from = source.platform;
        }
      } else {
        from = (await profiles.members(profileId))[0]?.platform ?? 'none';
      }
      await profiles.link(stored.issuer, profileId, now);
      await profiles.link(person, profileId, now);
      const others = (await profiles.members(profileId))
        .filter((member) => !samePerson(member, person))
        .map((member) => member.platform);
      return { kind: 'linked', with: [...new Set(others)], from };
    });
  }

  /**
   * `/instructions unlink`: detach this identity, keeping a copy of the profile's instructions as a new
   * version of its own. A profile left with one identity is dissolved the same way.
   */
  async unlink(person: PersonRef): Promise<CommandResult> {
    return this.profiles.transaction(async (profiles, tx): Promise<CommandResult> => {
      const store = new InstructionStore(tx, this.now);
      const profileId = await profiles.profileOf(person);
      if (!profileId) return { kind: 'not_linked' };
      const members = await profiles.members(profileId);
      const others = members.filter((member) => !samePerson(member, person));
      const leaving = others.length <= 1 ? members : [person];
      const current = await store.current(profileScope(profileId));
      const sharedKey = `profile:${profileId}`;
      const show = await profiles.showApplied(sharedKey);
      for (const member of leaving) {
        if (current) {
          await store.write(userScope(member), {
            about: current.about,
            respond: current.respond,
            enabled: current.enabled,
            action: 'unlink',
            actorId: person.userId,
          });
        }
        if (show !== undefined) await profiles.setShowApplied(ownKey(member), show, this.now());
        await profiles.unlink(member);
      }
      if (leaving.length === members.length) await profiles.forgetProfile(profileId, sharedKey);
      return {
        kind: 'unlinked',
        from: [...new Set(others.map((member) => member.platform))],
        copied: current !== undefined,
      };
    });
  }
}

/** The settings key of one identity on its own. */
export function ownKey(person: PersonRef): string {
  return `${person.platform}:${person.workspaceId}:${person.userId}`;
}

async function hasInstructions(store: InstructionStore, scope: ScopeKey): Promise<boolean> {
  const current = await store.current(scope);
  return current !== undefined && (current.about !== '' || current.respond !== '');
}

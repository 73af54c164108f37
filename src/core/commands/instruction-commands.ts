/**
 * Runs a parsed `/instructions` command against the instruction store and returns what happened as a
 * typed result. Every change is a new version; nothing is written unless the whole change is valid, so
 * bad input never leaves anything half-written. Who may change a layer is decided here, once.
 */
import type { InstructionsView } from '../api.js';
import { asHeedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InstructionAction, InstructionStore, InstructionVersion, ScopeKey } from '../storage/index.js';
import {
  DM_WORKSPACE,
  type Actor,
  type ChannelRef,
  type EditorInput,
  type PersonRef,
  type Platform,
} from '../types.js';
import { parseCommand, type ParsedCommand } from './parse-command.js';
import type { CommandResult, EditorResult, Field, Layer } from './results.js';

/** How many versions `/instructions history` lists. */
const HISTORY_LINES = 10;

/** Length as a person counts it: characters, not UTF-16 units or bytes. */
export function visibleLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The scope key of a person's own instructions. */
export function userScope(person: PersonRef): ScopeKey {
  return { platform: person.platform, workspaceId: person.workspaceId, kind: 'user', id: person.userId };
}

/** The scope key of a layer set by admins. */
export function layerScope(where: ChannelRef, layer: Layer): ScopeKey {
  return {
    platform: where.platform,
    workspaceId: where.workspaceId,
    kind: layer,
    id: layer === 'channel' ? where.channelId : where.workspaceId,
  };
}

export interface InstructionCommandsOptions {
  store: InstructionStore;
  logger: Logger;
  /** Character limit of each field and of each operator layer. */
  limit: number;
  /** People named in HEED_ADMINS, per platform, on top of each platform's own admins. */
  admins: Readonly<Partial<Record<Platform, readonly string[]>>>;
  /** The exact system prompt that would be sent for this actor in this channel. */
  preview: (actor: Actor) => Promise<string>;
  /** `checks [on|off]`: compliance answers it; without it, nothing is checked. */
  checks?: (actor: Actor, setting: 'on' | 'off' | undefined) => Promise<CommandResult>;
  /** Where a person's own instructions live (their linked profile, if any). Default: their own scope. */
  scopeOf?: (person: PersonRef) => Promise<ScopeKey>;
  /** The profile forms: `applied on|off`, `link [CODE]`, `unlink` (issue 15). */
  profile?: ProfileCommands;
}

/** The commands about a person's profile, answered by the profile capability. */
export interface ProfileCommands {
  setApplied(actor: Actor, show: boolean): Promise<CommandResult>;
  link(actor: Actor, code: string | undefined): Promise<CommandResult>;
  unlink(actor: Actor): Promise<CommandResult>;
  /** The platforms of the other identities linked to the actor (empty when not linked). */
  linkedPlatforms(actor: Actor): Promise<Platform[]>;
}

function hasInstructions(version: InstructionVersion | undefined): version is InstructionVersion {
  return version !== undefined && (version.about !== '' || version.respond !== '');
}

/** Runs `/instructions` commands for one core. */
export class InstructionCommands {
  constructor(private readonly options: InstructionCommandsOptions) {}

  /** Where this person's own instructions live. */
  private async scope(person: PersonRef): Promise<ScopeKey> {
    return this.options.scopeOf ? this.options.scopeOf(person) : userScope(person);
  }

  /** Run one command line (the text after the command name). Never throws. */
  async execute(actor: Actor, text: string): Promise<CommandResult> {
    try {
      return await this.run(actor, parseCommand(text));
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code, user: actor.userId }, 'instructions command failed');
      return { kind: 'failed', action: 'command', code: failure.code };
    }
  }

  /** Save both fields from the editor as one new version, or name the fields that are too long. Never throws. */
  async saveEditor(actor: Actor, input: EditorInput): Promise<EditorResult> {
    try {
      return await this.writeEditor(actor, input);
    } catch (error) {
      const failure = asHeedError(error);
      this.options.logger.error({ err: error, code: failure.code, user: actor.userId }, 'saving instructions failed');
      return { kind: 'failed', action: 'save', code: failure.code };
    }
  }

  /** The person's current instructions; version 0 when nothing was ever set. */
  async view(person: PersonRef): Promise<InstructionsView> {
    const current = await this.options.store.current(await this.scope(person));
    return {
      about: current?.about ?? '',
      respond: current?.respond ?? '',
      enabled: current?.enabled ?? true,
      version: current?.version ?? 0,
    };
  }

  /** True when the actor may change channel and workspace rules: the platform says so, or HEED_ADMINS does. */
  isAdmin(actor: Actor): boolean {
    return actor.isPlatformAdmin || (this.options.admins[actor.platform]?.includes(actor.userId) ?? false);
  }

  private async run(actor: Actor, command: ParsedCommand): Promise<CommandResult> {
    switch (command.kind) {
      case 'invalid':
        return { kind: 'invalid', problem: command.problem };
      case 'help':
        return { kind: 'help' };
      case 'edit':
        return this.editor(actor);
      case 'show':
        return this.show(actor);
      case 'set':
        return this.replaceField(actor, 'respond', command.text, 'set');
      case 'about':
        return this.replaceField(actor, 'about', command.text, 'about');
      case 'add':
        return this.add(actor, command.text);
      case 'clear':
        return this.clear(actor);
      case 'off':
      case 'on':
        return this.toggle(actor, command.kind === 'on');
      case 'preview':
        return { kind: 'preview', prompt: await this.options.preview(actor) };
      case 'history':
        return this.history(actor);
      case 'undo':
        return this.undo(actor);
      case 'restore':
        return this.restore(actor, command.version);
      case 'layer':
        return this.layer(actor, command);
      case 'forget-me':
        return { kind: 'confirm_forget_me', elsewhere: (await this.options.profile?.linkedPlatforms(actor)) ?? [] };
      case 'checks':
        return (await this.options.checks?.(actor, command.setting)) ?? { kind: 'checks_listed', checkingOff: false };
      case 'applied':
      case 'link':
      case 'unlink':
        return this.profileCommand(actor, command);
    }
  }

  private async profileCommand(
    actor: Actor,
    command: Extract<ParsedCommand, { kind: 'applied' | 'link' | 'unlink' }>,
  ): Promise<CommandResult> {
    const profile = this.options.profile;
    if (!profile) return { kind: 'failed', action: 'command', code: 'internal' };
    if (command.kind === 'applied') return profile.setApplied(actor, command.show);
    if (command.kind === 'unlink') return profile.unlink(actor);
    return profile.link(actor, command.code);
  }

  private async writeEditor(actor: Actor, input: EditorInput): Promise<EditorResult> {
    const about = input.about.trim();
    const respond = input.respond.trim();
    const tooLong: Extract<EditorResult, { kind: 'editor_invalid' }>['tooLong'] = {};
    for (const [field, value] of [
      ['about', about],
      ['respond', respond],
    ] as const) {
      const length = visibleLength(value);
      if (length > this.options.limit) tooLong[field] = { length, limit: this.options.limit };
    }
    if (tooLong.about || tooLong.respond) return { kind: 'editor_invalid', tooLong };
    const current = await this.options.store.current(await this.scope(actor));
    const enabled = input.enabled ?? current?.enabled ?? true;
    if (current && current.about === about && current.respond === respond && current.enabled === enabled) {
      return { kind: 'editor_unchanged', version: current.version };
    }
    const saved = await this.write(actor, { about, respond, enabled, action: 'edit' });
    return { kind: 'editor_saved', version: saved.version, paused: !enabled };
  }

  private async editor(actor: Actor): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    return {
      kind: 'editor',
      about: current?.about ?? '',
      respond: current?.respond ?? '',
      enabled: current?.enabled ?? true,
      limits: { about: this.options.limit, respond: this.options.limit },
    };
  }

  private async show(actor: Actor): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    if (!hasInstructions(current)) return { kind: 'nothing_set', command: 'show' };
    const { about, respond, enabled, version } = current;
    return { kind: 'shown', about, respond, enabled, version };
  }

  private async replaceField(
    actor: Actor,
    field: Field,
    text: string,
    action: 'set' | 'about',
  ): Promise<CommandResult> {
    const length = visibleLength(text);
    if (length > this.options.limit)
      return { kind: 'too_long', target: field, length, limit: this.options.limit, adding: false };
    const current = await this.options.store.current(await this.scope(actor));
    if (current && current[field] === text) return { kind: 'unchanged', field, version: current.version };
    const saved = await this.write(actor, {
      about: field === 'about' ? text : (current?.about ?? ''),
      respond: field === 'respond' ? text : (current?.respond ?? ''),
      enabled: current?.enabled ?? true,
      action,
    });
    return { kind: 'saved', field, version: saved.version, paused: !saved.enabled };
  }

  private async add(actor: Actor, text: string): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    const respond = current?.respond ? `${current.respond}\n${text}` : text;
    const length = visibleLength(respond);
    if (length > this.options.limit) {
      return { kind: 'too_long', target: 'respond', length, limit: this.options.limit, adding: true };
    }
    const saved = await this.write(actor, {
      about: current?.about ?? '',
      respond,
      enabled: current?.enabled ?? true,
      action: 'add',
    });
    return { kind: 'added', respond, version: saved.version, paused: !saved.enabled };
  }

  private async clear(actor: Actor): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    if (!hasInstructions(current)) return { kind: 'nothing_set', command: 'clear' };
    const saved = await this.write(actor, { about: '', respond: '', enabled: current.enabled, action: 'clear' });
    return { kind: 'cleared', version: saved.version };
  }

  private async toggle(actor: Actor, enabled: boolean): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    if (!hasInstructions(current)) return { kind: 'nothing_set', command: 'toggle' };
    if (current.enabled === enabled) return { kind: 'already', enabled };
    const saved = await this.write(actor, {
      about: current.about,
      respond: current.respond,
      enabled,
      action: enabled ? 'on' : 'off',
    });
    return { kind: 'toggled', enabled, version: saved.version };
  }

  private async history(actor: Actor): Promise<CommandResult> {
    const versions = await this.options.store.history(await this.scope(actor), HISTORY_LINES);
    const [latest] = versions;
    if (!latest) return { kind: 'nothing_set', command: 'history' };
    return {
      kind: 'history',
      lines: versions.map((entry) => ({
        version: entry.version,
        current: entry.version === latest.version,
        createdAt: entry.createdAt,
        action: entry.action,
        restoredFrom: entry.restoredFrom,
        enabled: entry.enabled,
        respond: entry.respond,
      })),
      older: Math.max(0, latest.version - versions.length),
    };
  }

  private async undo(actor: Actor): Promise<CommandResult> {
    const current = await this.options.store.current(await this.scope(actor));
    if (!current) return { kind: 'nothing_set', command: 'undo' };
    // Undo walks back: after an undo, the next undo goes one further from where that undo landed.
    const from = current.action === 'undo' && current.restoredFrom !== null ? current.restoredFrom : current.version;
    const target = from - 1;
    if (target < 0) return { kind: 'undo_exhausted' };
    const content =
      target === 0
        ? { about: '', respond: '', enabled: true }
        : await this.options.store.version(await this.scope(actor), target);
    if (!content) return { kind: 'version_missing', version: target, latest: current.version, by: 'undo' };
    const saved = await this.write(actor, {
      about: content.about,
      respond: content.respond,
      enabled: content.enabled,
      action: 'undo',
      restoredFrom: target,
    });
    return { kind: 'undone', to: target, version: saved.version };
  }

  private async restore(actor: Actor, version: number): Promise<CommandResult> {
    const scope = await this.scope(actor);
    const current = await this.options.store.current(scope);
    if (!current) return { kind: 'nothing_set', command: 'restore' };
    const target = await this.options.store.version(scope, version);
    if (!target) return { kind: 'version_missing', version, latest: current.version, by: 'restore' };
    const saved = await this.write(actor, {
      about: target.about,
      respond: target.respond,
      enabled: target.enabled,
      action: 'restore',
      restoredFrom: version,
    });
    return { kind: 'restored', from: version, version: saved.version };
  }

  private async layer(actor: Actor, command: Extract<ParsedCommand, { kind: 'layer' }>): Promise<CommandResult> {
    const { layer } = command;
    if ((layer === 'channel' && actor.isDirect) || (layer === 'workspace' && actor.workspaceId === DM_WORKSPACE)) {
      return { kind: 'layer_unavailable', layer };
    }
    const scope = layerScope(actor, layer);
    const current = await this.options.store.current(scope);
    const isSet = current !== undefined && current.respond !== '';
    if (command.action === 'show') {
      return isSet
        ? { kind: 'layer_shown', layer, text: current.respond, version: current.version, setBy: current.actorId }
        : { kind: 'layer_empty', layer, command: 'show' };
    }
    if (!this.isAdmin(actor)) return { kind: 'admins_only', layer };
    if (command.action === 'clear') {
      if (!isSet) return { kind: 'layer_empty', layer, command: 'clear' };
      const saved = await this.options.store.write(scope, {
        about: '',
        respond: '',
        enabled: true,
        action: 'clear',
        actorId: actor.userId,
      });
      return { kind: 'layer_cleared', layer, version: saved.version };
    }
    const length = visibleLength(command.text);
    if (length > this.options.limit)
      return { kind: 'too_long', target: layer, length, limit: this.options.limit, adding: false };
    const saved = await this.options.store.write(scope, {
      about: '',
      respond: command.text,
      enabled: true,
      action: 'set',
      actorId: actor.userId,
    });
    return { kind: 'layer_saved', layer, version: saved.version };
  }

  private async write(
    actor: Actor,
    change: { about: string; respond: string; enabled: boolean; action: InstructionAction; restoredFrom?: number },
  ): Promise<InstructionVersion> {
    const restoredFrom = change.restoredFrom ?? null;
    return this.options.store.write(await this.scope(actor), { ...change, restoredFrom, actorId: actor.userId });
  }
}

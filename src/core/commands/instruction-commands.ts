/**
 * Runs a parsed `/instructions` command against the instruction store and words the answer. Every
 * change is a new version; nothing is written unless the whole change is valid, so bad input never
 * leaves anything half-written.
 */
import type { InstructionStore, InstructionVersion, ScopeKey } from '../storage/index.js';
import { DM_WORKSPACE, type Actor, type ChannelRef, type CommandResult, type EditorInput, type EditorResult, type PersonRef } from '../types.js';
import { HELP_TEXT } from './help.js';
import type { ParsedCommand } from './parse-command.js';

type Field = 'about' | 'respond';

const FIELD_NAMES: Record<Field, string> = { about: '"About me"', respond: '"How to respond"' };
/** What a platform calls its workspace (Discord: a server) and who administers it. */
function workspaceWords(platform: Actor['platform']): { workspace: string; admins: string } {
  return platform === 'discord'
    ? { workspace: 'server', admins: 'members with the Manage Server permission' }
    : { workspace: 'workspace', admins: 'workspace admins and owners' };
}
const HISTORY_LIMIT = 10;

/** Length as a person counts it: characters, not UTF-16 units or bytes. */
export function visibleLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  return visibleLength(flat) > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

const formatNumber = (value: number) => value.toLocaleString('en-US');

/** The scope key of a person's own instructions. */
export function userScope(person: PersonRef): ScopeKey {
  return { platform: person.platform, workspaceId: person.workspaceId, kind: 'user', id: person.userId };
}

/** The scope key of a layer set by admins. */
export function layerScope(where: ChannelRef, layer: 'channel' | 'workspace'): ScopeKey {
  return {
    platform: where.platform,
    workspaceId: where.workspaceId,
    kind: layer,
    id: layer === 'channel' ? where.channelId : where.workspaceId,
  };
}

export interface InstructionCommandsOptions {
  store: InstructionStore;
  /** Character limit of each field and of each operator layer. */
  limit: number;
  /** The exact system prompt that would be sent for this actor in this channel. */
  preview: (actor: Actor) => string;
}

/** Runs `/instructions` commands for one core. */
export class InstructionCommands {
  constructor(private readonly options: InstructionCommandsOptions) {}

  /** Run a parsed command; the result is always visible only to its author. */
  run(actor: Actor, command: ParsedCommand): CommandResult {
    switch (command.kind) {
      case 'invalid':
        return message(command.message);
      case 'help':
        return message(HELP_TEXT);
      case 'edit':
        return this.editor(actor);
      case 'show':
        return message(this.show(actor));
      case 'set':
        return message(this.replaceField(actor, 'respond', command.text, 'set'));
      case 'about':
        return message(this.replaceField(actor, 'about', command.text, 'about'));
      case 'add':
        return message(this.add(actor, command.text));
      case 'clear':
        return message(this.clear(actor));
      case 'off':
      case 'on':
        return message(this.toggle(actor, command.kind === 'on'));
      case 'preview':
        return message(`This is the exact system prompt I would send for you in this channel:\n\`\`\`\n${this.options.preview(actor)}\n\`\`\``);
      case 'history':
        return message(this.history(actor));
      case 'undo':
        return message(this.undo(actor));
      case 'restore':
        return message(this.restore(actor, command.version));
      case 'layer':
        return message(this.layer(actor, command));
      case 'forget-me':
        return {
          kind: 'confirm',
          action: 'forget-me',
          text:
            `This deletes everything I store about you in this ${workspaceWords(actor.platform).workspace}: every version of your instructions, ` +
            'the replies I gave you with their snapshots, and the reports you filed. It cannot be undone.',
          confirmLabel: 'Delete everything',
        };
    }
  }

  /** Save both fields from the editor as one new version, or name the fields that are too long. */
  saveEditor(actor: Actor, input: EditorInput): EditorResult {
    const about = input.about.trim();
    const respond = input.respond.trim();
    const errors: Partial<Record<Field, string>> = {};
    for (const [field, value] of [['about', about], ['respond', respond]] as const) {
      const problem = this.tooLong(field, value);
      if (problem) errors[field] = problem;
    }
    if (errors.about || errors.respond) return { ok: false, errors };
    const current = this.options.store.current(userScope(actor));
    const enabled = input.enabled ?? current?.enabled ?? true;
    if (current && current.about === about && current.respond === respond && current.enabled === enabled) {
      return { ok: true, version: current.version, text: `Nothing changed; your instructions stay at version ${current.version}.` };
    }
    const saved = this.write(actor, { about, respond, enabled, action: 'edit' });
    return { ok: true, version: saved.version, text: `Saved as version ${saved.version}.${enabled ? '' : ' They are off until you turn them on.'}` };
  }

  private editor(actor: Actor): CommandResult {
    const current = this.options.store.current(userScope(actor));
    return {
      kind: 'editor',
      about: current?.about ?? '',
      respond: current?.respond ?? '',
      enabled: current?.enabled ?? true,
      limits: { about: this.options.limit, respond: this.options.limit },
    };
  }

  private show(actor: Actor): string {
    const current = this.options.store.current(userScope(actor));
    if (!current || (current.about === '' && current.respond === '')) {
      return 'You have no custom instructions yet. Set them with `/instructions set <how I should respond>` and `/instructions about <about you>`, or open the editor with `/instructions`.';
    }
    const state = current.enabled ? 'on' : 'off (paused: `/instructions on` resumes them)';
    return [
      `Your instructions, version ${current.version}, are ${state}.`,
      `*About me*\n${current.about ? quote(current.about) : '> (empty)'}`,
      `*How to respond*\n${current.respond ? quote(current.respond) : '> (empty)'}`,
    ].join('\n\n');
  }

  private replaceField(actor: Actor, field: Field, text: string, action: string): string {
    const problem = this.tooLong(field, text);
    if (problem) return problem;
    const current = this.options.store.current(userScope(actor));
    if (current && current[field] === text) {
      return `${FIELD_NAMES[field]} already says exactly that; nothing changed (version ${current.version}).`;
    }
    const saved = this.write(actor, {
      about: field === 'about' ? text : (current?.about ?? ''),
      respond: field === 'respond' ? text : (current?.respond ?? ''),
      enabled: current?.enabled ?? true,
      action,
    });
    return `Saved ${FIELD_NAMES[field]} as version ${saved.version}.${offReminder(saved)}`;
  }

  private add(actor: Actor, text: string): string {
    const current = this.options.store.current(userScope(actor));
    const respond = current?.respond ? `${current.respond}\n${text}` : text;
    const length = visibleLength(respond);
    if (length > this.options.limit) {
      return (
        `Adding that would make "How to respond" ${formatNumber(length)} characters; the limit is ` +
        `${formatNumber(this.options.limit)}. Shorten it, or replace the whole field with \`/instructions set <text>\`. Nothing was changed.`
      );
    }
    const saved = this.write(actor, { about: current?.about ?? '', respond, enabled: current?.enabled ?? true, action: 'add' });
    return `Added. "How to respond" is now version ${saved.version}:\n${quote(respond)}${offReminder(saved)}`;
  }

  private clear(actor: Actor): string {
    const current = this.options.store.current(userScope(actor));
    if (!current || (current.about === '' && current.respond === '')) return 'You have no instructions to clear.';
    const saved = this.write(actor, { about: '', respond: '', enabled: current.enabled, action: 'clear' });
    return `Cleared (version ${saved.version}). Your history is kept: \`/instructions undo\` brings them back.`;
  }

  private toggle(actor: Actor, enabled: boolean): string {
    const current = this.options.store.current(userScope(actor));
    if (!current || (current.about === '' && current.respond === '')) {
      return 'You have no instructions to turn on or off yet. Set them with `/instructions set <text>`.';
    }
    if (current.enabled === enabled) return `Your instructions are already ${enabled ? 'on' : 'off'}.`;
    const saved = this.write(actor, { about: current.about, respond: current.respond, enabled, action: enabled ? 'on' : 'off' });
    return enabled
      ? `Your instructions are on again (version ${saved.version}).`
      : `Your instructions are paused (version ${saved.version}); I'll answer without them until \`/instructions on\`.`;
  }

  private history(actor: Actor): string {
    const versions = this.options.store.history(userScope(actor), HISTORY_LIMIT);
    const [latest] = versions;
    if (!latest) return 'You have no history yet: nothing has been set.';
    const lines = versions.map((entry) => {
      const marker = entry.version === latest.version ? ' (current)' : '';
      const origin = entry.restoredFrom !== null ? ` from v${entry.restoredFrom}` : '';
      return `• v${entry.version}${marker} · ${entry.createdAt.slice(0, 16).replace('T', ' ')} UTC · ${entry.action}${origin}${entry.enabled ? '' : ' · off'} · ${excerpt(entry.respond, 60)}`;
    });
    const more = latest.version > versions.length ? `\n…and ${latest.version - versions.length} older versions.` : '';
    return `Your last ${versions.length === 1 ? 'version' : `${versions.length} versions`}, newest first:\n${lines.join('\n')}${more}\n\`/instructions restore <version>\` goes back to any of them.`;
  }

  private undo(actor: Actor): string {
    const current = this.options.store.current(userScope(actor));
    if (!current) return 'Nothing to undo: you have not set any instructions.';
    // Undo walks back: after an undo, the next undo goes one further from where that undo landed.
    const from = current.action === 'undo' && current.restoredFrom !== null ? current.restoredFrom : current.version;
    const target = from - 1;
    if (target < 0) return 'Nothing left to undo: you are back before your first version.';
    const content = target === 0 ? { about: '', respond: '', enabled: true } : this.options.store.version(userScope(actor), target);
    if (!content) return `Version ${target} is no longer stored, so I cannot undo further.`;
    const saved = this.write(actor, { about: content.about, respond: content.respond, enabled: content.enabled, action: 'undo', restoredFrom: target });
    return target === 0
      ? `Undone: you have no instructions now (version ${saved.version}). \`/instructions undo\` again is not possible; \`restore\` brings any version back.`
      : `Undone: back to the content of version ${target}, saved as version ${saved.version}.`;
  }

  private restore(actor: Actor, version: number): string {
    const scope = userScope(actor);
    const current = this.options.store.current(scope);
    if (!current) return 'You have no versions to restore yet.';
    const target = this.options.store.version(scope, version);
    if (!target) {
      return `There is no version ${version}; you have versions 1 to ${current.version}. \`/instructions history\` lists them.`;
    }
    const saved = this.write(actor, { about: target.about, respond: target.respond, enabled: target.enabled, action: 'restore', restoredFrom: version });
    return `Restored version ${version} as version ${saved.version}.`;
  }

  private layer(actor: Actor, command: Extract<ParsedCommand, { kind: 'layer' }>): string {
    const words = workspaceWords(actor.platform);
    const name = command.layer === 'channel' ? 'channel rules' : `${words.workspace} rules`;
    if (command.layer === 'channel' && actor.isDirect) {
      return 'Channel rules apply to shared channels. In a direct message, use your own instructions (`/instructions set <text>`).';
    }
    if (command.layer === 'workspace' && actor.workspaceId === DM_WORKSPACE) {
      return `${words.workspace === 'server' ? 'Server' : 'Workspace'} rules can only be set inside a ${words.workspace}, not in a direct message.`;
    }
    const scope = layerScope(actor, command.layer);
    const current = this.options.store.current(scope);
    if (command.action === 'show') {
      return current && current.respond !== ''
        ? `The ${name} (version ${current.version}, set by <@${current.actorId}>):\n${quote(current.respond)}`
        : `No ${name} are set${command.layer === 'channel' ? ' for this channel' : ''}.`;
    }
    if (!actor.isAdmin) {
      return `Only ${words.admins} can change the ${name}. Ask one of them, or shape your own answers with \`/instructions set <text>\`.`;
    }
    if (command.action === 'clear') {
      if (!current || current.respond === '') return `There are no ${name} to clear.`;
      const saved = this.options.store.write(scope, { about: '', respond: '', enabled: true, action: 'clear', actorId: actor.userId });
      return `Cleared the ${name} (version ${saved.version}).`;
    }
    const length = visibleLength(command.text);
    if (length > this.options.limit) {
      return `The ${name} are ${formatNumber(length)} characters; the limit is ${formatNumber(this.options.limit)}. Shorten them and try again. Nothing was changed.`;
    }
    const saved = this.options.store.write(scope, { about: '', respond: command.text, enabled: true, action: 'set', actorId: actor.userId });
    return `Saved the ${name} as version ${saved.version}. They apply to everyone ${command.layer === 'channel' ? 'in this channel' : `in this ${words.workspace}`} and win over personal instructions where they conflict.`;
  }

  private tooLong(field: Field, text: string): string | undefined {
    const length = visibleLength(text);
    if (length <= this.options.limit) return undefined;
    return `${FIELD_NAMES[field]} is ${formatNumber(length)} characters; the limit is ${formatNumber(this.options.limit)}. Shorten it and try again. Nothing was changed.`;
  }

  private write(actor: Actor, change: { about: string; respond: string; enabled: boolean; action: string; restoredFrom?: number }): InstructionVersion {
    return this.options.store.write(userScope(actor), { ...change, restoredFrom: change.restoredFrom ?? null, actorId: actor.userId });
  }
}

function message(text: string): CommandResult {
  return { kind: 'message', text };
}

function offReminder(version: InstructionVersion): string {
  return version.enabled ? '' : ' (Your instructions are paused; `/instructions on` resumes them.)';
}

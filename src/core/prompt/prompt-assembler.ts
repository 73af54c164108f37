/**
 * Everything the model is sent for one message: the layered system prompt for the asker in this
 * channel, then the history trimmed to the token budget, then the message itself.
 */
import { layerScope, userScope } from '../commands/instruction-commands.js';
import type { Logger } from '../logger.js';
import type { AppliedLayerName } from '../reply/applied.js';
import type { InstructionStore, ReplySnapshot, ScopeKey } from '../storage/index.js';
import type { ChannelRef, IncomingMessage, PersonRef } from '../types.js';
import type { ChatMessage } from './chat-message.js';
import { assembleMessages } from './conversation.js';
import { restatedRules, shouldRestate } from './restate.js';
import { buildSystemPrompt, promptFenceId, type PromptLayers } from './system-prompt.js';
import { tokensOfMessage } from './tokens.js';

/** Who the prompt is for, and where. */
export type Asker = ChannelRef & { userId: string; userName?: string | undefined };

export interface PromptSettings {
  basePrompt: string;
  contextTokens: number;
  maxOutputTokens: number;
  /** Keys the fence nonces, so no one can predict a fence from what `preview` shows. */
  fenceKey: string;
  /** Restate the asker's and the channel's rules once a thread has this many earlier messages (0: when trimmed). */
  restateAfterTurns?: number;
}

/** A system prompt and the instruction versions it was built from. */
export interface BuiltPrompt {
  prompt: string;
  versions: ReplySnapshot['instructionVersions'];
  /** The scope each layer in force was read from. */
  scopes: Partial<Record<AppliedLayerName, ScopeKey>>;
  /** The layers' text, for restating. */
  layers: PromptLayers;
}

/** Everything sent for one message, and what was left out to fit. */
export interface PreparedPrompt {
  messages: ChatMessage[];
  versions: BuiltPrompt['versions'];
  scopes: BuiltPrompt['scopes'];
  /** History messages left out to fit the context, oldest first. */
  leftOut: IncomingMessage['history'];
  /** The rules were restated at the end of the context. */
  restated: boolean;
}

/** Builds prompts from the stored layers. */
export class PromptAssembler {
  constructor(
    private readonly store: InstructionStore,
    private readonly settings: PromptSettings,
    private readonly now: () => Date,
    /** Where a person's own instructions live (their linked profile, if any). */
    private readonly personalScope: (person: PersonRef) => Promise<ScopeKey> = async (person) => userScope(person),
  ) {}

  /**
   * The system prompt for this person in this channel. Layers that cannot be set there (a DM's channel rules) are
   * absent.
   */
  async systemPromptFor(asker: Asker): Promise<BuiltPrompt> {
    const workspace = await this.store.current(layerScope(asker, 'workspace'));
    const channel = await this.store.current(layerScope(asker, 'channel'));
    const ownScope = await this.personalScope(asker);
    const person = await this.store.current(ownScope);
    const personal = person?.enabled ? person : undefined;
    const layers: PromptLayers = {
      base: this.settings.basePrompt,
      platform: asker.platform,
      today: this.now().toISOString().slice(0, 10),
      ...(workspace?.respond ? { workspaceRules: workspace.respond } : {}),
      ...(channel?.respond ? { channelRules: channel.respond } : {}),
      ...(personal?.about ? { about: personal.about } : {}),
      ...(personal?.respond ? { respond: personal.respond } : {}),
      ...(asker.userName ? { askerName: asker.userName } : {}),
      fenceKey: this.settings.fenceKey,
    };
    const scopes: BuiltPrompt['scopes'] = {};
    if (workspace?.respond) scopes.workspace = layerScope(asker, 'workspace');
    if (channel?.respond) scopes.channel = layerScope(asker, 'channel');
    if (personal && (personal.about || personal.respond)) scopes.user = ownScope;
    return {
      prompt: buildSystemPrompt(layers),
      scopes,
      layers,
      versions: {
        workspace: workspace?.version ?? null,
        channel: channel?.version ?? null,
        user: personal?.version ?? null,
      },
    };
  }

  /**
   * The messages for the model; history that did not fit the budget is left out, oldest first, and
   * logged. When history was trimmed, or the thread is long, the channel's and the asker's rules are
   * restated just before the new message (within the same budget).
   */
  async prepare(message: IncomingMessage, log: Logger): Promise<PreparedPrompt> {
    const { prompt, versions, scopes, layers } = await this.systemPromptFor(message);
    const assemble = (reserve: number) =>
      assembleMessages({
        system: prompt,
        history: message.history,
        message: { text: message.text, ...(message.userName ? { speaker: message.userName } : {}) },
        contextTokens: this.settings.contextTokens - reserve,
        reserveOutputTokens: this.settings.maxOutputTokens,
      });
    let { messages, droppedHistory } = assemble(0);
    let restated = false;
    if (shouldRestate(droppedHistory, message.history.length, this.settings.restateAfterTurns ?? 0)) {
      const reminder = restatedRules({
        ...(layers.channelRules ? { channelRules: layers.channelRules } : {}),
        ...(layers.respond ? { respond: layers.respond } : {}),
        fenceId: promptFenceId(layers),
      });
      if (reminder) {
        ({ messages, droppedHistory } = assemble(tokensOfMessage(reminder)));
        messages = [...messages.slice(0, -1), reminder, ...messages.slice(-1)];
        restated = true;
      }
    }
    if (droppedHistory > 0) log.debug({ droppedHistory, restated }, 'history trimmed to the context budget');
    return { messages, versions, scopes, leftOut: message.history.slice(0, droppedHistory), restated };
  }
}

/**
 * Everything the model is sent for one message: the layered system prompt for the asker in this
 * channel, then the history trimmed to the token budget, then the message itself.
 */
import { layerScope, userScope } from '../commands/instruction-commands.js';
import type { Logger } from '../logger.js';
import type { InstructionStore, ReplySnapshot } from '../storage/index.js';
import type { ChannelRef, IncomingMessage } from '../types.js';
import type { ChatMessage } from './chat-message.js';
import { assembleMessages } from './conversation.js';
import { buildSystemPrompt } from './system-prompt.js';

/** Who the prompt is for, and where. */
export type Asker = ChannelRef & { userId: string; userName?: string | undefined };

export interface PromptSettings {
  basePrompt: string;
  contextTokens: number;
  maxOutputTokens: number;
  /** Keys the fence nonces, so no one can predict a fence from what `preview` shows. */
  fenceKey: string;
}

/** A system prompt and the instruction versions it was built from. */
export interface BuiltPrompt {
  prompt: string;
  versions: ReplySnapshot['instructionVersions'];
}

/** Builds prompts from the stored layers. */
export class PromptAssembler {
  constructor(
    private readonly store: InstructionStore,
    private readonly settings: PromptSettings,
    private readonly now: () => Date,
  ) {}

  /** The system prompt for this person in this channel. Layers that cannot be set there (a DM's channel rules) are absent. */
  systemPromptFor(asker: Asker): BuiltPrompt {
    const workspace = this.store.current(layerScope(asker, 'workspace'));
    const channel = this.store.current(layerScope(asker, 'channel'));
    const person = this.store.current(userScope(asker));
    const personal = person?.enabled ? person : undefined;
    const prompt = buildSystemPrompt({
      base: this.settings.basePrompt,
      platform: asker.platform,
      today: this.now().toISOString().slice(0, 10),
      ...(workspace?.respond ? { workspaceRules: workspace.respond } : {}),
      ...(channel?.respond ? { channelRules: channel.respond } : {}),
      ...(personal?.about ? { about: personal.about } : {}),
      ...(personal?.respond ? { respond: personal.respond } : {}),
      ...(asker.userName ? { askerName: asker.userName } : {}),
      fenceKey: this.settings.fenceKey,
    });
    return {
      prompt,
      versions: {
        workspace: workspace?.version ?? null,
        channel: channel?.version ?? null,
        user: personal?.version ?? null,
      },
    };
  }

  /** The messages for the model; history that did not fit the budget is left out, oldest first, and logged. */
  prepare(message: IncomingMessage, log: Logger): { messages: ChatMessage[]; versions: BuiltPrompt['versions'] } {
    const { prompt, versions } = this.systemPromptFor(message);
    const { messages, droppedHistory } = assembleMessages({
      system: prompt,
      history: message.history,
      message: { text: message.text, ...(message.userName ? { speaker: message.userName } : {}) },
      contextTokens: this.settings.contextTokens,
      reserveOutputTokens: this.settings.maxOutputTokens,
    });
    if (droppedHistory > 0) log.debug({ droppedHistory }, 'history trimmed to the context budget');
    return { messages, versions };
  }
}

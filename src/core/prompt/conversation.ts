import type { HistoryMessage } from '../types.js';
import type { ChatMessage } from './chat-message.js';
import { neutralizeName } from './fence.js';
import { countMessageTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, tokensOfMessage } from './tokens.js';

/** What {@link assembleMessages} needs: the prompt, the conversation so far, the new message and the budget. */
export interface ConversationInput {
  system: string;
  /** Earlier messages, oldest first. */
  history: HistoryMessage[];
  message: { text: string; speaker?: string };
  /** The model's context window, in tokens. */
  contextTokens: number;
  /** Tokens kept free for the reply. */
  reserveOutputTokens: number;
}

/** The request to send, how many history messages did not fit, and what the request costs in tokens. */
export interface AssembledConversation {
  messages: ChatMessage[];
  droppedHistory: number;
  promptTokens: number;
}

/**
 * A speaker's name on one line, without the brackets that delimit it, and neutralized like a layer's
 * text: a display name is chosen by its owner and must not pass for a fence or a chat-template token.
 */
function speakerLabel(speaker: string | undefined): string {
  return neutralizeName((speaker ?? '').replace(/[[\]\p{Cc}]/gu, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** A user turn labelled with its speaker (`[Ana] text`) so the model can tell people apart. */
function userTurn(text: string, speaker: string | undefined): ChatMessage {
  const label = speakerLabel(speaker);
  return { role: 'user', content: label ? `[${label}] ${text}` : text };
}

function historyTurn(message: HistoryMessage): ChatMessage {
  return message.role === 'assistant'
    ? { role: 'assistant', content: message.text }
    : userTurn(message.text, message.speaker);
}

/**
 * The messages for one model request: the system prompt, as much history as fits, the new message.
 * History is dropped oldest first until the request fits `contextTokens - reserveOutputTokens`; the
 * system prompt and the new message are always kept, even when they alone exceed the budget.
 * Each history message is counted at most once, walking back from the newest.
 */
export function assembleMessages(input: ConversationInput): AssembledConversation {
  const budget = input.contextTokens - input.reserveOutputTokens;
  const system: ChatMessage = { role: 'system', content: input.system };
  const message = userTurn(input.message.text, input.message.speaker);
  const everything = [system, ...input.history.map(historyTurn), message];
  // A token covers at least one UTF-8 byte, so when the bytes fit the whole conversation fits and no
  // counting is needed; the exact count is then computed only if someone asks for it.
  if (upperBoundTokens(everything) <= budget) {
    let counted: number | undefined;
    return {
      messages: everything,
      droppedHistory: 0,
      get promptTokens() {
        counted ??= countMessageTokens(everything);
        return counted;
      },
    };
  }
  let promptTokens = REPLY_PRIMING_TOKENS + tokensOfMessage(system) + tokensOfMessage(message);

  let firstKept = input.history.length;
  const kept: ChatMessage[] = [];
  while (firstKept > 0) {
    const turn = historyTurn(input.history[firstKept - 1] as HistoryMessage);
    const cost = tokensOfMessage(turn);
    if (promptTokens + cost > budget) break;
    promptTokens += cost;
    kept.push(turn);
    firstKept -= 1;
  }

  return { messages: [system, ...kept.reverse(), message], droppedHistory: firstKept, promptTokens };
}

/** A bound no tokenizer count can exceed: every message's overhead and role, plus one token per byte. */
function upperBoundTokens(messages: ChatMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += TOKENS_PER_MESSAGE + 1 + Buffer.byteLength(message.content, 'utf8');
  return total;
}

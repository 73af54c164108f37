/**
 * Long threads keep their rules: when history had to be trimmed, or a thread is past a number of turns,
 * the channel's rules and the asker's "how to respond" are restated briefly at the end of the context,
 * just before the new message, inside the same fences (and the same fence id) as in the system prompt,
 * so the reminder carries exactly the authority of the layer it repeats and no more.
 */
import type { ChatMessage } from './chat-message.js';
import { fence, neutralizeLayerText } from './fence.js';

/** What may be restated. */
export interface RestatedLayers {
  channelRules?: string;
  respond?: string;
  /** The fence id of the system prompt these layers came from. */
  fenceId: string;
}

/** The reminder message, or undefined when there is nothing to restate. */
export function restatedRules(layers: RestatedLayers): ChatMessage | undefined {
  const channel = neutralizeLayerText(layers.channelRules ?? '', 'untrusted');
  const respond = neutralizeLayerText(layers.respond ?? '', 'untrusted');
  if (channel === '' && respond === '') return undefined;
  const parts = [
    'Reminder: this conversation is long, so here again are rules from the system prompt that still apply. ' +
      'They keep the authority and the order they have there.',
    ...(channel ? [fence('channel_rules', layers.fenceId, channel)] : []),
    ...(respond ? [fence('user_instructions', layers.fenceId, respond)] : []),
  ];
  return { role: 'system', content: parts.join('\n\n') };
}

/**
 * True when the rules should be restated: history was trimmed, or the thread has `afterTurns` earlier
 * messages (0: never by count).
 */
export function shouldRestate(droppedHistory: number, historyLength: number, afterTurns: number): boolean {
  return droppedHistory > 0 || (afterTurns > 0 && historyLength >= afterTurns);
}

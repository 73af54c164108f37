/** Platform-neutral messages and actors for core tests: a Slack workspace T1, channel C1, fresh message ids. */
import type { Actor, IncomingMessage } from '../../src/core/types.js';

let counter = 0;

/** A message from `userId` in T1/C1 with a message id no other call returns. */
export function message(userId: string, text: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  counter += 1;
  return {
    platform: 'slack',
    workspaceId: 'T1',
    channelId: 'C1',
    messageId: `m${counter}`,
    userId,
    text,
    history: [],
    ...extra,
  };
}

/** `userId` acting in T1/C1, not an admin unless `extra` says so. */
export function actor(userId: string, extra: Partial<Actor> = {}): Actor {
  return { platform: 'slack', workspaceId: 'T1', channelId: 'C1', userId, isPlatformAdmin: false, ...extra };
}

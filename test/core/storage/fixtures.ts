import type { ReplySnapshot } from '../../../src/core/storage/reply-log.js';
import type { MessageRef, PersonRef } from '../../../src/core/types.js';

/** A settable clock for repositories' `now` parameter. */
export interface TestClock {
  now: () => Date;
  set(iso: string): void;
  advanceDays(days: number): void;
  advanceMs(ms: number): void;
}

/** A clock that stands still until told to move. */
export function testClock(startIso = '2026-03-01T12:00:00.000Z'): TestClock {
  let current = new Date(startIso).getTime();
  return {
    now: () => new Date(current),
    set: (iso) => {
      current = new Date(iso).getTime();
    },
    advanceDays: (days) => {
      current += days * 86_400_000;
    },
    advanceMs: (ms) => {
      current += ms;
    },
  };
}

export function messageRef(messageId: string, overrides: Partial<MessageRef> = {}): MessageRef {
  return { platform: 'slack', workspaceId: 'T1', channelId: 'C1', messageId, ...overrides };
}

export function person(userId: string, overrides: Partial<PersonRef> = {}): PersonRef {
  return { platform: 'slack', workspaceId: 'T1', userId, ...overrides };
}

export function snapshot(overrides: Partial<ReplySnapshot> = {}): ReplySnapshot {
  return {
    platform: 'slack',
    workspaceId: 'T1',
    channelId: 'C1',
    sourceMessageId: '1700000000.000100',
    askerId: 'U1',
    model: 'gpt-4o-mini',
    params: { temperature: 0.3, max_tokens: 800 },
    instructionVersions: { user: 4, channel: null, workspace: 2 },
    messages: [
      { role: 'system', content: 'You are Heed.' },
      { role: 'user', content: 'What is WAL?' },
    ],
    replyText: 'Write-ahead logging.',
    status: 'complete',
    latencyMs: 1234,
    ...overrides,
  };
}

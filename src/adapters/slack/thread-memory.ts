/**
 * Threads Heed has seen whole, so that a follow-up's context needs no `conversations.replies` call.
 *
 * Heed is subscribed to every message event of the conversations it is in, so once it has read a
 * thread from Slack, or answered the message that began it on its first delivery (a retry may come
 * after replies), every later message of that thread passes through here: people's messages as events,
 * Heed's own as it writes them. A thread is remembered from that point; an edit or deletion Heed did not
 * make itself forgets it, and the next question reads it from Slack again; an event Slack had to retry
 * forgets every thread (a delivery failed, and Slack gives up after a few). This only holds where this
 * process receives all of the workspace's events, so it is not used with replicas on PostgreSQL. The
 * memory is bounded in threads, messages per thread and characters, and a thread unused for an hour is
 * forgotten.
 */
import type { BotIdentity } from './adapter-context.js';
import { ANSWERABLE_SUBTYPES } from './message-subtypes.js';

/** A message of a thread, as far as history needs it (from `conversations.replies` or an event). */
export interface ThreadMessage {
  ts: string;
  text: string;
  user?: string;
  botId?: string;
  botName?: string;
  subtype?: string;
  /** Texts of `markdown` blocks (how Heed's posted replies carry their Markdown). */
  markdown: string[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The fields history uses of a message object from `conversations.replies` or a message event. */
export function readThreadMessage(message: object): ThreadMessage {
  const fields = message as Record<string, unknown>;
  const profile = fields.bot_profile as Record<string, unknown> | undefined;
  const blocks = Array.isArray(fields.blocks) ? (fields.blocks as unknown[]) : [];
  const markdown = blocks.flatMap((block) => {
    const record = block as Record<string, unknown> | null;
    return record?.type === 'markdown' && typeof record.text === 'string' ? [record.text] : [];
  });
  const user = str(fields.user);
  const botId = str(fields.bot_id);
  const botName = str(fields.username) ?? str(profile?.name);
  const subtype = str(fields.subtype);
  return {
    ts: str(fields.ts) ?? '',
    text: str(fields.text) ?? '',
    markdown,
    ...(user ? { user } : {}),
    ...(botId ? { botId } : {}),
    ...(botName ? { botName } : {}),
    ...(subtype ? { subtype } : {}),
  };
}

/** Compare two Slack timestamps (`seconds.micros`) without floating-point loss. */
export function compareTs(a: string, b: string): number {
  // Slack's own timestamps all have the point in the same place: then the strings sort as the numbers do.
  if (a.length === b.length && a.indexOf('.') === b.indexOf('.')) return a < b ? -1 : a > b ? 1 : 0;
  const [aSec = '0', aMicro = '0'] = a.split('.');
  const [bSec = '0', bMicro = '0'] = b.split('.');
  return Number(aSec) - Number(bSec) || Number(aMicro.padEnd(6, '0')) - Number(bMicro.padEnd(6, '0'));
}

/** The key of one thread. */
export function threadKey(workspaceId: string, channel: string, threadTs: string): string {
  return `${workspaceId}:${channel}:${threadTs}`;
}

export interface ThreadMemoryOptions {
  /** Threads held at most; the least recently used goes first. */
  maxThreads: number;
  /** Messages held per thread, the newest. */
  maxMessages: number;
  /** Characters of message text held in all, over all threads. */
  maxChars: number;
  /** A thread unused this long is forgotten. */
  idleMs: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

interface Remembered {
  /** Oldest first, each ts once. */
  messages: ThreadMessage[];
  /** False while Slack is being read: messages seen meanwhile are kept, but the thread is not yet whole. */
  whole: boolean;
  chars: number;
  usedAt: number;
}

const sizeOf = (message: ThreadMessage) =>
  message.text.length + message.markdown.reduce((sum, part) => sum + part.length, 0);

/** Edits and deletions: Heed no longer knows what the thread says. */
const REWRITES = new Set(['message_changed', 'message_deleted']);

/** The memory of whole threads for one process. */
export class ThreadMemory {
  /** In order of last use, oldest first (a use moves the thread to the end). */
  private readonly threads = new Map<string, Remembered>();
  private chars = 0;
  private readonly now: () => number;

  constructor(private readonly options: ThreadMemoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** How many threads are held. */
  get size(): number {
    return this.threads.size;
  }

  /** The thread's messages, oldest first, when Heed has seen all of it; undefined otherwise. */
  messages(key: string): readonly ThreadMessage[] | undefined {
    const thread = this.use(key);
    return thread?.whole ? thread.messages : undefined;
  }

  /** A new thread: the message that begins it is all there is. */
  began(key: string, root: ThreadMessage): void {
    if (this.threads.has(key)) return;
    this.hold(key, { messages: [], whole: true, chars: 0, usedAt: this.now() });
    this.put(key, root, false);
  }

  /** Slack is about to be read for this thread: messages seen meanwhile are kept for `read`. */
  reading(key: string): void {
    if (!this.threads.has(key)) this.hold(key, { messages: [], whole: false, chars: 0, usedAt: this.now() });
  }

  /**
   * Slack's read of the whole thread, from a `reading` begun before it. Messages seen during the read
   * are kept. If the thread was forgotten meanwhile (an edit), the read may predate the edit: ignored.
   */
  read(key: string, messages: readonly ThreadMessage[]): void {
    const thread = this.threads.get(key);
    if (!thread) return;
    for (const message of messages) this.put(key, message, false);
    thread.whole = true;
  }

  /** Heed's own message in the thread as it now stands, replacing what was held of it. */
  wrote(key: string, message: ThreadMessage): void {
    this.put(key, message, true);
  }

  /** Forget every thread: some message events may never arrive (Slack had to retry one). */
  clear(): void {
    this.threads.clear();
    this.chars = 0;
  }

  /** Forget the thread: Heed can no longer tell what it says. */
  forget(key: string): void {
    const thread = this.threads.get(key);
    if (!thread) return;
    this.chars -= thread.chars;
    this.threads.delete(key);
  }

  /**
   * A Slack `message` or `app_mention` event of any subtype. A message in a held thread is added to it
   * (Heed's own only when not already held: Heed records those as it writes them); an edit or deletion
   * of someone else's message in a thread forgets it. Heed's own edits are its streaming and its
   * revisions, which record themselves.
   */
  observe(workspaceId: string, event: object, own: BotIdentity): void {
    const fields = event as Record<string, unknown>;
    const channel = str(fields.channel);
    const subtype = str(fields.subtype);
    if (!channel) return;
    if (subtype && REWRITES.has(subtype)) {
      const inner = (fields.message ?? fields.previous_message) as Record<string, unknown> | undefined;
      const ts = str(inner?.ts);
      if (!inner || !ts) return;
      const isOwn = str(inner.user) === own.userId || str(inner.bot_id) === own.botId;
      if (subtype === 'message_changed' && isOwn) return;
      this.forget(threadKey(workspaceId, channel, str(inner.thread_ts) ?? ts));
      return;
    }
    const ts = str(fields.ts);
    const threadTs = str(fields.thread_ts);
    if (!ts || !threadTs || threadTs === ts || fields.hidden === true) return;
    if (subtype && !ANSWERABLE_SUBTYPES.has(subtype) && subtype !== 'bot_message') return;
    this.put(threadKey(workspaceId, channel, threadTs), readThreadMessage(event), false);
  }

  /** Add a message to a held thread in ts order; `replace` overwrites one already held. */
  private put(key: string, message: ThreadMessage, replace: boolean): void {
    const thread = this.use(key);
    if (!thread || message.ts === '') return;
    const { messages } = thread;
    let index = messages.length;
    while (index > 0 && compareTs(messages[index - 1]?.ts ?? '', message.ts) > 0) index--;
    const held = messages[index - 1];
    if (held && held.ts === message.ts) {
      if (!replace) return;
      this.resize(thread, sizeOf(message) - sizeOf(held));
      messages[index - 1] = message;
    } else {
      messages.splice(index, 0, message);
      this.resize(thread, sizeOf(message));
    }
    while (messages.length > this.options.maxMessages) {
      const dropped = messages.shift();
      if (dropped) this.resize(thread, -sizeOf(dropped));
    }
    this.trim(key);
  }

  private resize(thread: Remembered, delta: number): void {
    thread.chars += delta;
    this.chars += delta;
  }

  /** The thread, marked as just used; an idle one is forgotten instead. */
  private use(key: string): Remembered | undefined {
    const thread = this.threads.get(key);
    if (!thread) return undefined;
    const now = this.now();
    if (now - thread.usedAt > this.options.idleMs) {
      this.forget(key);
      return undefined;
    }
    thread.usedAt = now;
    this.threads.delete(key);
    this.threads.set(key, thread);
    return thread;
  }

  private hold(key: string, thread: Remembered): void {
    this.threads.set(key, thread);
    this.trim(key);
  }

  /** Drop idle threads and, past the bounds, the least recently used ones, never `keep`. */
  private trim(keep: string): void {
    const idleSince = this.now() - this.options.idleMs;
    for (const [key, thread] of this.threads) {
      const over = this.threads.size > this.options.maxThreads || this.chars > this.options.maxChars;
      if (!over && thread.usedAt >= idleSince) break;
      if (key !== keep) this.forget(key);
    }
  }
}

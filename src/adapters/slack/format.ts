/**
 * Text shaping for Slack: the model writes standard Markdown, which Slack shows as such in streamed
 * messages (`markdown_text`) and `markdown` blocks; plain `text` fields (notification fallbacks, section
 * blocks) speak Slack's older mrkdwn. Also: no broadcast pings from model output, and splitting long
 * replies within Slack's limits without breaking code blocks.
 */

/** Markdown characters per message: Slack allows 12,000 across all markdown of one payload; keep a margin. */
export const MESSAGE_MARKDOWN_LIMIT = 11_000;
/** Characters in a `text` notification fallback; Slack recommends at most 4,000. */
export const FALLBACK_TEXT_LIMIT = 4_000;
/** Characters in a section block's text. */
export const SECTION_TEXT_LIMIT = 3_000;

/** An invisible character that stops Slack from reading `@here` or `<!here` as a broadcast. */
const WORD_JOINER = '\u2060';
const BROADCASTS = ['channel', 'here', 'everyone'] as const;
/**
 * The opening of a Slack token that notifies many people, whatever follows it: once the opening is
 * defused, no label, nesting or later text can complete it.
 */
const BROADCAST_OPENING = /<(?=!(?:channel|here|everyone|group|subteam\^))/gi;
/** The opening of a Slack link with a label (`<https://target|`): its label could hide the target. */
const LABELLED_LINK_OPENING = /<(?=(?:https?|mailto):[^<>|]*\|)/gi;
/** What may follow `<` in a Slack token: `!` specials, `@` and `#` mentions, a link's scheme. */
const TOKEN_START = /[!@#a-z]/i;
/** Held text past this length is released defused: holding cannot be unbounded. */
const MAX_HELD = 500;

/**
 * Defuse broadcast pings in model output and show disguised links: `<!here>`, `<!channel|@channel>`,
 * `<!everyone>`, user-group mentions `<!subteam^S…|@team>` and the bare words `@here`, `@channel`,
 * `@everyone` stay readable (`@here`) but notify nobody; any other opening of such a token (an unclosed
 * one, a label holding `<`) is broken with an invisible character; a link `<url|label>` becomes
 * `label (url)`, so its real target shows. Markup stops at the next `<` as well as at `>`, which keeps
 * every pattern linear and leaves nested text to the opening rules.
 */
export function neutralizeBroadcasts(text: string): string {
  // Every pattern below starts at a `<` or an `@`; most streamed deltas have neither.
  if (!text.includes('<') && !text.includes('@')) return text;
  return text
    .replace(/<!(channel|here|everyone)(?:\|[^<>]*)?>/gi, (_match, word: string) => `@${WORD_JOINER}${word}`)
    .replace(
      /<!subteam\^[A-Za-z0-9]+(?:\|@?([^<>]*))?>/g,
      (_match, handle: string | undefined) => `@${WORD_JOINER}${handle ?? 'group'}`,
    )
    .replace(/<!date\^[^<>|]*\|([^<>]*)>/g, '$1')
    .replace(/<((?:https?|mailto):[^<>|\s]+)\|([^<>]*)>/gi, (_match, url: string, label: string) =>
      label.trim() === url || label.trim() === '' ? url : `${label} (${url})`,
    )
    .replace(BROADCAST_OPENING, `<${WORD_JOINER}`)
    .replace(LABELLED_LINK_OPENING, `<${WORD_JOINER}`)
    .replace(/@(channel|here|everyone)\b/gi, (_match, word: string) => `@${WORD_JOINER}${word}`);
}

/** Every `<` that could open a Slack token, broken with an invisible character. */
function defuseOpenings(text: string): string {
  return text.replace(/<(?=[!@#a-z]|$)/gi, `<${WORD_JOINER}`);
}

/**
 * The streaming form of `neutralizeBroadcasts`: deltas arrive cut anywhere, so `@he` + `re` or `<!cha` +
 * `nnel>` must be seen whole. `push` returns the text that is safe to show now and holds back a tail
 * that could still become a token: from the first `<` that could open one and has no `>` after it, or a
 * trailing `@` that could become `@here`. So every `<` in released text is closed within it, and no token
 * can span two outputs. A tail held past MAX_HELD is released with its openings broken. `flush` releases
 * the rest at the end of the reply.
 */
export class BroadcastGuard {
  private held = '';

  push(delta: string): string {
    const text = this.held + delta;
    const cut = this.holdFrom(text);
    let out = text.slice(0, cut);
    let held = text.slice(cut);
    if (held.length > MAX_HELD) {
      const keep = this.broadcastWordTail(held);
      out += defuseOpenings(held.slice(0, keep));
      held = held.slice(keep);
    }
    this.held = held;
    return neutralizeBroadcasts(out);
  }

  flush(): string {
    const rest = this.held;
    this.held = '';
    // Nothing follows the end of the reply, so an unclosed opening here can no longer be completed.
    return neutralizeBroadcasts(rest);
  }

  /** Where the possibly-incomplete tail starts (text.length when nothing needs holding). */
  private holdFrom(text: string): number {
    let from = this.broadcastWordTail(text);
    // Every '<' after the last '>' is unclosed; the first that could open a token starts the tail.
    for (let index = text.lastIndexOf('>') + 1; index < from; index++) {
      if (text[index] !== '<') continue;
      const next = text[index + 1];
      if (next === undefined || TOKEN_START.test(next)) {
        from = index;
        break;
      }
    }
    return from;
  }

  /** Where a trailing `@`, `@he`, `@chan` … starts, or text.length. */
  private broadcastWordTail(text: string): number {
    const at = text.lastIndexOf('@');
    if (at < 0) return text.length;
    const tail = text.slice(at + 1).toLowerCase();
    return BROADCASTS.some((word) => word.startsWith(tail)) ? at : text.length;
  }
}

/** Escape the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Convert one line of Markdown prose (outside code) to mrkdwn. */
function inlineToMrkdwn(line: string): string {
  const codeSpans: string[] = [];
  let text = line.replace(/`[^`]+`/g, (span) => {
    codeSpans.push(span);
    return `\u0000${codeSpans.length - 1}\u0000`;
  });
  text = escapeMrkdwn(text)
    // Slack's own mention syntax from the model survives escaping.
    .replace(/&lt;([@#][A-Z0-9]+(?:\|[^&]*)?)&gt;/g, '<$1>')
    .replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, '<$1>')
    // A label that looks like another address would hide the target: show both instead.
    .replace(/!?\[([^[\]]+)\]\((https?:\/\/[^\s)]+)\)/g, (_m, label: string, url: string) =>
      /^\s*(?:https?:\/\/|www\.)/i.test(label) && label.trim() !== url ? `${label} (<${url}>)` : `<${url}|${label}>`,
    )
    .replace(/^(\s{0,3})#{1,6}\s+(.+?)\s*#*\s*$/, '$1\u0001$2\u0001')
    .replace(/^(\s*)[-*+]\s+/, '$1• ')
    .replace(
      /\*\*(.+?)\*\*|__(.+?)__/g,
      (_m, a: string | undefined, b: string | undefined) => `\u0001${a ?? b ?? ''}\u0001`,
    )
    .replace(/(^|[^*\w])\*(?!\s)([^*]+?)\*(?!\w)/g, '$1_$2_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/\u0001/g, '*');
  return text.replace(/\u0000(\d+)\u0000/g, (_m, index: string) => codeSpans[Number(index)] ?? '');
}

/**
 * Standard Markdown → Slack mrkdwn, for `text` fields: bold, italics, strikethrough, links, headings and
 * bullets are rewritten; code blocks and code spans pass through untouched; `&`, `<`, `>` are escaped.
 */
export function toMrkdwn(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s{0,3}(```|~~~)/.test(line)) {
        inFence = !inFence;
        return line.trim().startsWith('~~~') ? '```' : line.replace(/^(\s*```).*$/, '$1');
      }
      return inFence ? line : inlineToMrkdwn(line);
    })
    .join('\n');
}

/** The opening line of the code fence that is still open at the end of `text`, if any. */
export function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s{0,3}(```|~~~)(.*)$/.exec(line);
    if (!fence) continue;
    open = open === undefined ? `${fence[1] ?? '```'}${(fence[2] ?? '').trim()}` : undefined;
  }
  return open;
}

/**
 * Where to cut `text` so the first part has at most `max` characters: at a paragraph break, else a line
 * break, else a space, in the second half of the window; otherwise hard at `max` (never inside a
 * surrogate pair).
 */
export function findCut(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const window = text.slice(0, max + 1);
  const floor = Math.floor(max / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator, max - separator.length);
    if (at >= floor) return at + separator.length;
  }
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/**
 * Split Markdown into parts of at most `limit` characters. A code block cut in two is closed at the end
 * of one part and reopened (with its language) at the start of the next, so both render as code.
 */
export function splitMarkdown(text: string, limit = MESSAGE_MARKDOWN_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const next = cutMarkdown(rest, limit);
    parts.push(next.part);
    rest = next.rest;
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/**
 * The first part of `text` that fits in `room` characters, and the rest. A code block the cut leaves
 * open is closed at the end of the part and reopened (with its language) at the start of the rest.
 * `before` is what the part's message already holds, for telling whether a block is open.
 */
export function cutMarkdown(text: string, room: number, before = ''): { part: string; rest: string } {
  // Leave room for a closing fence.
  const cut = findCut(text, Math.max(1, room - 4));
  let part = text.slice(0, cut);
  const fence = openFence(before + part);
  if (fence) part = `${part.replace(/\n?$/, '\n')}${fence.slice(0, 3)}`;
  const rest = text.slice(cut);
  return { part, rest: fence ? `${fence}\n${rest}` : rest.replace(/^\n+/, '') };
}

/*
 * Slack's markup never nests, so every pattern over incoming text stops at the next `<` as well as at
 * `>`: from each start it scans at most to the next start, and the whole text is read in linear time
 * (a pattern running to the end of the text from each `<@U1|` took seconds on 40,000 characters).
 */

/** The user ids mentioned as `<@U…>` in Slack text. */
export function mentionedUserIds(text: string): string[] {
  return [...new Set([...text.matchAll(/<@([A-Z0-9]+)(?:\|[^<>]*)?>/g)].map((match) => match[1] ?? ''))].filter(
    (id) => id !== '',
  );
}

/**
 * Slack's wire text → what a person reads, for the model: mentions become `@Name`, channel links
 * `#name`, links their label and address, and the escaped `&`, `<`, `>` plain characters again.
 */
export function slackToPlain(text: string, names: ReadonlyMap<string, string>): string {
  return text
    .replace(
      /<@([A-Z0-9]+)(?:\|([^<>]*))?>/g,
      (_m, id: string, label: string | undefined) => `@${names.get(id) ?? label ?? id}`,
    )
    .replace(/<#([A-Z0-9]+)(?:\|([^<>]*))?>/g, (_m, id: string, name: string | undefined) => `#${name || id}`)
    .replace(/<!(channel|here|everyone)(?:\|[^<>]*)?>/g, '@$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^<>]*))?>/g, (_m, handle: string | undefined) => handle ?? '@group')
    .replace(/<((?:https?|mailto):[^|<>]+)\|([^<>]+)>/g, (_m, url: string, label: string) =>
      label === url ? url : `${label} (${url})`,
    )
    .replace(/<((?:https?|mailto):[^<>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Splitting long text into Discord messages. Discord refuses `content` over 2,000 characters and
 * discord.js 14 has no splitter of its own, so a reply that grows past the limit continues in further
 * messages. Splits fall on line boundaries; a code block open at a split is closed at the end of one
 * message and reopened (with its language) at the start of the next, so each message renders on its own.
 *
 * Code blocks follow Discord's renderer, not CommonMark: every ``` opens or closes a block wherever it
 * stands in a line, and the language is the word right after an opening ``` when nothing else follows
 * on that line.
 */

/** Discord's limit on a message's `content`, in UTF-16 code units (what `.length` counts). */
export const DISCORD_MESSAGE_LIMIT = 2000;

const FENCE = '```';
/** What Discord accepts as a code block's language. */
const LANGUAGE = /^[a-z0-9_+\-.#]{1,20}$/i;
/** Room a split needs to close an open block: a newline and ```. */
const CLOSING_SIZE = FENCE.length + 1;
/** How far back from a hard cut we look for an unfinished `<@id>`-style token to keep whole. */
const TOKEN_LOOKBACK = 40;

/** The block state after `line`: `null` outside a block, else the open block's language ('' for none). */
function fenceAfter(open: string | null, line: string): string | null {
  let state = open;
  for (let index = line.indexOf(FENCE); index !== -1; index = line.indexOf(FENCE, index + FENCE.length)) {
    if (state !== null) {
      state = null;
    } else {
      const info = line.slice(index + FENCE.length).trim();
      state = LANGUAGE.test(info) ? info : '';
    }
  }
  return state;
}

/**
 * Where to cut a line that cannot fit in one message: at a space if any; never inside a surrogate pair,
 * a run of backticks (it would change which blocks open), or a `<…>` token.
 */
function cutPoint(line: string, room: number): number {
  const piece = line.slice(0, room);
  const space = piece.lastIndexOf(' ');
  let cut = room;
  if (space > room / 2) {
    cut = space + 1;
  } else {
    const tokenStart = piece.lastIndexOf('<');
    if (tokenStart > 0 && tokenStart >= room - TOKEN_LOOKBACK && !piece.includes('>', tokenStart)) cut = tokenStart;
  }
  while (cut > 1 && line[cut - 1] === '`' && line[cut] === '`') cut -= 1;
  const code = line.charCodeAt(cut - 1);
  if (cut > 1 && code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}

/**
 * Split `text` into messages of at most `limit` characters each.
 *
 * Text that fits is returned as one message unchanged. Otherwise lines are packed greedily; a line
 * longer than a whole message is cut at a space (or, failing that, anywhere safe). Blank lines at a
 * split are dropped, and no message is empty or whitespace only.
 *
 * @example
 * splitMessage('a'.repeat(1500) + '\n' + 'b'.repeat(1500)); // → two messages, one per line
 */
export function splitMessage(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  if (text.length <= limit) return [text];

  const messages: string[] = [];
  let lines: string[] = [];
  let size = 0;
  let fence: string | null = null;
  /** True while the message holds nothing but the block reopened from the previous one. */
  let onlyReopened = false;

  const closingSize = (open: string | null): number => (open === null ? 0 : CLOSING_SIZE);
  const push = (line: string): void => {
    size += (lines.length > 0 ? 1 : 0) + line.length;
    lines.push(line);
    onlyReopened = false;
  };
  const emit = (): void => {
    const message = lines.join('\n').replace(/\n+$/, '');
    if (message.trim() !== '') messages.push(message);
    lines = [];
    size = 0;
  };
  const flush = (): void => {
    if (fence !== null) lines.push(FENCE);
    emit();
    if (fence !== null) {
      push(FENCE + fence);
      onlyReopened = true;
    }
  };

  for (const original of text.split('\n')) {
    let line = original;
    for (;;) {
      if (lines.length === 0 && line.trim() === '') break;
      const next = fenceAfter(fence, line);
      const separator = lines.length > 0 ? 1 : 0;
      if (size + separator + line.length + closingSize(next) <= limit) {
        push(line);
        fence = next;
        break;
      }
      if (lines.length > 0 && !onlyReopened) {
        flush();
        continue;
      }
      // The line alone is longer than a message: emit as much as fits (keeping room to close a block
      // the piece may open), then carry the rest.
      const cut = cutPoint(line, Math.max(1, limit - size - separator - CLOSING_SIZE));
      const piece = line.slice(0, cut).trimEnd();
      fence = fenceAfter(fence, piece);
      push(piece);
      line = line.slice(cut);
      flush();
    }
  }
  if (!onlyReopened) emit();
  return messages;
}

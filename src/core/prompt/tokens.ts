import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatMessage } from './chat-message.js';

/** Fixed cost of every message in a chat request (role and separators), per OpenAI's counting guide. */
export const TOKENS_PER_MESSAGE = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Longest piece, in UTF-8 bytes, encoded in one go. js-tiktoken's byte-pair merge grows faster than
 * the square of a piece's byte length, so one 40,000-character "word" (a message of "aaaa…", a CJK
 * paragraph without punctuation, a row of emoji) would take minutes. Longer pieces are counted in
 * slices of at most this many bytes: off by about one token per slice, and counting stays linear.
 */
const MAX_PIECE_BYTES = 48;

/** The encoder and the encoding's own pre-tokenizer split (`matchAll` copies it, so one serves every call). */
interface Encoding {
  encoder: Tiktoken;
  pieces: RegExp;
}

let encoding: Encoding | undefined;

/**
 * The rank table is a 2.3 MB module that becomes tens of megabytes of heap and takes about half a
 * second to build; most prompts fit their budget by a byte bound and never need a count. So it is
 * loaded (synchronously, through the module's CommonJS build) on the first count, once.
 */
function getEncoding(): Encoding {
  if (!encoding) {
    const ranks = createRequire(import.meta.url)('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    encoding = { encoder: new Tiktoken(ranks), pieces: new RegExp(ranks.pat_str, 'gu') };
  }
  return encoding;
}

/** Whether the rank table has been loaded: for tests of the lazy loading. */
export function encoderLoaded(): boolean {
  return encoding !== undefined;
}

function encodedLength(text: string): number {
  if (text.length === 0) return 0;
  // Empty allow/disallow lists: text such as "<|endoftext|>" is ordinary text here, never a special token.
  return getEncoding().encoder.encode(text, [], []).length;
}

function utf8Length(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return code < 0x10000 ? 3 : 4;
}

/** True for a piece too long to merge in one go; every UTF-16 unit takes at most 3 UTF-8 bytes. */
function isLongPiece(piece: string): boolean {
  if (piece.length * 3 <= MAX_PIECE_BYTES) return false;
  let bytes = 0;
  for (const char of piece) {
    bytes += utf8Length(char);
    if (bytes > MAX_PIECE_BYTES) return true;
  }
  return false;
}

/** Count a long piece slice by slice, cutting between code points. */
function slicedLength(piece: string): number {
  let total = 0;
  let slice = '';
  let bytes = 0;
  for (const char of piece) {
    const size = utf8Length(char);
    if (bytes + size > MAX_PIECE_BYTES) {
      total += encodedLength(slice);
      slice = '';
      bytes = 0;
    }
    slice += char;
    bytes += size;
  }
  return total + encodedLength(slice);
}

/**
 * Token counts of recently seen pieces. The encoding splits text into pieces (words with their leading
 * space, numbers, punctuation runs) and encodes each on its own, so counting piece by piece is exact;
 * chat text repeats its words, so most pieces are counted once and looked up afterwards.
 */
const pieceCache = new Map<string, number>();
const PIECE_CACHE_LIMIT = 50_000;

function pieceLength(piece: string): number {
  const cached = pieceCache.get(piece);
  if (cached !== undefined) return cached;
  const length = isLongPiece(piece) ? slicedLength(piece) : encodedLength(piece);
  if (pieceCache.size >= PIECE_CACHE_LIMIT) pieceCache.clear();
  pieceCache.set(piece, length);
  return length;
}

/**
 * The number of `o200k_base` tokens in `text` (the encoding of the GPT-4o and later families).
 * Exact for ordinary text; see {@link MAX_PIECE_BYTES} for the one approximation.
 */
export function countTokens(text: string): number {
  let total = 0;
  for (const match of text.matchAll(getEncoding().pieces)) total += pieceLength(match[0]);
  return total;
}

/** Tokens one message adds to a chat request: its fixed overhead, its role and its content. */
export function tokensOfMessage(message: ChatMessage): number {
  return TOKENS_PER_MESSAGE + countTokens(message.role) + countTokens(message.content);
}

/** Tokens a whole chat request takes: every message plus the priming of the reply. */
export function countMessageTokens(messages: ChatMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += tokensOfMessage(message);
  return total;
}

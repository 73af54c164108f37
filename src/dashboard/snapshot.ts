/**
 * Reading a stored snapshot for display: the system prompt cut at its fence lines into the layers it
 * was built from, and the difference between an instruction version used then and the one in force now.
 */
import { diffLines } from 'diff';
import { FENCE_NAMES, type FenceName } from '../core/prompt/fence.js';

/** A piece of the system prompt: the preamble (no layer) or one fenced layer. */
export interface PromptPart {
  layer: FenceName | null;
  /** The fence nonce, for fenced parts. */
  fenceId?: string;
  text: string;
}

const FENCE_LINE = new RegExp(`^<(/?)(${FENCE_NAMES.join('|')}) id="([0-9a-f]+)">$`);

/**
 * Split a system prompt at its fence lines. Only a line that opens a layer and the matching closing
 * line with the same nonce count (as for the model); text that merely looks like a fence stays text.
 */
export function splitPrompt(prompt: string): PromptPart[] {
  const parts: PromptPart[] = [];
  let open: { layer: FenceName; id: string; lines: string[] } | undefined;
  let loose: string[] = [];
  const flushLoose = () => {
    const text = loose.join('\n').trim();
    if (text) parts.push({ layer: null, text });
    loose = [];
  };
  for (const line of prompt.split('\n')) {
    const match = FENCE_LINE.exec(line);
    if (open) {
      if (match && match[1] === '/' && match[2] === open.layer && match[3] === open.id) {
        parts.push({ layer: open.layer, fenceId: open.id, text: open.lines.join('\n') });
        open = undefined;
      } else open.lines.push(line);
      continue;
    }
    if (match && match[1] === '' && match[2] && match[3]) {
      flushLoose();
      open = { layer: match[2] as FenceName, id: match[3], lines: [] };
    } else loose.push(line);
  }
  // An unclosed fence is shown as it stands rather than dropped.
  if (open) loose.push(`<${open.layer} id="${open.id}">`, ...open.lines);
  flushLoose();
  return parts;
}

/** Which instruction scope each fenced layer came from (the operator's comes from configuration). */
export function layerScope(layer: FenceName): 'workspace' | 'channel' | 'user' | null {
  switch (layer) {
    case 'workspace_rules':
      return 'workspace';
    case 'channel_rules':
      return 'channel';
    case 'about_user':
    case 'user_instructions':
      return 'user';
    case 'operator_rules':
      return null;
  }
}

/** One run of a line diff. */
export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** Line diff from `before` to `after`. */
export function lineDiff(before: string, after: string): DiffPart[] {
  return diffLines(before, after).map((change) => ({
    kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
    text: change.value,
  }));
}

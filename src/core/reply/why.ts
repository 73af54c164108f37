/**
 * "Why this answer?": for the person who asked, the layers that were in force for a reply with their
 * versions and text at that version, and what history was left out to fit the context. Anyone else
 * is told it is not theirs to see: another person's instructions are never shown.
 */
import type { CommandResult, WhyLayer } from '../commands/results.js';
import type { InstructionStore, ReplyLog } from '../storage/index.js';
import type { MessageRef, PersonRef } from '../types.js';
import type { AppliedLog } from './applied.js';

/** Why this answer? for `person` about the reply at `target`. */
export async function whyAnswer(
  parts: { replies: ReplyLog; applied: AppliedLog; store: InstructionStore },
  target: MessageRef,
  person: PersonRef,
): Promise<CommandResult> {
  const reply = await parts.replies.findByMessage(target);
  if (!reply) return { kind: 'why_unavailable', reason: 'not_a_reply' };
  const isAsker =
    reply.platform === person.platform && reply.workspaceId === person.workspaceId && reply.askerId === person.userId;
  if (!isAsker) return { kind: 'why_unavailable', reason: 'not_yours' };
  const record = await parts.applied.get(reply.id);
  if (!record) return { kind: 'why_unavailable', reason: 'not_recorded' };
  const layers: WhyLayer[] = [];
  for (const { layer, version } of record.summary.layers) {
    const scope = record.scopes[layer];
    const stored = scope ? await parts.store.version(scope, version) : undefined;
    const text = stored ? { about: stored.about, respond: stored.respond } : null;
    layers.push({ layer, version, text });
  }
  return { kind: 'why', applied: record.summary, layers, leftOut: record.leftOut, leftOutCount: record.leftOutCount };
}

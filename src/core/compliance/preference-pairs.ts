/**
 * Preference pairs for training: a rewrite that fixed a miss is a judgment between two answers to the
 * same messages. Written in the conversational chosen/rejected shape that preference-tuning tools (TRL's
 * DPOTrainer and its kin) read: `prompt` is the message list, `chosen` and `rejected` one assistant turn
 * each. Pure: the caller gathers the replies.
 */

/** A message as a snapshot stores it. */
export interface PairMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A reply with what decides whether its rewrite is a preference judgment. */
export interface PairReply {
  id: string;
  messages: readonly PairMessage[];
  replyText: string;
  model: string;
  platform: string;
  /** Undefined when it was not checked. */
  checksPassed: boolean | undefined;
  failedChecks: ReadonlyArray<{ id: string; label: string; detail: string }>;
  /** Signals of its open (not withdrawn) reports. */
  signals: ReadonlySet<'good' | 'bad'>;
}

/** Why a pair counts. */
export type PairReason = 'checks' | 'feedback';

/**
 * Whether the rewrite is preferred over the first reply: the first missed a check and the rewrite
 * passed all, or people marked the first bad (👎) and the rewrite good (👍).
 */
export function pairReason(first: PairReply, rewrite: PairReply): PairReason | undefined {
  if (first.checksPassed === false && rewrite.checksPassed === true) return 'checks';
  if (first.signals.has('bad') && rewrite.signals.has('good')) return 'feedback';
  return undefined;
}

/** One JSONL line: the first reply's messages as the prompt, the rewrite chosen, the first reply rejected. */
export function preferenceLine(first: PairReply, rewrite: PairReply, reason: PairReason): string {
  return JSON.stringify({
    prompt: first.messages,
    chosen: [{ role: 'assistant', content: rewrite.replyText }],
    rejected: [{ role: 'assistant', content: first.replyText }],
    metadata: {
      reason,
      rejected_reply_id: first.id,
      chosen_reply_id: rewrite.id,
      platform: first.platform,
      model: first.model,
      failed_checks: first.failedChecks,
    },
  });
}

/**
 * The words of compliance, once for every platform: the note to an asker whose reply missed a checked
 * instruction, the answers to Rewrite, the "revised" marker, and the checks listed by `/instructions`.
 */
import { COMMAND_NAME } from '../core/commands/command-name.js';
import type { ChecksList, CommandResult } from '../core/commands/results.js';
import type { ComplianceNotice, RewriteOutcome } from '../core/types.js';
import type { Markup } from './markup.js';

const command = `/${COMMAND_NAME}`;

/** The label of the Rewrite button (Slack, Discord). */
export const REWRITE_LABEL = 'Rewrite';
/** The small marker on a reply that was revised to follow the asker's instructions. */
export const REVISED_MARKER = 'revised to follow your instructions';

/** "This reply missed an instruction: no commas (1 comma; none were allowed)." */
export function missedMessage(notice: ComplianceNotice, m: Markup): string {
  const count = notice.missed.length;
  const what = notice.missed
    .map((entry) => `${m.text(entry.label)} (${m.text(entry.detail.replace(/\.$/, ''))})`)
    .join('; ');
  return `This reply missed ${count === 1 ? 'an instruction' : `${count} instructions`}: ${what}.`;
}

/** What the person who pressed Rewrite is told when nothing was rewritten; undefined when it was. */
export function rewriteMessage(outcome: RewriteOutcome): string | undefined {
  switch (outcome.status) {
    case 'rewritten':
      return undefined;
    case 'not_yours':
      return 'Only the person this reply answered can ask me to rewrite it.';
    case 'nothing_to_fix':
      return 'This reply already follows every instruction I can check, so there is nothing to rewrite.';
    case 'not_a_reply':
      return 'That reply is no longer stored, so I cannot rewrite it.';
    case 'failed':
      return 'I could not rewrite that reply just now; it is unchanged. Please try again in a moment.';
  }
}

/** What the person who pressed Rewrite is told once it is done (where the platform needs an answer). */
export function rewrittenMessage(passed: boolean): string {
  return passed
    ? 'Done: I rewrote the reply to follow your instructions.'
    : 'I rewrote the reply, but it still misses something; the note under it says what.';
}

/** "Checked on every reply: at most 3 bullet points · ends with 'Cheers'". */
export function checksLine(checks: ChecksList, m: Markup): string {
  const whose =
    checks.scope === 'you'
      ? 'Checked on every reply'
      : checks.scope === 'here'
        ? 'Checked on every reply to you here'
        : `Checked on every reply ${checks.scope === 'channel' ? 'in this channel' : `in this ${m.words.workspace}`}`;
  const off =
    checks.checkingOff && checks.scope !== 'channel' && checks.scope !== 'workspace'
      ? ` (checking is off for your replies: ${m.code(`${command} checks on`)} turns it on)`
      : '';
  return `${whose}: ${checks.labels.map((label) => m.text(label)).join(' · ')}${off}`;
}

type ChecksResult = Extract<CommandResult, { kind: 'checks_listed' | 'checks_toggled' | 'checks_already' }>;

/** The answers to `/instructions checks [on|off]`. */
export function checksCommandMessage(result: ChecksResult, m: Markup): string {
  switch (result.kind) {
    case 'checks_listed':
      return result.checks
        ? checksLine(result.checks, m)
        : 'Nothing I can check applies to your replies here.' +
            (result.checkingOff ? ` Checking is off for your replies (${m.code(`${command} checks on`)}).` : '');
    case 'checks_toggled':
      return result.enabled
        ? 'Checking is on again: I check each reply to you against the instructions I can verify ' +
            'and tell you when one is missed.'
        : 'Checking is off for your replies: I will not check them, flag misses or report them. ' +
            `${m.code(`${command} checks on`)} turns it back on.`;
    case 'checks_already':
      return `Checking of your replies is already ${result.enabled ? 'on' : 'off'}.`;
  }
}

/**
 * The compliance side of `/instructions`: `checks [on|off]`, and the "Checked on every reply: …" line
 * that `show`, the saving commands, the editor's confirmation, `preview` and the layer views carry.
 */
import { layerScope, userScope } from './commands/instruction-commands.js';
import type { ParsedCommand } from './commands/parse-command.js';
import { listChecks, type DerivedCheck } from './compliance/derived-check.js';
import type { ComplianceService } from './compliance-service.js';
import type { Actor, CommandResult } from './types.js';

const CHECKS = /^\s*checks(?:\s+(\S+))?\s*$/i;

/** Kinds of command after which a person's own checks are listed. */
const OWN_LAYER = new Set<ParsedCommand['kind']>(['show', 'set', 'add', 'undo', 'restore', 'on']);

function line(prefix: string, checks: readonly DerivedCheck[]): string {
  return checks.length > 0 ? `${prefix}: ${listChecks(checks)}` : '';
}

function offNote(service: ComplianceService, actor: Actor): string {
  return service.checkingEnabled(actor) ? '' : ' (checking is off for your replies: `/instructions checks on` turns it on)';
}

/** `checks`, `checks on`, `checks off`; undefined for any other command line. */
export function checksCommand(service: ComplianceService, actor: Actor, text: string): CommandResult | undefined {
  const match = CHECKS.exec(text);
  if (!match) return undefined;
  const word = match[1]?.toLowerCase();
  if (word === 'off' || word === 'on') {
    const enabled = word === 'on';
    if (service.checkingEnabled(actor) === enabled) return { kind: 'message', text: `Checking of your replies is already ${word}.` };
    service.setChecking(actor, enabled);
    return {
      kind: 'message',
      text: enabled
        ? 'Checking is on again: I check each reply to you against the instructions I can verify and tell you when one is missed.'
        : 'Checking is off for your replies: I will not check them, flag misses or report them. `/instructions checks on` turns it back on.',
    };
  }
  if (word !== undefined) {
    return { kind: 'message', text: `\`/instructions checks\` takes \`on\` or \`off\` (got "${word.slice(0, 20)}"). Nothing was changed.` };
  }
  const listed = line('Checked on every reply to you here', service.inForce(actor));
  return { kind: 'message', text: `${listed || 'Nothing I can check applies to your replies here.'}${offNote(service, actor)}` };
}

/** Add the checks line that fits the command to its answer (messages only; the text is otherwise unchanged). */
export function withChecks(service: ComplianceService, actor: Actor, command: ParsedCommand, result: CommandResult): CommandResult {
  if (result.kind !== 'message') return result;
  let extra = '';
  if (OWN_LAYER.has(command.kind)) {
    extra = line('Checked on every reply', service.currentChecks(userScope(actor)));
    if (extra) extra += offNote(service, actor);
  } else if (command.kind === 'preview') {
    extra = line('Checked on every reply to you here', service.inForce(actor));
  } else if (command.kind === 'layer' && command.action !== 'clear') {
    const where = command.layer === 'channel' ? 'in this channel' : 'in this workspace';
    extra = line(`Checked on every reply ${where}`, service.currentChecks(layerScope(actor, command.layer)));
  }
  return extra ? { kind: 'message', text: `${result.text}\n\n${extra}` } : result;
}

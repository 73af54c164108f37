/**
 * The compliance side of `/instructions`: `checks [on|off]`, and the checks that `show`, the saving
 * commands, `preview` and the layer views list after their own answer. Results are typed values; the
 * words are in `src/messages/compliance-messages.ts`.
 */
import type { ParsedCommand } from '../commands/parse-command.js';
import type { ChecksList, CommandResult } from '../commands/results.js';
import type { ComplianceService } from './service.js';
import type { Actor } from '../types.js';

/** Kinds of command after which a person's own checks are listed. */
const OWN_LAYER = new Set<ParsedCommand['kind']>(['show', 'set', 'add', 'undo', 'restore', 'on']);

/** `checks` (what is checked on the person's replies here), `checks on`, `checks off`. */
export async function checksCommand(
  service: ComplianceService,
  actor: Actor,
  setting: 'on' | 'off' | undefined,
): Promise<CommandResult> {
  if (setting) {
    const enabled = setting === 'on';
    if ((await service.checkingEnabled(actor)) === enabled) return { kind: 'checks_already', enabled };
    await service.setChecking(actor, enabled);
    return { kind: 'checks_toggled', enabled };
  }
  const checks = await service.listFor(actor, 'here');
  const checkingOff = !(await service.checkingEnabled(actor));
  return { kind: 'checks_listed', checkingOff, ...(checks ? { checks } : {}) };
}

/** Follow the command's own result with the checks it concerns, when there are any. */
export async function withChecks(
  service: ComplianceService,
  actor: Actor,
  command: ParsedCommand,
  result: CommandResult,
): Promise<CommandResult> {
  if (result.kind === 'failed' || result.kind === 'invalid') return result;
  let checks: ChecksList | undefined;
  if (OWN_LAYER.has(command.kind)) checks = await service.listFor(actor, 'you');
  else if (command.kind === 'preview') checks = await service.listFor(actor, 'here');
  else if (command.kind === 'layer' && command.action !== 'clear') checks = await service.listFor(actor, command.layer);
  return checks ? { kind: 'with_checks', result, checks } : result;
}

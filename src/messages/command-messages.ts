/**
 * The one message table: every answer to `/instructions`, the editor and forget-me, worded once and
 * formatted through a platform's Markup. Adapters and the terminal chat render the core's typed
 * results with it; the core itself writes no sentences for these.
 */
import { COMMAND_NAME } from '../core/commands/command-name.js';
import type { CommandResult, EditorResult, Field, Layer, LinkRefusal, ParseProblem } from '../core/commands/results.js';
import type { AppliedLayerName, AppliedSummary } from '../core/reply/applied.js';
import type { Platform } from '../core/types.js';
import { checksCommandMessage, checksLine } from './compliance-messages.js';
import type { Markup } from './markup.js';

const command = `/${COMMAND_NAME}`;
const ECHO_LIMIT = 40;

const FIELD_NAMES: Record<Field, string> = { about: '"About me"', respond: '"How to respond"' };
const FIELD_TITLES: Record<Field, string> = { about: 'About me', respond: 'How to respond' };

/** The label of forget-me's confirm button. */
export const FORGET_ME_CONFIRM_LABEL = 'Delete everything';
/** The label of forget-me's cancel button. */
export const FORGET_ME_CANCEL_LABEL = 'Cancel';
/** The label of the control under a reply that explains it to its asker. */
export const WHY_LABEL = 'Why this answer?';
/** The labels of a suggested edit's two buttons. */
export const ACCEPT_EDIT_LABEL = 'Accept';
export const DISMISS_EDIT_LABEL = 'Dismiss';

const PLATFORM_NAMES: Record<Platform, string> = { slack: 'Slack', discord: 'Discord', terminal: 'the terminal chat' };

function platforms(list: readonly Platform[]): string {
  const names = [...new Set(list)].map((platform) => PLATFORM_NAMES[platform]);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/** How the applied line and Why this answer? name a layer. */
function appliedLayerName(layer: AppliedLayerName, m: Markup): string {
  if (layer === 'user') return 'Your instructions';
  return layer === 'channel' ? 'channel rules' : `${m.words.workspace} rules`;
}

/**
 * The "applied" line under a reply, e.g. "Your instructions v5 · channel rules v2 · gpt-4o-mini · older
 * messages left out · 3 checks passed". Plain words: each platform sets it in its own subdued style.
 */
export function appliedLine(summary: AppliedSummary, m: Markup): string {
  const parts = summary.layers.map(({ layer, version }) => `${appliedLayerName(layer, m)} v${version}`);
  if (parts.length === 0) parts.push('No custom instructions');
  parts.push(m.text(summary.model));
  if (summary.olderLeftOut) parts.push('older messages left out');
  if (summary.checks) {
    const { passed, failed } = summary.checks;
    parts.push(
      failed > 0 ? `${plural(failed, 'check')} failed of ${passed + failed}` : `${plural(passed, 'check')} passed`,
    );
  }
  const line = parts.join(' · ');
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}`;
}

const LINK_REFUSALS: Record<LinkRefusal, string> = {
  unknown_code:
    'That code is not valid: it may be mistyped, or it was already used (each code works once). ' +
    'Ask for a new one with',
  expired_code: 'That code has expired (codes last ten minutes). Ask for a new one with',
  own_code:
    'That is your own code: enter it on the other platform, where you want to use the same instructions. A new one:',
  too_many_attempts:
    'Too many wrong codes in a row. Wait a quarter of an hour, then try again, or ask for a new code with',
  already_linked: 'These two accounts are already linked; nothing changed. To split them:',
  linked_elsewhere: 'Both accounts are already linked to other accounts. Unlink one of them first with',
};

/** Why this answer?: the model, each layer in force with its text at that version, and what was left out. */
function whyMessage(result: Extract<CommandResult, { kind: 'why' }>, m: Markup): string {
  const layerLines = result.layers.map(({ layer, version, text }) => {
    const name = appliedLayerName(layer, m);
    const heading = `${m.bold(`${name.charAt(0).toUpperCase()}${name.slice(1)}`)}, version ${version}`;
    if (text === null) return `${heading}: no longer stored.`;
    if (layer !== 'user') return `${heading}\n${m.quote(text.respond)}`;
    const about = `${FIELD_TITLES.about}:\n${m.quote(text.about)}`;
    return `${heading}\n${about}\n${FIELD_TITLES.respond}:\n${m.quote(text.respond)}`;
  });
  const layers =
    layerLines.length > 0
      ? layerLines.join('\n\n')
      : "No custom instructions or rules applied: only the operator's base prompt.";
  const count = result.leftOutCount;
  const latest = result.leftOut.map((line) => m.bullet(m.text(line))).join('\n');
  const history =
    count > 0
      ? `${plural(count, 'older message')} of the conversation ${count === 1 ? 'was' : 'were'} left out ` +
        `to fit the model's context${latest ? `, the latest of them:\n${latest}` : '.'}`
      : 'Nothing of the conversation was left out.';
  const restated = result.applied.restated
    ? "\nBecause the conversation is long, your and the channel's rules were repeated at its end."
    : '';
  const model = m.code(result.applied.model);
  return `${m.bold('Why this answer?')} It was written by ${model} with:\n\n${layers}\n\n${history}${restated}`;
}

/** The answers to `link`, `link CODE` and `unlink`. */
function linkMessage(
  result: Extract<CommandResult, { kind: 'link_code' | 'linked' | 'link_refused' | 'unlinked' | 'not_linked' }>,
  m: Markup,
): string {
  switch (result.kind) {
    case 'link_code':
      return (
        `Your link code is ${m.bold(m.code(result.code))}. On the other platform (Slack or Discord), type ` +
        `${m.code(`${command} link ${result.code}`)} within ${result.minutes} minutes. It works once. ` +
        'Both accounts will then share your instructions; channel and workspace rules stay where they were set.'
      );
    case 'linked': {
      const other = result.with.length > 0 ? platforms(result.with) : 'your other account';
      const source =
        result.from === 'none'
          ? 'Neither side had instructions yet; set them on either.'
          : `They start from your ${PLATFORM_NAMES[result.from]} instructions.`;
      const split = `${m.code(`${command} unlink`)} splits them again.`;
      return `Linked: this account and ${other} now share one set of instructions. ${source} ${split}`;
    }
    case 'link_refused': {
      const split = result.reason === 'already_linked' || result.reason === 'linked_elsewhere';
      return `${LINK_REFUSALS[result.reason]} ${m.code(`${command} ${split ? 'unlink' : 'link'}`)}.`;
    }
    case 'unlinked':
      return (
        `Unlinked from ${result.from.length > 0 ? platforms(result.from) : 'your other account'}. ` +
        (result.copied
          ? 'Each side keeps a copy of your instructions as they were, and changes from now on stay on their side.'
          : 'Neither side had instructions to keep.')
      );
    case 'not_linked':
      return `This account is not linked to another. ${m.code(`${command} link`)} gives you a code to link it.`;
  }
}

const formatNumber = (value: number) => value.toLocaleString('en-US');

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Person-typed text quoted back: no control characters or backticks, at most 40 characters. */
function echo(text: string): string {
  const chars = Array.from(text.replace(/[\p{Cc}\p{Cf}`]/gu, ''));
  return chars.length > ECHO_LIMIT ? `${chars.slice(0, ECHO_LIMIT).join('')}…` : chars.join('');
}

/** One line of person text, flattened and cut to `max` characters. */
function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty)';
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

function layerName(layer: Layer, m: Markup): string {
  return layer === 'channel' ? 'channel rules' : `${m.words.workspace} rules`;
}

/** Every valid form on one line, for answers that need to point the way. */
export function validForms(m: Markup): string {
  const forms = [
    'edit',
    'show',
    'set <text>',
    'about <text>',
    'add <text>',
    'clear',
    'off',
    'on',
    'preview',
    'history',
    'undo',
    'restore <version>',
    'checks [on|off]',
    'channel show|set <text>|clear',
    `${m.words.workspaceCommand} show|set <text>|clear`,
    'applied on|off',
    'link [code]',
    'unlink',
    'forget-me',
    'help',
  ];
  return `Valid forms: ${forms.map((form) => m.code(form)).join(', ')}.`;
}

/** The answer to `/instructions help`: every form, one line each. */
export function helpText(m: Markup): string {
  const ws = m.words.workspaceCommand;
  const lines: [forms: string[], what: string][] = [
    [[command, `${command} edit`], 'open the editor with both fields'],
    [[`${command} show`], 'your current instructions, their version and whether they are on'],
    [[`${command} set <text>`], 'replace how I should respond to you'],
    [[`${command} about <text>`], 'replace what I should know about you'],
    [[`${command} add <text>`], 'add a line to how I should respond'],
    [[`${command} clear`], 'remove your instructions (their history is kept)'],
    [[`${command} off`, `${command} on`], 'pause or resume them without deleting'],
    [[`${command} preview`], 'the exact system prompt I would use for you here'],
    [[`${command} history`], 'every version of your instructions'],
    [[`${command} undo`], 'undo your last change'],
    [[`${command} restore <version>`], 'go back to any version'],
    [
      [`${command} checks`, `${command} checks off`, `${command} checks on`],
      'what I check on every reply to you; stop or resume checking',
    ],
    [[`${command} channel show|set <text>|clear`], "this channel's rules (admins change them)"],
    [[`${command} ${ws} show|set <text>|clear`], `the ${m.words.workspace}'s rules (admins change them)`],
    [
      [`${command} applied off`, `${command} applied on`],
      'hide or show the line under my replies that says what shaped them',
    ],
    [
      [`${command} link`, `${command} link <code>`],
      'use the same instructions on Slack and Discord: get a code here, enter it there',
    ],
    [[`${command} unlink`], 'split a linked profile again (each side keeps a copy)'],
    [[`${command} forget-me`], 'delete everything stored about you, after a confirmation'],
    [[`${command} help`], 'this list'],
  ];
  return [
    `${m.bold(m.code(command))} tells me how you want to be answered. Only you see these replies.`,
    ...lines.map(([forms, what]) => m.bullet(`${forms.map((form) => m.code(form)).join(' or ')} — ${what}`)),
    `Channel and ${m.words.workspace} rules win where they conflict with your own instructions.`,
    // The words the editors use too (Slack modal and App Home): reports keep the prompt a reply was made with.
    "Only you can change your instructions. Heed's operators can read them: each reply keeps the prompt it was " +
      'made with, for failure reports.',
  ].join('\n');
}

/** Why a command line was not understood, what to do, and the valid forms. */
export function parseProblemMessage(problem: ParseProblem, m: Markup): string {
  switch (problem.code) {
    case 'missing_text': {
      if (problem.form === 'layer_set') {
        return `${m.code(`${problem.word} set`)} needs the text of the rules, for example ${m.code(`${command} ${problem.word} set Answer in English.`)}`;
      }
      const examples = {
        set: `the text of your instructions, for example ${m.code(`${command} set Answer in British English.`)}`,
        about: `what I should know about you, for example ${m.code(`${command} about I am a nurse in Lyon.`)}`,
        add: `the line to add, for example ${m.code(`${command} add Use bullet points for steps.`)}`,
      };
      return `${m.code(problem.form)} needs ${examples[problem.form]} ${validForms(m)}`;
    }
    case 'bad_version': {
      const what =
        problem.given === ''
          ? `${m.code('restore')} needs a version number`
          : `“${m.text(echo(problem.given))}” is not a version number`;
      return `${what}: use a positive whole number, for example ${m.code(`${command} restore 3`)}. ${m.code(`${command} history`)} lists your versions.`;
    }
    case 'unknown_subcommand': {
      const shown = echo(problem.given);
      const guess = problem.suggestion ? ` Did you mean ${m.code(problem.suggestion)}?` : '';
      return (
        `${m.code(command)} has no subcommand ${shown ? `“${m.text(shown)}”` : 'like that'}.${guess} ` +
        `To replace how I respond, use ${m.code(`${command} set <text>`)}. ${validForms(m)}`
      );
    }
    case 'unexpected_text':
      return (
        `${m.code(problem.word)} takes nothing after it, but got “${m.text(echo(problem.given))}”. ` +
        `Use ${m.code(`${command} ${problem.form}`)} on its own. ${validForms(m)}`
      );
    case 'bad_checks_setting':
      return (
        `${m.code('checks')} takes ${m.code('on')}, ${m.code('off')} or nothing ` +
        `(got “${m.text(echo(problem.given))}”), ` +
        `for example ${m.code(`${command} checks off`)}.`
      );
    case 'bad_layer_action': {
      const what =
        problem.given === ''
          ? `${m.code(problem.word)} needs an action`
          : `“${m.text(echo(problem.given))}” is not an action for ${m.code(problem.word)}`;
      return `${what}: use ${m.code(`${problem.word} show|set <text>|clear`)}, for example ${m.code(`${command} ${problem.word} show`)}.`;
    }
    case 'bad_switch': {
      const onOff = `${m.code('on')} or ${m.code('off')}`;
      const given = `“${m.text(echo(problem.given))}”`;
      const what = problem.given === '' ? `${m.code(problem.word)} needs ${onOff}` : `${given} is not ${onOff}`;
      const forms = `${m.code(`${command} ${problem.word} off`)} or ${m.code(`${command} ${problem.word} on`)}`;
      return `${what}: use ${forms}.`;
    }
  }
}

/** The sentence for a field or layer over the limit. */
export function tooLongMessage(target: Field | Layer, length: number, limit: number, m: Markup): string {
  const counts = `${formatNumber(length)} characters; the limit is ${formatNumber(limit)}`;
  if (target === 'about' || target === 'respond')
    return `${FIELD_NAMES[target]} is ${counts}. Shorten it and try again. Nothing was changed.`;
  return `The ${layerName(target, m)} are ${counts}. Shorten them and try again. Nothing was changed.`;
}

const PAUSED_REMINDER = (m: Markup) => ` (Your instructions are paused; ${m.code(`${command} on`)} resumes them.)`;

/** The text of forget-me's confirmation. */
export function forgetMeConfirmText(m: Markup, elsewhere: readonly Platform[] = []): string {
  const here = `in this ${m.words.workspace}`;
  const where = elsewhere.length > 0 ? `${here} and on your linked ${platforms(elsewhere)} account` : here;
  return (
    `This deletes everything I store about you ${where}: every version of your instructions, ` +
    'the replies I gave you with their snapshots, and the reports you filed. It cannot be undone.'
  );
}

/** What forget-me's cancel button leaves behind. */
export const FORGET_ME_CANCELLED = 'Cancelled. Nothing was deleted.';

/** Any command result as text. The editor and the confirmation, which platforms show as UI, get a text fallback. */
export function commandMessage(result: CommandResult, m: Markup): string {
  const w = m.words;
  switch (result.kind) {
    case 'invalid':
      return parseProblemMessage(result.problem, m);
    case 'help':
      return helpText(m);
    case 'editor':
      return (
        `${m.bold('About me')} (${result.about.length}/${result.limits.about}): ${m.text(result.about || '(empty)')}\n` +
        `${m.bold('How to respond')} (${result.respond.length}/${result.limits.respond}): ${m.text(result.respond || '(empty)')}\n` +
        `Instructions are ${result.enabled ? 'on' : 'off'}. Change them with ${m.code(`${command} about <text>`)} and ${m.code(`${command} set <text>`)}.`
      );
    case 'confirm_forget_me':
      return forgetMeConfirmText(m, result.elsewhere);
    case 'shown': {
      const state = result.enabled ? 'on' : `off (paused: ${m.code(`${command} on`)} resumes them)`;
      return [
        `Your instructions, version ${result.version}, are ${state}.`,
        `${m.bold(FIELD_TITLES.about)}\n${m.quote(result.about)}`,
        `${m.bold(FIELD_TITLES.respond)}\n${m.quote(result.respond)}`,
      ].join('\n\n');
    }
    case 'nothing_set':
      switch (result.command) {
        case 'show':
          return (
            `You have no custom instructions yet. Set them with ${m.code(`${command} set <how I should respond>`)} and ` +
            `${m.code(`${command} about <about you>`)}, or open the editor with ${m.code(command)}.`
          );
        case 'clear':
          return 'You have no instructions to clear.';
        case 'toggle':
          return `You have no instructions to turn on or off yet. Set them with ${m.code(`${command} set <text>`)}.`;
        case 'history':
          return 'You have no history yet: nothing has been set.';
        case 'undo':
          return 'Nothing to undo: you have not set any instructions.';
        case 'restore':
          return 'You have no versions to restore yet.';
      }
      break;
    case 'saved':
      return `Saved ${FIELD_NAMES[result.field]} as version ${result.version}.${result.paused ? PAUSED_REMINDER(m) : ''}`;
    case 'unchanged':
      return `${FIELD_NAMES[result.field]} already says exactly that; nothing changed (version ${result.version}).`;
    case 'too_long':
      if (result.adding) {
        return (
          `Adding that would make "How to respond" ${formatNumber(result.length)} characters; the limit is ${formatNumber(result.limit)}. ` +
          `Shorten it, or replace the whole field with ${m.code(`${command} set <text>`)}. Nothing was changed.`
        );
      }
      return tooLongMessage(result.target, result.length, result.limit, m);
    case 'added':
      return `Added. "How to respond" is now version ${result.version}:\n${m.quote(result.respond)}${result.paused ? PAUSED_REMINDER(m) : ''}`;
    case 'cleared':
      return `Cleared (version ${result.version}). Your history is kept: ${m.code(`${command} undo`)} brings them back.`;
    case 'already':
      return `Your instructions are already ${result.enabled ? 'on' : 'off'}.`;
    case 'toggled':
      return result.enabled
        ? `Your instructions are on again (version ${result.version}).`
        : `Your instructions are paused (version ${result.version}); I'll answer without them until ${m.code(`${command} on`)}.`;
    case 'preview':
      return `This is the exact system prompt I would send for you in this channel:\n${m.block(result.prompt)}`;
    case 'history': {
      const lines = result.lines.map((entry) => {
        const marker = entry.current ? ' (current)' : '';
        const origin = entry.restoredFrom !== null ? ` from v${entry.restoredFrom}` : '';
        const when = `${entry.createdAt.slice(0, 16).replace('T', ' ')} UTC`;
        return `• v${entry.version}${marker} · ${when} · ${entry.action}${origin}${entry.enabled ? '' : ' · off'} · ${m.text(excerpt(entry.respond, 60))}`;
      });
      const count = result.lines.length;
      const more = result.older > 0 ? `\n…and ${result.older} older versions.` : '';
      return (
        `Your last ${count === 1 ? 'version' : `${count} versions`}, newest first:\n${lines.join('\n')}${more}\n` +
        `${m.code(`${command} restore <version>`)} goes back to any of them.`
      );
    }
    case 'undo_exhausted':
      return 'Nothing left to undo: you are back before your first version.';
    case 'version_missing':
      return result.by === 'undo'
        ? `Version ${result.version} is no longer stored, so I cannot undo further.`
        : `There is no version ${result.version}; you have versions 1 to ${result.latest}. ${m.code(`${command} history`)} lists them.`;
    case 'undone':
      return result.to === 0
        ? `Undone: you have no instructions now (version ${result.version}). ${m.code(`${command} undo`)} again is not possible; ${m.code('restore')} brings any version back.`
        : `Undone: back to the content of version ${result.to}, saved as version ${result.version}.`;
    case 'restored':
      return `Restored version ${result.from} as version ${result.version}.`;
    case 'layer_unavailable':
      return result.layer === 'channel'
        ? `Channel rules apply to shared channels. In a direct message, use your own instructions (${m.code(`${command} set <text>`)}).`
        : `${w.workspace === 'server' ? 'Server' : 'Workspace'} rules can only be set inside a ${w.workspace}, not in a direct message.`;
    case 'layer_shown':
      return `The ${layerName(result.layer, m)} (version ${result.version}, set by ${m.mention(result.setBy)}):\n${m.quote(result.text)}`;
    case 'layer_empty':
      return result.command === 'show'
        ? `No ${layerName(result.layer, m)} are set${result.layer === 'channel' ? ' for this channel' : ''}.`
        : `There are no ${layerName(result.layer, m)} to clear.`;
    case 'admins_only':
      return `Only ${w.admins} can change the ${layerName(result.layer, m)}. Ask one of them, or shape your own answers with ${m.code(`${command} set <text>`)}.`;
    case 'layer_cleared':
      return `Cleared the ${layerName(result.layer, m)} (version ${result.version}).`;
    case 'layer_saved':
      return (
        `Saved the ${layerName(result.layer, m)} as version ${result.version}. They apply to everyone ` +
        `${result.layer === 'channel' ? 'in this channel' : `in this ${w.workspace}`} and win over personal instructions where they conflict.`
      );
    case 'forgotten':
      return (
        `Done. I deleted ${plural(result.versions, 'instruction version')}, ${plural(result.replies, 'stored reply', 'stored replies')} ` +
        `and ${plural(result.reports, 'report')} of yours` +
        (result.elsewhere.length > 0
          ? `, here and on your linked ${platforms(result.elsewhere)} account, and removed the link. ` +
            'From now on I know nothing about you on either.'
          : '. From now on I know nothing about you here.')
      );
    case 'applied_set': {
      const state = result.show
        ? 'I will show the line under my replies that says which instructions shaped them.'
        : 'I will no longer show the line under my replies that says which instructions shaped them.';
      const hidden = result.show && result.mode === 'never';
      const operator = hidden ? ' (The operator has turned that line off for everyone right now.)' : '';
      return `${state}${operator} ${m.code(`${command} applied ${result.show ? 'off' : 'on'}`)} changes it back.`;
    }
    case 'link_code':
    case 'linked':
    case 'link_refused':
    case 'unlinked':
    case 'not_linked':
      return linkMessage(result, m);
    case 'why':
      return whyMessage(result, m);
    case 'why_unavailable':
      switch (result.reason) {
        case 'not_yours':
          return 'Only the person I answered can see what shaped that reply: it may show their own instructions.';
        case 'not_a_reply':
          return 'That message is not one of my replies, or it is no longer stored.';
        case 'not_recorded':
          return 'I did not keep what shaped that reply (it is older than this feature, or it could not be stored).';
      }
      break;
    case 'edit_suggested':
      return (
        `From your note, here is a change to ${FIELD_NAMES.respond} that may avoid that next time. ` +
        'Nothing changes unless you accept it.\n' +
        `${m.bold('Now')}\n${m.quote(result.before)}\n${m.bold('Suggested')}\n${m.quote(result.after)}`
      );
    case 'edit_not_offered':
      return 'I have no change to suggest for that report.';
    case 'edit_accepted':
      return `Saved ${FIELD_NAMES.respond} as version ${result.version}. ${m.code(`${command} undo`)} takes it back.`;
    case 'edit_dismissed':
      return 'Dismissed; your instructions are unchanged, and I will not suggest it again for that report.';
    case 'edit_stale':
      return (
        `Your ${FIELD_NAMES.respond} changed since I drafted that, so I did not apply it ` +
        '(it would undo your change). Nothing was saved.'
      );
    case 'edit_gone':
      return 'That suggestion is no longer open: it was already accepted or dismissed, or its report was withdrawn.';
    case 'failed':
      return result.action === 'forget-me'
        ? 'I could not delete your data just now; nothing was deleted. Please try again in a moment.'
        : 'Something went wrong on my side. Please try again in a moment. Nothing was changed.';
    case 'with_checks':
      return `${commandMessage(result.result, m)}\n\n${checksLine(result.checks, m)}`;
    case 'checks_listed':
    case 'checks_toggled':
    case 'checks_already':
      return checksCommandMessage(result, m);
  }
}

/** Per-field sentences for an editor whose fields are too long (modals show them under each field). */
export function editorFieldProblems(
  result: Extract<EditorResult, { kind: 'editor_invalid' }>,
  m: Markup,
): Partial<Record<Field, string>> {
  const problems: Partial<Record<Field, string>> = {};
  for (const field of ['about', 'respond'] as const) {
    const problem = result.tooLong[field];
    if (problem) problems[field] = tooLongMessage(field, problem.length, problem.limit, m);
  }
  return problems;
}

/** Saving the editor, as one message. */
export function editorMessage(result: EditorResult, m: Markup): string {
  switch (result.kind) {
    case 'editor_saved':
      return (
        `Saved as version ${result.version}.${result.paused ? ' They are off until you turn them on.' : ''}` +
        (result.checks ? `\n${checksLine(result.checks, m)}` : '')
      );
    case 'editor_unchanged':
      return `Nothing changed; your instructions stay at version ${result.version}.`;
    case 'editor_invalid':
      return [
        'Your instructions were not saved.',
        ...Object.values(editorFieldProblems(result, m)).map((problem) => m.bullet(problem)),
      ].join('\n');
    case 'failed':
      return 'Something went wrong on my side. Please try again in a moment. Nothing was saved.';
  }
}

/** One suggested prompt of Slack's assistant panel: the button's title and the message it sends. */
export interface SuggestedPrompt {
  title: string;
  message: string;
}

/** What the assistant panel's greeting and prompts are drawn from. */
export interface AssistantView {
  /** The person's "how to respond", empty when unset or paused. */
  respond: string;
  /** The channel the person is viewing, when Slack says. */
  viewingChannel?: string;
}

/** The greeting when someone opens Heed's assistant panel. */
export function assistantGreeting(view: AssistantView, m: Markup): string {
  const instructions = view.respond
    ? `I answer you following your instructions (${m.code(`${command} show`)} shows them).`
    : `Tell me once how you want to be answered with ${m.code(command)}, and every answer will follow it.`;
  return `Hi! Ask me anything here. ${instructions}`;
}

/** Up to four suggested prompts, drawn from the person's instructions and the channel they are viewing. */
export function assistantPrompts(view: AssistantView, m: Markup): SuggestedPrompt[] {
  const prompts: SuggestedPrompt[] = [];
  if (view.viewingChannel) {
    prompts.push({
      title: 'Draft a message for this channel',
      message: `Help me write a short, clear message to post in ${m.channel(view.viewingChannel)}.`,
    });
  }
  const firstRule = view.respond
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
  if (firstRule) {
    prompts.push({
      title: 'How will you answer me?',
      message: 'In two sentences, how will you answer me, given my instructions?',
    });
    prompts.push({
      title: 'Try my style',
      message: `Explain something useful in one short answer, following my instruction "${excerpt(firstRule, 80)}".`,
    });
  } else {
    prompts.push({
      title: 'Help me set my instructions',
      message:
        'Ask me three short questions about how I like answers (length, tone, format), ' +
        'then suggest custom instructions for me.',
    });
  }
  prompts.push({ title: 'What can you do?', message: 'What can you help me with, in a few bullet points?' });
  return prompts.slice(0, 4);
}

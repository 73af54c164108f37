/** The slash command's name on both platforms. */
export const COMMAND_NAME = 'instructions';

const command = `/${COMMAND_NAME}`;

/** Every valid form on one line, for error messages that need to point the way. */
export const VALID_FORMS =
  'Valid forms: `edit`, `show`, `set <text>`, `about <text>`, `add <text>`, `clear`, `off`, `on`, `preview`, ' +
  '`history`, `undo`, `restore <version>`, `channel show|set <text>|clear`, `workspace show|set <text>|clear`, ' +
  '`forget-me`, `help`.';

/** The answer to `/instructions help`: every form, one line each, in Markdown both platforms render. */
export const HELP_TEXT = [
  `**\`${command}\`** tells me how you want to be answered. Only you see these replies.`,
  `- \`${command}\` or \`${command} edit\` — open the editor with both fields`,
  `- \`${command} show\` — your current instructions, their version and whether they are on`,
  `- \`${command} set <text>\` — replace how I should respond to you`,
  `- \`${command} about <text>\` — replace what I should know about you`,
  `- \`${command} add <text>\` — add a line to how I should respond`,
  `- \`${command} clear\` — remove your instructions (their history is kept)`,
  `- \`${command} off\` / \`${command} on\` — pause or resume them without deleting`,
  `- \`${command} preview\` — the exact system prompt I would use for you here`,
  `- \`${command} history\` — every version of your instructions`,
  `- \`${command} undo\` — undo your last change`,
  `- \`${command} restore <version>\` — go back to any version`,
  `- \`${command} channel show|set <text>|clear\` — this channel's rules (admins change them)`,
  `- \`${command} workspace show|set <text>|clear\` — the workspace's rules (admins change them; \`server\` works too)`,
  `- \`${command} forget-me\` — delete everything stored about you, after a confirmation`,
  `- \`${command} help\` — this list`,
  'Channel and workspace rules win where they conflict with your own instructions.',
  // The words the editors use too (Slack modal and App Home): reports keep the prompt a reply was made with.
  "Only you can change your instructions. Heed's operators can read them: each reply keeps the prompt it was " +
    'made with, for failure reports.',
].join('\n');

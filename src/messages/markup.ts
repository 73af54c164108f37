/**
 * How one platform formats a message: the message table writes every answer once against this
 * interface, and each platform supplies its own (Slack mrkdwn, Discord Markdown, the plain terminal).
 */
export interface Markup {
  /** Text a person or the model wrote, shown exactly as written (escaped where the platform needs it). */
  text(value: string): string;
  bold(value: string): string;
  /** Inline code: commands and values. */
  code(value: string): string;
  /** A fenced block shown verbatim. */
  block(value: string): string;
  /** A block quote of person-written text, line by line. */
  quote(value: string): string;
  /** A person, by id; never a ping where the platform can help it. */
  mention(userId: string): string;
  /** A bulleted line. */
  bullet(value: string): string;
  /** A channel, by id, as the platform links it. */
  channel(channelId: string): string;
  /** The platform's words for its workspace and who administers it. */
  words: {
    /** `workspace` (Slack, terminal) or `server` (Discord). */
    workspace: string;
    admins: string;
    /** The subcommand that names the workspace layer. */
    workspaceCommand: string;
  };
}

/** Line by line, each line prefixed with `> `; an empty text shows as `(empty)`. */
export function quoteLines(value: string, escape: (line: string) => string): string {
  if (value === '') return '> (empty)';
  return value
    .split('\n')
    .map((line) => `> ${escape(line)}`)
    .join('\n');
}

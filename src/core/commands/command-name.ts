/** The slash command's name on every platform, without the slash. */
export const COMMAND_NAME = 'instructions';

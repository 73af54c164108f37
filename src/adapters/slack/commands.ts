/**
 * `/instructions` in Slack. The grammar and every rule live in the core; this module builds the Actor
 * (Slack's own admin signal: the workspace's admins and owners from `users.info`), acks at once (Slack
 * allows three seconds), and renders the result visible only to its author: messages through the
 * command's response URL, the editor as a modal, `forget-me` as a confirmation with buttons.
 */
import type { App, BlockAction, ButtonAction, RespondFn, SlashCommand, webApi } from '@slack/bolt';
import { COMMAND_NAME } from '../../core/commands/command-name.js';
import type { CommandResult } from '../../core/commands/results.js';
import type { Actor } from '../../core/types.js';
import {
  commandMessage,
  FORGET_ME_CANCEL_LABEL,
  FORGET_ME_CONFIRM_LABEL,
  forgetMeConfirmText,
} from '../../messages/command-messages.js';
import { isDirectChannel, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { attempt } from './errors.js';
import { openEditor } from './editor.js';
import { splitMarkdown } from './format.js';
import { slackMarkup } from './markup.js';

export const INSTRUCTIONS_COMMAND = `/${COMMAND_NAME}`;
const FORGET_CONFIRM_ACTION = 'heed_forget_me_confirm';
const FORGET_CANCEL_ACTION = 'heed_forget_me_cancel';
/** Characters per ephemeral message; Slack truncates very long text. */
const EPHEMERAL_LIMIT = 12_000;
/** A response URL accepts five posts. */
const MAX_PARTS = 5;

/** Send mrkdwn ephemerally, split into parts if it is long. */
async function sendEphemeral(respond: RespondFn, text: string): Promise<void> {
  const parts = splitMarkdown(text, EPHEMERAL_LIMIT).slice(0, MAX_PARTS);
  for (const part of parts) await respond({ response_type: 'ephemeral', text: part });
}

/** Register `/instructions` and the forget-me confirmation buttons. */
export function registerCommands(app: App, ctx: SlackAdapterContext): void {
  const { core, logger, bot, people } = ctx;

  const actorFor = async (command: SlashCommand, workspaceId: string): Promise<Actor> => {
    // Ask fresh: admin rights can be revoked, and a command is rare enough to afford the call.
    const person = await people.get(command.user_id, { fresh: true });
    return {
      platform: 'slack',
      workspaceId,
      userId: command.user_id,
      channelId: command.channel_id,
      isPlatformAdmin: Boolean(person?.isWorkspaceAdmin),
      ...(isDirectChannel(command.channel_id) ? { isDirect: true } : {}),
      ...(person ? { userName: person.name } : {}),
    };
  };

  const render = async (
    result: CommandResult,
    command: SlashCommand,
    actor: Actor,
    respond: RespondFn,
    client: webApi.WebClient,
  ): Promise<void> => {
    switch (result.kind) {
      case 'editor': {
        const problem = await openEditor(client, ctx, command.trigger_id, result, {
          channelId: command.channel_id,
          isAdmin: actor.isPlatformAdmin,
          from: 'command',
          responseUrl: command.response_url,
        });
        if (problem) await sendEphemeral(respond, problem);
        return;
      }
      case 'confirm_forget_me': {
        const text = forgetMeConfirmText(slackMarkup, result.elsewhere);
        await respond({
          response_type: 'ephemeral',
          text,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text } },
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: FORGET_CONFIRM_ACTION,
                  style: 'danger',
                  value: 'forget-me',
                  text: { type: 'plain_text', text: FORGET_ME_CONFIRM_LABEL },
                },
                {
                  type: 'button',
                  action_id: FORGET_CANCEL_ACTION,
                  value: 'cancel',
                  text: { type: 'plain_text', text: FORGET_ME_CANCEL_LABEL },
                },
              ],
            },
          ],
        });
        return;
      }
      default:
        await sendEphemeral(respond, commandMessage(result, slackMarkup));
    }
  };

  app.command(INSTRUCTIONS_COMMAND, async ({ command, ack, respond, client, context }) => {
    // Ack first: the answer may need users.info, and Slack gives up after three seconds.
    await ack();
    const actor = await actorFor(command, workspaceOf(context, bot));
    const result = await core.command(actor, command.text ?? '');
    await attempt(logger, 'response_url', () => render(result, command, actor, respond, client), 'error');
  });

  app.action<BlockAction<ButtonAction>>(FORGET_CONFIRM_ACTION, async ({ ack, body, respond, context }) => {
    await ack();
    const actor: Actor = {
      platform: 'slack',
      workspaceId: workspaceOf(context, bot),
      userId: body.user.id,
      channelId: body.channel?.id ?? '',
      isPlatformAdmin: false,
      // The name lets forget-me find the person in other people's snapshots too.
      userName: await people.name(body.user.id),
    };
    const text = commandMessage(await core.confirmForgetMe(actor), slackMarkup);
    await attempt(
      logger,
      'response_url',
      () => respond({ response_type: 'ephemeral', replace_original: true, text }),
      'error',
    );
  });

  app.action<BlockAction<ButtonAction>>(FORGET_CANCEL_ACTION, async ({ ack, respond }) => {
    await ack();
    await attempt(logger, 'response_url', () => respond({ delete_original: true }), 'debug');
  });
}

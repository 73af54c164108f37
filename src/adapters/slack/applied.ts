/**
 * What shaped a reply, on Slack: the "applied" line as a context block under the reply with a **Why
 * this answer?** button (answered ephemerally, and only the asker sees the layers), and edits drafted
 * from a report's note offered ephemerally as before/after with **Accept** and **Dismiss**.
 */
import type { App, BlockAction, ButtonAction, types, webApi } from '@slack/bolt';
import type { CommandResult } from '../../core/api.js';
import type { AppliedSummary } from '../../core/reply/applied.js';
import type { PersonRef } from '../../core/types.js';
import {
  ACCEPT_EDIT_LABEL,
  appliedLine,
  commandMessage,
  DISMISS_EDIT_LABEL,
  WHY_LABEL,
} from '../../messages/command-messages.js';
import { personRef, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { attempt } from './errors.js';
import { slackMarkup } from './markup.js';
import type { NotePlace } from './modal.js';

export const WHY_ACTION_ID = 'heed_why';
export const ACCEPT_EDIT_ACTION_ID = 'heed_edit_accept';
export const DISMISS_EDIT_ACTION_ID = 'heed_edit_dismiss';

/** The applied line and the Why this answer? button, for the last message of a reply. */
export function appliedBlocks(summary: AppliedSummary): types.KnownBlock[] {
  return [
    { type: 'context', elements: [{ type: 'mrkdwn', text: appliedLine(summary, slackMarkup) }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: WHY_ACTION_ID, value: 'why', text: { type: 'plain_text', text: WHY_LABEL } },
      ],
    },
  ];
}

/** The ephemeral offer of an edit drafted from a report. */
export function editOfferBlocks(result: Extract<CommandResult, { kind: 'edit_suggested' }>): types.KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: commandMessage(result, slackMarkup) } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACCEPT_EDIT_ACTION_ID,
          value: result.reportId,
          style: 'primary',
          text: { type: 'plain_text', text: ACCEPT_EDIT_LABEL },
        },
        {
          type: 'button',
          action_id: DISMISS_EDIT_ACTION_ID,
          value: result.reportId,
          text: { type: 'plain_text', text: DISMISS_EDIT_LABEL },
        },
      ],
    },
  ];
}

/**
 * After a report got its note: ask the core for a drafted edit and, if there is one, offer it to the
 * reporter privately beside the reply. No model, no note, or not the asker: nothing is posted.
 */
export async function offerEdit(
  ctx: SlackAdapterContext,
  client: webApi.WebClient,
  reporter: PersonRef,
  reportId: string,
  place: NotePlace,
): Promise<void> {
  const result = await ctx.core.suggestEdit(reportId, reporter);
  if (result.kind !== 'edit_suggested') return;
  await attempt(ctx.logger, 'chat.postEphemeral', () =>
    client.chat.postEphemeral({
      channel: place.channel,
      user: reporter.userId,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
      text: commandMessage(result, slackMarkup),
      blocks: editOfferBlocks(result),
    }),
  );
}

/** Register the Why this answer? and Accept/Dismiss listeners. */
export function registerApplied(app: App, ctx: SlackAdapterContext): void {
  const { core, logger, bot } = ctx;

  app.action<BlockAction<ButtonAction>>(WHY_ACTION_ID, async ({ ack, body, context, client }) => {
    await ack();
    const channel = body.container.channel_id ?? body.channel?.id;
    const ts = body.container.message_ts ?? body.message?.ts;
    if (typeof channel !== 'string' || typeof ts !== 'string') return;
    const workspaceId = workspaceOf(context, bot);
    const result = await core.why(
      { platform: 'slack', workspaceId, channelId: channel, messageId: ts },
      personRef(workspaceId, body.user.id),
    );
    const threadTs = typeof body.container.thread_ts === 'string' ? body.container.thread_ts : undefined;
    await attempt(logger, 'chat.postEphemeral', () =>
      client.chat.postEphemeral({
        channel,
        user: body.user.id,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        text: commandMessage(result, slackMarkup),
      }),
    );
  });

  for (const [actionId, accept] of [
    [ACCEPT_EDIT_ACTION_ID, true],
    [DISMISS_EDIT_ACTION_ID, false],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, context, respond }) => {
      await ack();
      const workspaceId = workspaceOf(context, bot);
      const result = await core.decideEdit(action.value ?? '', personRef(workspaceId, body.user.id), accept);
      const text = commandMessage(result, slackMarkup);
      await attempt(
        logger,
        'response_url',
        () => respond({ response_type: 'ephemeral', replace_original: true, text }),
        'error',
      );
    });
  }
}

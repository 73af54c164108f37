/**
 * The instructions editor in Slack: opening the modal (from `/instructions` or the App Home's Edit
 * button) and saving its submission through the core. A field over the limit is shown as an error on
 * that field inside the modal and nothing is saved.
 */
import type { App, webApi } from '@slack/bolt';
import type { Actor } from '../../core/types.js';
import { isDirectChannel, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { editorFieldProblems, editorMessage } from '../../messages/command-messages.js';
import { logSlackError } from './errors.js';
import { slackMarkup } from './markup.js';
import {
  INSTRUCTIONS_MODAL_ID,
  instructionsErrors,
  instructionsModal,
  readEditorOrigin,
  readInstructionsSubmission,
  tooLongForModal,
  type EditorOrigin,
  type EditorValues,
} from './modal.js';

/** Open the editor. Returns a sentence for the person when it cannot be opened, or undefined. */
export async function openEditor(
  client: webApi.WebClient,
  ctx: SlackAdapterContext,
  triggerId: string,
  values: EditorValues,
  origin: EditorOrigin,
): Promise<string | undefined> {
  if (tooLongForModal(values)) {
    return 'Your instructions are longer than a Slack form can hold (3,000 characters per field). Use `/instructions show`, `/instructions set &lt;text&gt;` and `/instructions about &lt;text&gt;` instead.';
  }
  try {
    await client.views.open({ trigger_id: triggerId, view: instructionsModal(values, origin) });
    return undefined;
  } catch (error) {
    const failure = logSlackError(ctx.logger, 'views.open', error);
    return failure.slackError === 'expired_trigger_id'
      ? 'Slack closed the window for opening the editor before I could. Please run `/instructions` again.'
      : 'I could not open the editor. You can still use `/instructions set &lt;text&gt;` and `/instructions about &lt;text&gt;`.';
  }
}

/** Called after a successful save, where the editor was opened from. */
export type AfterSave = (client: webApi.WebClient, actor: Actor, origin: EditorOrigin, text: string) => Promise<void>;

/** Register the editor's submission listener. */
export function registerEditor(app: App, ctx: SlackAdapterContext, afterSave: AfterSave): void {
  const { core, bot } = ctx;
  app.view(INSTRUCTIONS_MODAL_ID, async ({ ack, view, body, context, client }) => {
    const origin = readEditorOrigin(view);
    const actor: Actor = {
      platform: 'slack',
      workspaceId: workspaceOf(context, bot),
      userId: body.user.id,
      channelId: origin.channelId,
      isPlatformAdmin: origin.isAdmin,
      ...(isDirectChannel(origin.channelId) ? { isDirect: true } : {}),
    };
    const input = readInstructionsSubmission(view);
    if (!input) {
      await ack();
      ctx.logger.warn(
        { user: body.user.id, callbackId: view.callback_id },
        'ignored an instructions form submitted without its fields',
      );
      return;
    }
    // Saving is local and fast, so the result goes into the ack: errors appear on their fields.
    const result = await core.saveEditor(actor, input);
    if (result.kind === 'editor_invalid') {
      await ack({ response_action: 'errors', errors: instructionsErrors(editorFieldProblems(result, slackMarkup)) });
      return;
    }
    if (result.kind === 'failed') {
      await ack({
        response_action: 'errors',
        errors: instructionsErrors({ respond: editorMessage(result, slackMarkup) }),
      });
      return;
    }
    await ack();
    await afterSave(client, actor, origin, editorMessage(result, slackMarkup));
  });
}

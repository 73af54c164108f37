/**
 * Feedback on Heed's replies: a report reaction (👎 by default) files a failure report on the reply's
 * snapshot and removing it withdraws the report; Slack's native feedback buttons on every reply file a
 * report (👎) or record positive feedback (👍). The reporter gets an ephemeral thank-you with an "Add
 * details" button that opens a note modal; new reports are posted to the operators' channel if set.
 */
import type { App, BlockAction, BlockFeedbackButtonsAction, ButtonAction, types, webApi } from '@slack/bolt';
import { reportReactions, reportsChannel } from '../../config.js';
import type { FeedbackSignal } from '../../core/api.js';
import type { MessageRef, PersonRef, ReportSignal, ReportSummary } from '../../core/types.js';
import { personRef, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { offerEdit } from './applied.js';
import { attempt } from './errors.js';
import { shorten } from '../../core/text.js';
import { escapeMrkdwn, neutralizeBroadcasts } from './format.js';
import { NOTE_MODAL_ID, noteError, noteModal, readNoteSubmission } from './modal.js';

export const FEEDBACK_ACTION_ID = 'heed_feedback';
export const ADD_NOTE_ACTION_ID = 'heed_add_note';

/** The native 👍/👎 buttons carried by every reply. */
export function feedbackButtonsBlock(): types.ContextActionsBlock {
  return {
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION_ID,
        positive_button: {
          text: { type: 'plain_text', text: '👍' },
          value: 'positive',
          accessibility_label: 'This answer was good',
        },
        negative_button: {
          text: { type: 'plain_text', text: '👎' },
          value: 'negative',
          accessibility_label: 'This answer missed what I asked for',
        },
      },
    ],
  };
}

/** `thumbsdown::skin-tone-3` → `thumbsdown`. */
function baseReaction(name: string): string {
  return name.split('::')[0] ?? name;
}

/** Where a thank-you goes so that the reporter sees it next to the reply. */
interface ThankYouPlace {
  channel: string;
  threadTs?: string;
}

const SIGNAL_LABEL: Record<ReportSignal, string> = { bad: '👎 missed', good: '👍 good' };

/** The message posted to the operators' channel for a new report. */
export function reportSummaryMessage(summary: ReportSummary): { text: string; blocks: types.KnownBlock[] } {
  const clean = (text: string, limit: number) =>
    escapeMrkdwn(neutralizeBroadcasts(shorten(text, limit))).replace(/\n/g, '\n>');
  const lines = [
    `*New report* \`${summary.reportId}\`: ${SIGNAL_LABEL[summary.signal]} (${summary.source}) by <@${summary.reporterId}>`,
    `Asked by <@${summary.askerId}> in <#${summary.channelId}>`,
    `*Question*\n>${clean(summary.question || '(none)', 700)}`,
    `*Reply*\n>${clean(summary.reply || '(empty)', 1_200)}`,
    ...(summary.note ? [`*Note*\n>${clean(summary.note, 600)}`] : []),
  ];
  return {
    text: `New report ${summary.reportId} by <@${summary.reporterId}>`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
  };
}

/** Register the feedback listeners. */
export function registerFeedback(app: App, ctx: SlackAdapterContext): void {
  const { core, config, logger, bot } = ctx;
  const reactions = new Set(reportReactions(config, 'slack'));

  const postToOperators = async (client: webApi.WebClient, summary: ReportSummary): Promise<void> => {
    const channel = reportsChannel(config, 'slack');
    if (!channel) return;
    const message = reportSummaryMessage(summary);
    await attempt(
      logger,
      'chat.postMessage',
      () => client.chat.postMessage({ channel, ...message, unfurl_links: false }),
      'error',
    );
  };

  const thankReporter = async (
    client: webApi.WebClient,
    reporter: PersonRef,
    place: ThankYouPlace,
    reportId: string,
  ): Promise<void> => {
    const text =
      'Thanks: I filed that as a report on my reply, so it can be reviewed and learned from. You can add what was wrong.';
    await attempt(logger, 'chat.postEphemeral', () =>
      client.chat.postEphemeral({
        channel: place.channel,
        user: reporter.userId,
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
        text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text } },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: ADD_NOTE_ACTION_ID,
                value: reportId,
                text: { type: 'plain_text', text: 'Add details' },
              },
            ],
          },
        ],
      }),
    );
  };

  /** File one signal and follow up as the core says: a thank-you, a post to the operators. */
  const file = async (
    client: webApi.WebClient,
    feedback: FeedbackSignal,
    place: () => Promise<ThankYouPlace>,
  ): Promise<void> => {
    const outcome = await core.report(feedback);
    if (outcome.status !== 'filed') return;
    if (outcome.thankReporter) await thankReporter(client, feedback.reporter, await place(), outcome.reportId);
    if (outcome.notifyOperators) await postToOperators(client, outcome.summary);
  };

  /** The thread a reacted-to reply sits in (a reply's ts alone does not say), best effort. */
  const threadOf = async (client: webApi.WebClient, channel: string, ts: string): Promise<ThankYouPlace> => {
    const found = await attempt(
      logger,
      'conversations.replies',
      () => client.conversations.replies({ channel, ts, limit: 1 }),
      'debug',
    );
    const first = found?.messages?.[0];
    const threadTs = first?.thread_ts ?? first?.ts;
    return { channel, ...(threadTs ? { threadTs } : {}) };
  };

  app.event('reaction_added', async ({ event, context, client }) => {
    if (event.item.type !== 'message' || !reactions.has(baseReaction(event.reaction))) return;
    // Reactions on other people's messages cannot be feedback on Heed.
    if (event.item_user && event.item_user !== bot.userId) return;
    const workspaceId = workspaceOf(context, bot);
    const target: MessageRef = {
      platform: 'slack',
      workspaceId,
      channelId: event.item.channel,
      messageId: event.item.ts,
    };
    const reporter = personRef(workspaceId, event.user);
    await file(client, { target, reporter, source: 'reaction', signal: 'bad' }, () =>
      threadOf(client, event.item.channel, event.item.ts),
    );
  });

  app.event('reaction_removed', async ({ event, context }) => {
    if (event.item.type !== 'message' || !reactions.has(baseReaction(event.reaction))) return;
    if (event.item_user && event.item_user !== bot.userId) return;
    const workspaceId = workspaceOf(context, bot);
    const target: MessageRef = {
      platform: 'slack',
      workspaceId,
      channelId: event.item.channel,
      messageId: event.item.ts,
    };
    const withdrawn = await core.withdraw(target, personRef(workspaceId, event.user), 'bad');
    if (withdrawn)
      logger.info({ channel: event.item.channel, ts: event.item.ts }, 'report withdrawn: reaction removed');
  });

  app.action<BlockFeedbackButtonsAction>(FEEDBACK_ACTION_ID, async ({ ack, body, action, context, client }) => {
    await ack();
    const channel = body.container.channel_id ?? body.channel?.id;
    const ts = body.container.message_ts ?? body.message?.ts;
    if (typeof channel !== 'string' || typeof ts !== 'string') return;
    const workspaceId = workspaceOf(context, bot);
    const signal: ReportSignal = action.value === 'positive' ? 'good' : 'bad';
    const threadTs = typeof body.container.thread_ts === 'string' ? body.container.thread_ts : undefined;
    const target: MessageRef = { platform: 'slack', workspaceId, channelId: channel, messageId: ts };
    const reporter = personRef(workspaceId, body.user.id);
    await file(client, { target, reporter, source: 'button', signal }, async () => ({
      channel,
      ...(threadTs ? { threadTs } : {}),
    }));
  });

  app.action<BlockAction<ButtonAction>>(ADD_NOTE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.container.channel_id ?? body.channel?.id;
    const threadTs = typeof body.container.thread_ts === 'string' ? body.container.thread_ts : undefined;
    const place = typeof channel === 'string' ? { channel, ...(threadTs ? { threadTs } : {}) } : undefined;
    const view = noteModal(action.value ?? '', place);
    await attempt(logger, 'views.open', () => client.views.open({ trigger_id: body.trigger_id, view }), 'error');
  });

  app.view(NOTE_MODAL_ID, async ({ ack, view, body, context, client }) => {
    const { reportId, note, place } = readNoteSubmission(view);
    const workspaceId = workspaceOf(context, bot);
    if (note.trim() === '') {
      await ack({ response_action: 'errors', errors: noteError('Write a few words, or press Cancel.') });
      return;
    }
    const saved = reportId !== '' && (await core.addNote(reportId, personRef(workspaceId, body.user.id), note));
    if (!saved) {
      await ack({
        response_action: 'errors',
        errors: noteError('I could not attach a note to that report: it may have been withdrawn or deleted.'),
      });
      return;
    }
    await ack();
    if (place) await offerEdit(ctx, client, personRef(workspaceId, body.user.id), reportId, place);
    const channel = reportsChannel(config, 'slack');
    if (channel) {
      const text = `Note added to report \`${reportId}\` by <@${body.user.id}>:\n>${escapeMrkdwn(neutralizeBroadcasts(shorten(note, 1_500))).replace(/\n/g, '\n>')}`;
      await attempt(
        logger,
        'chat.postMessage',
        () => client.chat.postMessage({ channel, text, unfurl_links: false }),
        'error',
      );
    }
  });
}

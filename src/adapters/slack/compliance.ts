/**
 * Compliance in Slack's idiom: a reply that missed a checked instruction gets an ephemeral note in its
 * thread, seen only by the asker, with a Rewrite button; a revision replaces the reply in place
 * (`chat.update`, further messages in the thread when it grows past a message, `chat.delete` of extra
 * ones when it shrinks) under a small "revised" context line; automatic reports reach the reports
 * channel at most once a minute.
 */
import type { App, BlockAction, ButtonAction, types, webApi } from '@slack/bolt';
import { reportsChannel } from '../../config.js';
import { ReportDigest } from '../../core/feedback/report-digest.js';
import type { Logger } from '../../core/logger.js';
import { shorten } from '../../core/text.js';
import type { AutoReport, ComplianceNotice, RewriteSink } from '../../core/types.js';
import { missedMessage, REVISED_MARKER, REWRITE_LABEL, rewriteMessage } from '../../messages/compliance-messages.js';
import { personRef, workspaceOf, type SlackAdapterContext } from './adapter-context.js';
import { attempt, toSlackApiError } from './errors.js';
import { feedbackButtonsBlock, reportSummaryMessage } from './feedback.js';
import {
  escapeMrkdwn,
  FALLBACK_TEXT_LIMIT,
  MESSAGE_MARKDOWN_LIMIT,
  neutralizeBroadcasts,
  splitMarkdown,
  toMrkdwn,
} from './format.js';
import { slackMarkup } from './markup.js';
import { threadKey } from './thread-memory.js';

type Block = types.KnownBlock;

export const REWRITE_ACTION_ID = 'heed_rewrite';

/** What a Rewrite button carries: where the reply is. */
interface RewriteValue {
  channel: string;
  threadTs: string;
  messageTs: string;
}

function readValue(value: string | undefined): RewriteValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<RewriteValue>;
    const { channel, threadTs, messageTs } = parsed;
    return typeof channel === 'string' && typeof threadTs === 'string' && typeof messageTs === 'string'
      ? { channel, threadTs, messageTs }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Where a revision of one reply goes, and who asked for it. */
export interface RevisionTarget {
  client: webApi.WebClient;
  logger: Logger;
  channel: string;
  threadTs: string;
  askerId: string;
  /** Called as the reply is replaced, and again once it is (the thread no longer says what was held). */
  onReplace?: () => void;
}

/** Replaces one reply in place and flags it to its asker. */
export class SlackRevision implements RewriteSink {
  constructor(private readonly target: RevisionTarget) {}

  async replace(text: string, messageIds: readonly string[]): Promise<string[]> {
    this.target.onReplace?.();
    try {
      return await this.write(text, messageIds);
    } finally {
      this.target.onReplace?.();
    }
  }

  private async write(text: string, messageIds: readonly string[]): Promise<string[]> {
    const { client, channel, threadTs, logger } = this.target;
    const parts = splitMarkdown(neutralizeBroadcasts(text), MESSAGE_MARKDOWN_LIMIT);
    const ids: string[] = [];
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      const marker: Block = { type: 'context', elements: [{ type: 'mrkdwn', text: `_${REVISED_MARKER}_` }] };
      const blocks: Block[] = [{ type: 'markdown', text: part }, ...(last ? [marker, feedbackButtonsBlock()] : [])];
      const fallback = shorten(toMrkdwn(part), FALLBACK_TEXT_LIMIT) || ' ';
      const existing = messageIds[index];
      const method = existing ? 'chat.update' : 'chat.postMessage';
      try {
        if (existing) {
          await client.chat.update({ channel, ts: existing, text: fallback, blocks });
          ids.push(existing);
        } else {
          const posted = await client.chat.postMessage({
            channel,
            thread_ts: threadTs,
            text: fallback,
            blocks,
            unfurl_links: false,
          });
          if (posted.ts) ids.push(posted.ts);
        }
      } catch (error) {
        throw toSlackApiError(method, error);
      }
    }
    for (const surplus of messageIds.slice(parts.length)) {
      await attempt(logger, 'chat.delete', () => client.chat.delete({ channel, ts: surplus }));
    }
    return ids;
  }

  async flag(notice: ComplianceNotice): Promise<void> {
    const { client, channel, threadTs, askerId, logger } = this.target;
    const messageTs = notice.messageIds[0];
    if (messageTs === undefined) return;
    const text = missedMessage(notice, slackMarkup);
    const value: RewriteValue = { channel, threadTs, messageTs };
    const blocks: Block[] = [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: REWRITE_ACTION_ID,
            text: { type: 'plain_text', text: REWRITE_LABEL },
            value: JSON.stringify(value),
          },
        ],
      },
    ];
    await attempt(logger, 'chat.postEphemeral', () =>
      client.chat.postEphemeral({ channel, user: askerId, thread_ts: threadTs, text, blocks }),
    );
  }
}

/** One post for a batch of automatic reports: the report itself when alone, one line each otherwise. */
export function autoReportMessage(reports: readonly AutoReport[]): { text: string; blocks: Block[] } {
  const missed = (report: AutoReport) => report.missed.map((entry) => escapeMrkdwn(entry.label)).join(' · ');
  const [only] = reports;
  if (only && reports.length === 1) {
    const message = reportSummaryMessage(only.summary);
    return {
      text: message.text,
      blocks: [...message.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: `Missed: ${missed(only)}` }] }],
    };
  }
  const lines = reports.map(
    (report) =>
      `• \`${report.summary.reportId}\` <@${report.summary.askerId}> ` +
      `in <#${report.summary.channelId}>: ${missed(report)}`,
  );
  const heading = `*${reports.length} automatic reports* in the last minute: replies that missed checked instructions`;
  return {
    text: `${reports.length} automatic reports`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: shorten([heading, ...lines].join('\n'), 2_900) } }],
  };
}

/** Register the Rewrite button and the reports-channel posts of automatic reports. Returns a flush for shutdown. */
export function registerCompliance(app: App, ctx: SlackAdapterContext): () => Promise<void> {
  const { core, config, logger, bot } = ctx;

  app.action<BlockAction<ButtonAction>>(REWRITE_ACTION_ID, async ({ ack, body, action, client, context, respond }) => {
    await ack();
    const value = readValue(action.value);
    if (!value) return;
    const workspaceId = workspaceOf(context, bot);
    const requester = personRef(workspaceId, body.user.id);
    const target = { platform: 'slack' as const, workspaceId, channelId: value.channel, messageId: value.messageTs };
    const revision = new SlackRevision({
      client,
      logger,
      channel: value.channel,
      threadTs: value.threadTs,
      askerId: body.user.id,
      onReplace: () => ctx.memory?.forget(threadKey(workspaceId, value.channel, value.threadTs)),
    });
    const outcome = await core.rewrite(target, requester, revision);
    const refusal = rewriteMessage(outcome);
    await attempt(logger, 'response_url', () =>
      refusal
        ? respond({ response_type: 'ephemeral', replace_original: false, text: refusal })
        : respond({ delete_original: true }),
    );
  });

  const digest = new ReportDigest<AutoReport>(async (channel, reports) => {
    await attempt(
      logger,
      'chat.postMessage',
      () => app.client.chat.postMessage({ channel, ...autoReportMessage(reports), unfurl_links: false }),
      'error',
    );
  });
  core.onAutoReport((report) => {
    const channel = reportsChannel(config, 'slack');
    if (report.platform === 'slack' && channel) digest.add(channel, report);
  });
  return () => digest.flush();
}

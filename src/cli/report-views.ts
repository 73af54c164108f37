/**
 * How operators see failure reports in a terminal: a readable list and detail view, and the JSONL
 * export line (one self-contained object per report, ready for an evaluation or fine-tuning set).
 */
import { questionOf } from '../core/feedback/feedback.js';
import type { ReplyRecord, ReportRecord } from '../core/storage/index.js';
import { shorten } from '../core/text.js';
import type { ExportChecks } from './compliance-views.js';

function oneLine(text: string, max: number): string {
  return shorten(text, max, { flatten: true });
}

/** One line per report, newest first. */
export function renderReportList(reports: ReportRecord[], replyOf: (id: string) => ReplyRecord | undefined): string {
  if (reports.length === 0) return 'No reports match.';
  return reports
    .map((report) => {
      const reply = replyOf(report.replyId);
      const note = report.note ? ` · note: ${oneLine(report.note, 60)}` : '';
      return `${report.id}  ${report.createdAt.slice(0, 16).replace('T', ' ')}  ${report.status.padEnd(9)} ${report.signal.padEnd(4)} ${report.source.padEnd(8)} ${report.platform}/${report.workspaceId}  Q: ${oneLine(reply ? questionOf(reply.messages) : '(snapshot gone)', 50)}${note}`;
    })
    .join('\n');
}

/** The whole snapshot behind a report, readable in a terminal. */
export function renderReport(report: ReportRecord, reply: ReplyRecord | undefined): string {
  const head = [
    `Report ${report.id} (${report.status})`,
    `  filed ${report.createdAt} by ${report.reporterId} via ${report.source}, signal ${report.signal}`,
    `  note: ${report.note ?? '(none)'}`,
  ];
  if (!reply) return [...head, '  The reply snapshot is no longer stored.'].join('\n');
  const sent = reply.messages.map(
    (message, index) => `--- message ${index + 1}: ${message.role} ---\n${message.content}`,
  );
  return [
    ...head,
    `Reply ${reply.id} (${reply.status}${reply.error ? `, ${reply.error}` : ''}) on ${reply.platform} ${reply.workspaceId} #${reply.channelId}, asked by ${reply.askerId} at ${reply.createdAt}`,
    `  model ${reply.model} ${JSON.stringify(reply.params)}`,
    `  instruction versions ${JSON.stringify(reply.instructionVersions)}`,
    `  latency ${reply.latencyMs} ms, tokens in/out ${reply.promptTokens ?? '?'}/${reply.completionTokens ?? '?'}`,
    `  platform messages ${reply.messageIds.join(', ') || '(none)'}`,
    '',
    'Messages sent to the model:',
    ...sent,
    '',
    '--- reply ---',
    reply.replyText,
  ].join('\n');
}

/** One JSON object for the export: instructions in force, messages sent, reply, note, automatic checks and rewrites. */
export function renderExportLine(report: ReportRecord, reply: ReplyRecord, checks: ExportChecks): string {
  const system = reply.messages.find((message) => message.role === 'system')?.content ?? '';
  return JSON.stringify({
    report_id: report.id,
    created_at: report.createdAt,
    status: report.status,
    signal: report.signal,
    source: report.source,
    reporter_id: report.reporterId,
    note: report.note,
    platform: reply.platform,
    workspace_id: reply.workspaceId,
    channel_id: reply.channelId,
    asker_id: reply.askerId,
    reply_id: reply.id,
    model: reply.model,
    params: reply.params,
    instructions: { versions: reply.instructionVersions, system_prompt: system },
    messages: reply.messages,
    reply: reply.replyText,
    reply_status: reply.status,
    ...checks,
  });
}

/**
 * Replay: re-run a reported snapshot against the model configured now and the asker's instructions in
 * force now (with today's workspace and channel rules), keeping the conversation exactly as it was sent.
 * The checks of the layers in force (the operator's, and the versions the replay used) run on its text as
 * they run on a live reply. The result is stored as a replay beside the report; nothing is ever posted.
 */
import type { ComplianceService } from '../core/compliance/service.js';
import type { ReplyCheckResult } from '../core/compliance/reply-checks.js';
import { questionOf } from '../core/feedback/feedback.js';
import type { Logger } from '../core/logger.js';
import type { ModelClient } from '../core/model/model-client.js';
import { ModelError } from '../core/model/model-error.js';
import type { PromptAssembler } from '../core/prompt/prompt-assembler.js';
import type { ReplyRecord } from '../core/storage/index.js';
import type { DashboardQueries } from './queries.js';
import { splitPrompt } from './snapshot.js';

export interface ReplayDeps {
  queries: DashboardQueries;
  /** The bot's own prompt assembly, so a replay's prompt is exactly what the bot would send now. */
  prompts: PromptAssembler;
  model: ModelClient;
  /** The bot's compliance core: which checks are in force for the asker, and running them. */
  compliance: ComplianceService;
  logger: Logger;
}

/** What a replay produced: its stored id, or why the model gave nothing (already stored as failed). */
export interface ReplayOutcome {
  replayId: string;
  status: 'complete' | 'partial' | 'failed';
  /** A sentence for the operator when the model failed. */
  problem?: string;
}

/** The asker's display name as the snapshot's own prompt recorded it (the first line of about_user). */
function askerNameOf(systemPrompt: string): string | undefined {
  const about = splitPrompt(systemPrompt).find((part) => part.layer === 'about_user');
  const match = about && /^Name: (.+)$/.exec(about.text.split('\n')[0] ?? '');
  return match?.[1];
}

/** The message a reply answered, as the live checks see it: without the `[speaker] ` label the prompt adds. */
export function answeredQuestion(messages: ReplyRecord['messages']): string {
  return questionOf(messages).replace(/^\[[^\]\n]*\] /, '');
}

/**
 * Run the checks in force for the reply's asker with `versions` on `text`. Null when none apply or the
 * asker turned checking off (as for a live reply: then nothing is checked).
 */
export async function checkText(
  compliance: ComplianceService,
  reply: ReplyRecord,
  versions: ReplyRecord['instructionVersions'],
  text: string,
): Promise<ReplyCheckResult | null> {
  const where = {
    platform: reply.platform,
    workspaceId: reply.workspaceId,
    channelId: reply.channelId,
    userId: reply.askerId,
  };
  return (await compliance.check(where, versions, text, answeredQuestion(reply.messages))) ?? null;
}

/** Re-run the snapshot behind `reportId`, store the replay, and say how it went. Never throws for model errors. */
export async function replaySnapshot(
  deps: ReplayDeps,
  reportId: string,
  reply: ReplyRecord,
  requestedFrom: string,
): Promise<ReplayOutcome> {
  const oldSystem = reply.messages.find((message) => message.role === 'system')?.content ?? '';
  const askerName = askerNameOf(oldSystem);
  const { prompt: system, versions } = await deps.prompts.systemPromptFor({
    platform: reply.platform,
    workspaceId: reply.workspaceId,
    channelId: reply.channelId,
    userId: reply.askerId,
    ...(askerName ? { userName: askerName } : {}),
  });
  const messages = [
    { role: 'system' as const, content: system },
    ...reply.messages.filter((message) => message.role !== 'system'),
  ];
  const params = deps.model.params();
  const started = performance.now();
  const base = {
    reportId,
    replyId: reply.id,
    model: String(params.model ?? ''),
    params,
    instructionVersions: versions,
    messages,
    requestedFrom,
  };
  try {
    const result = await deps.model.stream(messages, () => undefined);
    const replayId = await deps.queries.recordReplay({
      ...base,
      replyText: result.text,
      checks: await checkText(deps.compliance, reply, versions, result.text),
      status: 'complete',
      error: null,
      latencyMs: Math.round(performance.now() - started),
    });
    return { replayId, status: 'complete' };
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    const status = error.partialText ? 'partial' : 'failed';
    const replayId = await deps.queries.recordReplay({
      ...base,
      replyText: error.partialText,
      // Partial text is not a finished reply: like the live checks, nothing is checked on it.
      checks: null,
      status,
      error: error.code,
      latencyMs: Math.round(performance.now() - started),
    });
    deps.logger.warn({ report: reportId, code: error.code }, 'replay: the model failed');
    return { replayId, status, problem: error.userMessage };
  }
}

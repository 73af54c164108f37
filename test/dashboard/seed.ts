/**
 * Reports for the dashboard's tests and benchmark, written through the real stores with a real system
 * prompt (fenced layers and all), so that what the dashboard reads is what Heed itself writes.
 */
import { layerScope, userScope } from '../../src/core/commands/instruction-commands.js';
import { buildSystemPrompt } from '../../src/core/prompt/system-prompt.js';
import type { CheckResult } from '../../src/core/compliance/reply-checks.js';
import {
  ComplianceStore,
  InstructionStore,
  ReplyLog,
  ReportStore,
  type SqlExecutor,
} from '../../src/core/storage/index.js';
import type { Platform, ReportSource, ReportStatus } from '../../src/core/types.js';

export interface SeedReport {
  platform?: Platform;
  workspaceId?: string;
  channelId?: string;
  askerId?: string;
  reporterId?: string;
  question?: string;
  reply?: string;
  note?: string;
  source?: ReportSource;
  status?: ReportStatus;
  model?: string;
  /** When the reply and report are filed. Default: now. */
  at?: Date;
  /** Automatic checks recorded for the reply, as the compliance flow records them. */
  checks?: CheckResult[];
}

/** One check result, as the catalogue reports it. */
export function checkResult(id: CheckResult['id'], ok: boolean, label: string, detail: string): CheckResult {
  return { layer: 'user', id, label, ok, detail };
}

export const BASE_PROMPT = 'You are Heed, a helpful assistant in a team chat.';

/** Writes replies and reports as Heed does, with a settable clock. */
export class Seeder {
  private clock = new Date();
  private count = 0;
  readonly instructions: InstructionStore;
  private readonly replies: ReplyLog;
  private readonly reports: ReportStore;
  private readonly compliance: ComplianceStore;

  constructor(db: SqlExecutor) {
    const now = () => this.clock;
    this.instructions = new InstructionStore(db, now);
    this.replies = new ReplyLog(db, now);
    this.reports = new ReportStore(db, now);
    this.compliance = new ComplianceStore(db, now);
  }

  /** Store a rewrite of a report's reply, linked to it, with its checks. Returns the rewrite's reply id. */
  async rewrite(reportId: string, replyText: string, checks: CheckResult[]): Promise<string> {
    const first = await this.replies.get((await this.reports.get(reportId))?.replyId ?? '');
    if (!first) throw new Error(`no reply behind report ${reportId}`);
    const { id, createdAt: _createdAt, messageIds: _messageIds, ...snapshot } = first;
    const rewriteId = await this.replies.record({ ...snapshot, replyText }, [`rw${++this.count}`]);
    await this.compliance.recordResult(rewriteId, { passed: checks.every((check) => check.ok), results: checks }, id);
    return rewriteId;
  }

  /** Set workspace or channel rules (or a person's "how to respond") as a new version. */
  async setRules(
    kind: 'workspace' | 'channel' | 'user',
    where: { platform?: Platform; workspaceId?: string; channelId?: string; userId?: string },
    respond: string,
    about = '',
  ): Promise<number> {
    const ref = {
      platform: where.platform ?? 'slack',
      workspaceId: where.workspaceId ?? 'T1',
      channelId: where.channelId ?? 'C1',
      userId: where.userId ?? 'U1',
    };
    const scope = kind === 'user' ? userScope(ref) : layerScope(ref, kind);
    const written = await this.instructions.write(scope, {
      about,
      respond,
      enabled: true,
      action: 'set',
      actorId: 'UADMIN',
    });
    return written.version;
  }

  /** Store one reply as the core would and file a report on it. Returns the report id. */
  async report(input: SeedReport = {}): Promise<string> {
    this.clock = input.at ?? new Date();
    const n = ++this.count;
    const platform = input.platform ?? 'slack';
    const workspaceId = input.workspaceId ?? 'T1';
    const channelId = input.channelId ?? 'C1';
    const askerId = input.askerId ?? 'U1';
    const ref = { platform, workspaceId, channelId, userId: askerId };
    const workspace = await this.instructions.current(layerScope(ref, 'workspace'));
    const channel = await this.instructions.current(layerScope(ref, 'channel'));
    const person = await this.instructions.current(userScope(ref));
    const system = buildSystemPrompt({
      base: BASE_PROMPT,
      platform,
      today: this.clock.toISOString().slice(0, 10),
      ...(workspace?.respond ? { workspaceRules: workspace.respond } : {}),
      ...(channel?.respond ? { channelRules: channel.respond } : {}),
      ...(person?.about ? { about: person.about } : {}),
      ...(person?.respond ? { respond: person.respond } : {}),
      askerName: 'Ada',
    });
    const replyId = await this.replies.record(
      {
        platform,
        workspaceId,
        channelId,
        sourceMessageId: `m${n}`,
        askerId,
        model: input.model ?? 'gpt-4o-mini',
        params: { model: input.model ?? 'gpt-4o-mini', max_tokens: 1024, baseURLHost: 'api.openai.com' },
        instructionVersions: {
          workspace: workspace?.version ?? null,
          channel: channel?.version ?? null,
          user: person?.version ?? null,
        },
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'Earlier question in the thread' },
          { role: 'assistant', content: 'Earlier answer' },
          { role: 'user', content: input.question ?? 'How do I reset my password?' },
        ],
        replyText: input.reply ?? 'Go to Settings, then Security, then Reset password.',
        status: 'complete',
        latencyMs: 850,
        promptTokens: 420,
        completionTokens: 38,
      },
      [`r${n}`],
    );
    if (input.checks) {
      const passed = input.checks.every((check) => check.ok);
      await this.compliance.recordResult(replyId, { passed, results: input.checks });
    }
    const { report } = await this.reports.file({
      replyId,
      platform,
      workspaceId,
      reporterId: input.reporterId ?? askerId,
      source: input.source ?? 'reaction',
      signal: 'bad',
      ...(input.note ? { note: input.note } : {}),
    });
    if (input.status && input.status !== 'open') await this.reports.setStatus(report.id, input.status);
    return report.id;
  }
}

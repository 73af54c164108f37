/**
 * How Heed's core is put together: every capability built once over one database, model client and
 * clock, and connected to the others. The facade (`heed.ts`) only delegates to these parts.
 */
import { InstructionCommands } from './commands/instruction-commands.js';
import { ComplianceFlow } from './compliance/flow.js';
import { checksCommand } from './compliance/commands.js';
import { complianceService, type ComplianceMode, type ComplianceService } from './compliance/service.js';
import { Feedback } from './feedback/feedback.js';
import { EditSuggestions } from './feedback/suggest-edit.js';
import type { Logger } from './logger.js';
import type { ModelClient } from './model/model-client.js';
import { Linking } from './profile/linking.js';
import { ProfileStore } from './profile/profile-store.js';
import { PromptAssembler } from './prompt/prompt-assembler.js';
import type { AdmissionLimits } from './reply/admission.js';
import { AppliedLines, AppliedLog, type ShowAppliedMode } from './reply/applied.js';
import { Responder } from './reply/responder.js';
import { Retention } from './reply/retention.js';
import {
  ComplianceStore,
  InstructionStore,
  MessageClaims,
  ReplyLog,
  ReportStore,
  RequestClaims,
} from './storage/index.js';
import type { InstructionVersions, SqlClient, SqlExecutor } from './storage/index.js';
import type { ReplyCheckResult } from './compliance/reply-checks.js';
import type * as T from './types.js';
import { ClaimLeases } from './reply/claim-leases.js';

/** The settings the core needs, independent of where they came from. */
export interface HeedSettings {
  basePrompt: string;
  instructionLimit: number;
  contextTokens: number;
  maxOutputTokens: number;
  ratePerMinute: number;
  /** Replies generated at once, and how many more may wait for a turn (backpressure). */
  admission: AdmissionLimits;
  retentionDays: number;
  /** HEED_CLAIM_LEASE_MS: how long a claim stays this process's without renewal. */
  claimLeaseMs?: number;
  /** People who may change channel and workspace rules besides each platform's own admins (HEED_ADMINS). */
  admins: Readonly<Partial<Record<T.Platform, readonly string[]>>>;
  /** The prompt fences' secret (HEED_FENCE_SECRET); when absent, one generated once and kept in the database. */
  fenceSecret?: string | undefined;
  /** HEED_COMPLIANCE; default `flag`. */
  compliance?: ComplianceMode;
  /** HEED_CHECK_EXTRACTOR: `model` adds one model call per saved instruction version. Default `rules`. */
  checkExtractor?: 'rules' | 'model';
  /** HEED_SHOW_APPLIED. Default `with-instructions`. */
  showApplied?: ShowAppliedMode;
  /** HEED_RESTATE_AFTER_TURNS: restate the rules once a thread has this many earlier messages (0: when trimmed). */
  restateAfterTurns?: number;
}

export interface HeedOptions {
  db: SqlClient;
  logger: Logger;
  model: ModelClient;
  settings: HeedSettings;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/** The capabilities of one core, wired together. */
export interface CoreParts {
  store: InstructionStore;
  claims: MessageClaims;
  leases: ClaimLeases;
  requests: RequestClaims;
  replies: ReplyLog;
  reports: ReportStore;
  profiles: ProfileStore;
  linking: Linking;
  prompts: PromptAssembler;
  commands: InstructionCommands;
  appliedLog: AppliedLog;
  edits: EditSuggestions;
  feedback: Feedback;
  compliance: ComplianceService;
  complianceFlow: ComplianceFlow;
  responder: Responder;
  retention: Retention;
}

/**
 * Build and connect the capabilities. `owner` identifies this process's message claims; `fenceKey` is
 * the prompt fences' secret (`settings.fenceSecret`, or the deployment's own read from the database).
 */
export function wireCore(options: HeedOptions, owner: string, fenceKey: string): CoreParts {
  const { db, logger, settings } = options;
  const now = options.now ?? (() => new Date());
  const store = new InstructionStore(db, now);
  const claims = new MessageClaims(db, now, settings.claimLeaseMs);
  const replies = new ReplyLog(db, now);
  const reports = new ReportStore(db, now);
  const requests = new RequestClaims(db, now, logger);
  const profiles = new ProfileStore(db);
  const linking = new Linking(profiles, now);
  const scopeOf = (person: T.PersonRef, sql?: SqlExecutor) => linking.scopeOf(person, sql);
  const prompts = new PromptAssembler(store, { ...settings, fenceKey }, now, scopeOf);
  const showApplied = settings.showApplied ?? 'with-instructions';
  const { instructionLimit: limit, admins, ratePerMinute } = settings;
  const preview = async (actor: T.Actor) => (await prompts.systemPromptFor(actor)).prompt;
  const checks = (actor: T.Actor, setting: 'on' | 'off' | undefined) => checksCommand(compliance, actor, setting);
  const commands = new InstructionCommands({
    store: store,
    logger,
    limit,
    admins,
    preview,
    checks,
    scopeOf,
    profile: {
      setApplied: async (actor, show) => {
        await profiles.setShowApplied(await linking.settingsKey(actor), show, now());
        return { kind: 'applied_set', show, mode: showApplied };
      },
      link: (actor, code) => (code === undefined ? linking.issue(actor) : linking.redeem(actor, code)),
      unlink: (actor) => linking.unlink(actor),
      linkedPlatforms: async (actor) => [
        ...new Set((await linking.identities(actor)).slice(1).map((identity) => identity.platform)),
      ],
    },
  });
  const appliedLog = new AppliedLog(db);
  const edits = new EditSuggestions({
    db,
    model: options.model,
    replies: replies,
    reports: reports,
    store: store,
    scopeOf,
    limit,
    logger,
    now,
  });
  const feedback = new Feedback(replies, reports, logger);
  const complianceStore = new ComplianceStore(db, now);
  const compliance = complianceService({
    store: complianceStore,
    instructions: store,
    logger,
    basePrompt: settings.basePrompt,
    model: options.model,
    extractor: settings.checkExtractor ?? 'rules',
  });
  const complianceFlow = new ComplianceFlow({
    db,
    logger,
    mode: settings.compliance ?? 'flag',
    service: compliance,
    store: complianceStore,
    replies: replies,
    reports: reports,
    model: options.model,
  });
  // Checked once the whole reply is posted and stored: never on partial text.
  // `checked` was run on the final text before posting; undefined means nothing is checked for this reply,
  // so there is nothing to record and the stored reply need not be read back.
  const afterReply = async (
    replyId: string,
    message: T.IncomingMessage,
    sink: T.ReplySink,
    checked?: ReplyCheckResult,
  ): Promise<void> => {
    if (checked) await complianceFlow.afterReply(replyId, message.text, sink, checked);
  };
  const checkReply = (message: T.IncomingMessage, versions: InstructionVersions, text: string) =>
    complianceFlow.evaluate(message, versions, text);
  const responder = new Responder({
    db,
    logger,
    model: options.model,
    claims,
    replies,
    prompts,
    ratePerMinute,
    admission: settings.admission,
    owner,
    now,
    afterReply,
    checkReply,
    applied: new AppliedLines(appliedLog, showApplied, async (person) =>
      profiles.showApplied(await linking.settingsKey(person)),
    ),
  });
  const retention = new Retention(replies, claims, settings.retentionDays, logger);
  return {
    store,
    claims,
    leases: new ClaimLeases(claims, owner, logger, () => responder.inFlightCount > 0),
    requests,
    replies,
    reports,
    profiles,
    linking,
    prompts,
    commands,
    appliedLog,
    edits,
    feedback,
    compliance,
    complianceFlow,
    responder,
    retention,
  };
}

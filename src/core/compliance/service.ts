/**
 * Compliance inside the core: derives and stores the checks of each saved instruction version, knows
 * which checks are in force for one asker in one place, and runs them on a finished reply. The pure
 * parts (extractors, merge, running checks) live in `compliance/`; this module adds storage and the
 * model, both injected.
 */
import type { ChecksList } from '../commands/results.js';
import type { DerivedCheck } from './derived-check.js';
import { deriveByRules, deriveWithModel } from './derive-checks.js';
import type { CompleteText } from './extract-model.js';
import { checkReply, type LayerChecks, type ReplyCheckResult } from './reply-checks.js';
import { layerScope, userScope } from '../commands/instruction-commands.js';
import type { Logger } from '../logger.js';
import type { ModelClient } from '../model/model-client.js';
import type {
  ComplianceStore,
  InstructionStore,
  InstructionVersion,
  InstructionVersions,
  ScopeKey,
} from '../storage/index.js';
import type { ChannelRef, PersonRef } from '../types.js';

/** What the asker sees when a reply misses a check (HEED_COMPLIANCE). */
export type ComplianceMode = 'off' | 'report' | 'flag' | 'fix';

export interface ComplianceServiceOptions {
  store: ComplianceStore;
  instructions: InstructionStore;
  logger: Logger;
  /** The operator's base prompt: its checks apply to every reply. */
  basePrompt: string;
  /** The model, when one is configured; then each saved version is also read by the model, in the background. */
  complete?: CompleteText;
}

const CACHE_LIMIT = 10_000;

const cacheKey = (version: InstructionVersion): string => `${version.id}@${version.createdAt}`;

/** The model client as the model extractor calls it: the whole reply text of one request. */
export function modelCompletion(model: ModelClient): CompleteText {
  return async (messages) => (await model.stream(messages, () => undefined)).text;
}

/**
 * The service as HEED_CHECK_EXTRACTOR asks for it: the rules alone, or the rules plus the model when one
 * is configured. The bot and the dashboard build theirs here, so both derive the same checks.
 */
export function complianceService(
  options: Omit<ComplianceServiceOptions, 'complete'> & { model: ModelClient; extractor: 'rules' | 'model' },
): ComplianceService {
  const { model, extractor, ...rest } = options;
  const useModel = extractor === 'model' && model.configured;
  return new ComplianceService({ ...rest, ...(useModel ? { complete: modelCompletion(model) } : {}) });
}

/** Derives, stores and runs the checks of instruction layers. */
export class ComplianceService {
  private operator: DerivedCheck[];
  private readonly pending = new Set<Promise<void>>();
  /**
   * Checks by version (id and creation time: SQLite may reuse the id of a deleted last row). Versions
   * never change, and the same check objects let the catalogue reuse its compiled patterns.
   */
  private readonly cache = new Map<string, DerivedCheck[]>();

  constructor(private readonly options: ComplianceServiceOptions) {
    this.operator = deriveByRules(options.basePrompt).checks;
    const { complete } = options;
    if (complete) {
      this.track(
        deriveWithModel(options.basePrompt, complete).then((derived) => {
          this.operator = derived.checks;
        }),
      );
    }
  }

  /** The operator base prompt's checks. */
  get operatorChecks(): readonly DerivedCheck[] {
    return this.operator;
  }

  /** Resolves when every background model extraction started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * The checks of a stored version: as stored, or derived now by the rules (and then by the model in
   * the background) when the version has none yet. Never throws on the model's account.
   */
  async checksOf(version: InstructionVersion): Promise<DerivedCheck[]> {
    const cached = this.cache.get(cacheKey(version));
    if (cached) return cached;
    const checks = (await this.options.store.derivation(version.id))?.checks ?? (await this.derive(version));
    this.remember(version, checks);
    return checks;
  }

  /** Derive and store a version's checks now, whatever was stored before. */
  async derive(version: InstructionVersion): Promise<DerivedCheck[]> {
    const { checks } = deriveByRules(version.respond);
    await this.options.store.saveDerivation(version.id, checks, 'rules');
    this.remember(version, checks);
    const { complete } = this.options;
    if (complete && version.respond.trim() !== '') this.track(this.deriveLater(version, complete));
    return checks;
  }

  /** Derive the checks of the current person, channel and workspace versions where they are missing (after a save). */
  async deriveCurrent(where: ChannelRef & { userId: string }): Promise<void> {
    for (const scope of [userScope(where), layerScope(where, 'channel'), layerScope(where, 'workspace')]) {
      const version = await this.options.instructions.current(scope);
      if (version && !(await this.options.store.derivation(version.id))) await this.derive(version);
    }
  }

  /** The current checks of one layer, for `/instructions show`. */
  async currentChecks(scope: ScopeKey): Promise<DerivedCheck[]> {
    const version = await this.options.instructions.current(scope);
    return version && version.enabled ? this.checksOf(version) : [];
  }

  /**
   * The checks in force for a reply: the operator's, then the versions the snapshot used (workspace,
   * channel, the asker's own). Only those versions: another person's checks never apply.
   */
  async layersFor(where: ChannelRef & { userId: string }, versions: InstructionVersions): Promise<LayerChecks[]> {
    const layers: LayerChecks[] = [{ layer: 'operator', checks: this.operator }];
    const add = async (layer: 'workspace' | 'channel' | 'user', scope: ScopeKey) => {
      const number = versions[layer];
      if (number === null) return;
      const version = await this.options.instructions.version(scope, number);
      if (version) layers.push({ layer, checks: await this.checksOf(version) });
    };
    await add('workspace', layerScope(where, 'workspace'));
    await add('channel', layerScope(where, 'channel'));
    await add('user', userScope(where));
    return layers.filter((layer) => layer.checks.length > 0);
  }

  /**
   * Run the checks in force on a finished reply. Undefined when none apply or the asker turned checking
   * off: then nothing is recorded or reported.
   */
  async check(
    where: ChannelRef & { userId: string },
    versions: InstructionVersions,
    reply: string,
    question: string,
  ): Promise<ReplyCheckResult | undefined> {
    if (
      !(await this.options.store.checkingEnabled({
        platform: where.platform,
        workspaceId: where.workspaceId,
        userId: where.userId,
      }))
    )
      return undefined;
    const layers = await this.layersFor(where, versions);
    if (layers.length === 0) return undefined;
    return checkReply(layers, reply, question);
  }

  /** Turn checking of the person's own replies off or on. */
  async setChecking(person: PersonRef, enabled: boolean): Promise<void> {
    await this.options.store.setChecking(person, enabled);
  }

  /** Every check in force for this person here now (operator, workspace, channel, own), for `preview`. */
  async inForce(where: ChannelRef & { userId: string }): Promise<DerivedCheck[]> {
    return [
      ...this.operator,
      ...(await this.currentChecks(layerScope(where, 'workspace'))),
      ...(await this.currentChecks(layerScope(where, 'channel'))),
      ...(await this.currentChecks(userScope(where))),
    ];
  }

  /**
   * The checks of one scope as `/instructions` lists them: the person's own layer (`you`), all in force
   * for them here (`here`), or a layer's. Undefined when there are none.
   */
  async listFor(
    actor: ChannelRef & { userId: string },
    scope: 'you' | 'here' | 'channel' | 'workspace',
  ): Promise<ChecksList | undefined> {
    const checks =
      scope === 'here'
        ? await this.inForce(actor)
        : await this.currentChecks(scope === 'you' ? userScope(actor) : layerScope(actor, scope));
    if (checks.length === 0) return undefined;
    const labels = [...new Set(checks.map((check) => check.label))];
    return {
      scope,
      labels,
      checkingOff: !(await this.checkingEnabled({
        platform: actor.platform,
        workspaceId: actor.workspaceId,
        userId: actor.userId,
      })),
    };
  }

  /** Forget-me: drop the person's opt-out. Returns how many rows were deleted. */
  async forget(person: PersonRef): Promise<number> {
    // The cache holds checks read from instructions; forgotten versions must not linger in memory either.
    this.cache.clear();
    return this.options.store.forgetPerson(person);
  }

  /** False when the person turned checking off. */
  async checkingEnabled(person: PersonRef): Promise<boolean> {
    return this.options.store.checkingEnabled(person);
  }

  private async deriveLater(version: InstructionVersion, complete: CompleteText): Promise<void> {
    const derived = await deriveWithModel(version.respond, complete);
    if (derived.model.status !== 'ok') {
      this.options.logger.info(
        { version: version.id, status: derived.model.status, reason: derived.model.reason },
        'model check extraction unused; rules result kept',
      );
      return;
    }
    await this.options.store.saveDerivation(version.id, derived.checks, derived.extractor);
    this.remember(version, derived.checks);
  }

  private remember(version: InstructionVersion, checks: DerivedCheck[]): void {
    // Insertion order makes the oldest entry the first to go.
    const oldest = this.cache.keys().next();
    if (this.cache.size >= CACHE_LIMIT && !oldest.done) this.cache.delete(oldest.value);
    this.cache.set(cacheKey(version), checks);
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) => {
      // A version deleted meanwhile (forget-me) or a closed database: the rules result stands.
      this.options.logger.warn({ err: error }, 'background check extraction failed');
    });
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }
}

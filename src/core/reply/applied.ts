/**
 * The "applied" line under a reply: which layers shaped it and their versions, the model, whether
 * older messages were left out, and (once the compliance checks land) how the checks went. The core
 * builds it as a typed value and decides whether it is shown; each platform renders it from the
 * message table. The same record, stored per reply, answers "Why this answer?".
 */
import type { ScopeKey, SqlExecutor } from '../storage/index.js';
import type { HistoryMessage, PersonRef } from '../types.js';

/** A layer a person can see named in the applied line. The operator's base prompt is always there and not named. */
export type AppliedLayerName = 'workspace' | 'channel' | 'user';

/** One layer in force for a reply, at the version used. */
export interface AppliedLayer {
  layer: AppliedLayerName;
  version: number;
}

/** What the automatic checks of a reply found; filled in by the compliance checks (issue 11). */
export interface ChecksSummary {
  passed: number;
  failed: number;
}

/** What shaped one reply, as the applied line shows it. */
export interface AppliedSummary {
  /** Most authoritative first: workspace, channel, the person's own. */
  layers: AppliedLayer[];
  model: string;
  /** History was trimmed to fit the context. */
  olderLeftOut: boolean;
  /** The asker's and the channel's rules were restated at the end of the context. */
  restated: boolean;
  /** Absent until the checks exist or when none ran. */
  checks?: ChecksSummary;
}

/** `HEED_SHOW_APPLIED`: under every reply, only under replies shaped by some instructions, or never. */
export type ShowAppliedMode = 'always' | 'with-instructions' | 'never';

/** What is stored per reply: the summary, where each layer lives, and what history was left out. */
export interface AppliedRecord {
  summary: AppliedSummary;
  /** The scope each named layer was read from, so Why this answer? can show that version's text. */
  scopes: Partial<Record<AppliedLayerName, ScopeKey>>;
  /** Short excerpts of the history messages left out, oldest first. */
  leftOut: string[];
  /** How many history messages were left out in all (the excerpts may be fewer). */
  leftOutCount: number;
}

/**
 * Whether the applied line goes under a reply: never in `never` mode, never for a person who turned it
 * off, always in `always` mode, and in `with-instructions` mode only when some layer shaped the reply.
 */
export function appliedVisible(
  mode: ShowAppliedMode,
  summary: AppliedSummary,
  personChoice: boolean | undefined,
): boolean {
  if (mode === 'never' || personChoice === false) return false;
  return mode === 'always' || summary.layers.length > 0;
}

/** The `reply_applied` table. */
export class AppliedLog {
  constructor(private readonly sql: SqlExecutor) {}

  /** The same log on another executor (a transaction's). */
  on(sql: SqlExecutor): AppliedLog {
    return new AppliedLog(sql);
  }

  /** Store what shaped a reply (replacing any earlier record of it). */
  async record(replyId: string, record: AppliedRecord): Promise<void> {
    await this.sql.run(
      `INSERT INTO reply_applied (reply_id, applied_json) VALUES (?, ?)
       ON CONFLICT (reply_id) DO UPDATE SET applied_json = excluded.applied_json`,
      [replyId, JSON.stringify(compactRecord(record))],
    );
  }

  /** What shaped a reply, if it was recorded. */
  async get(replyId: string): Promise<AppliedRecord | undefined> {
    const json = await this.sql.value<string>('SELECT applied_json FROM reply_applied WHERE reply_id = ?', [replyId]);
    return json === undefined ? undefined : fullRecord(JSON.parse(json) as StoredRecord);
  }
}

/**
 * A record as stored: what most replies have (no layer, nothing left out, nothing restated) is left out,
 * so that the row of a reply no instructions shaped is a few bytes. Records stored in full read the same.
 */
interface StoredRecord {
  summary: Partial<AppliedSummary> & Pick<AppliedSummary, 'model'>;
  scopes?: AppliedRecord['scopes'];
  leftOut?: string[];
  leftOutCount?: number;
}

function compactRecord(record: AppliedRecord): StoredRecord {
  const { layers, olderLeftOut, restated, ...summary } = record.summary;
  return {
    summary: {
      ...summary,
      ...(layers.length > 0 ? { layers } : {}),
      ...(olderLeftOut ? { olderLeftOut } : {}),
      ...(restated ? { restated } : {}),
    },
    ...(Object.keys(record.scopes).length > 0 ? { scopes: record.scopes } : {}),
    ...(record.leftOut.length > 0 ? { leftOut: record.leftOut } : {}),
    ...(record.leftOutCount > 0 ? { leftOutCount: record.leftOutCount } : {}),
  };
}

function fullRecord(stored: StoredRecord): AppliedRecord {
  const { summary } = stored;
  return {
    summary: {
      ...summary,
      layers: summary.layers ?? [],
      olderLeftOut: summary.olderLeftOut ?? false,
      restated: summary.restated ?? false,
    },
    scopes: stored.scopes ?? {},
    leftOut: stored.leftOut ?? [],
    leftOutCount: stored.leftOutCount ?? 0,
  };
}

/** What the responder needs from a prepared prompt to build the applied record. */
export interface PreparedForApplied {
  versions: { workspace: number | null; channel: number | null; user: number | null };
  scopes: AppliedRecord['scopes'];
  leftOut: HistoryMessage[];
  restated: boolean;
}

/** How many left-out messages Why this answer? quotes, and how much of each. */
const LEFT_OUT_EXCERPTS = 5;
const EXCERPT_CHARS = 80;

function excerpt(message: HistoryMessage): string {
  const flat = message.text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  const text = chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS - 1).join('')}…` : flat;
  const who = message.role === 'assistant' ? 'Heed' : (message.speaker ?? 'someone');
  return `${who}: ${text}`;
}

/** Builds, shows and stores the applied record of each reply, as HEED_SHOW_APPLIED and the person say. */
export class AppliedLines {
  constructor(
    private readonly log: AppliedLog,
    private readonly mode: ShowAppliedMode,
    /** The person's own choice (`/instructions applied on|off`), undefined if they never made one. */
    private readonly personChoice: (person: PersonRef) => Promise<boolean | undefined>,
  ) {}

  /** The record of one reply and whether its line is shown. */
  async build(
    asker: PersonRef,
    prepared: PreparedForApplied,
    model: string,
    checks?: { passed: number; failed: number },
  ): Promise<{ record: AppliedRecord; visible: boolean }> {
    const layers: AppliedLayer[] = [];
    for (const layer of ['workspace', 'channel', 'user'] as const) {
      const version = prepared.versions[layer];
      if (version !== null && prepared.scopes[layer]) layers.push({ layer, version });
    }
    const summary: AppliedSummary = {
      layers,
      model,
      olderLeftOut: prepared.leftOut.length > 0,
      restated: prepared.restated,
      ...(checks ? { checks } : {}),
    };
    const record: AppliedRecord = {
      summary,
      scopes: prepared.scopes,
      leftOut: prepared.leftOut.slice(-LEFT_OUT_EXCERPTS).map(excerpt),
      leftOutCount: prepared.leftOut.length,
    };
    return { record, visible: appliedVisible(this.mode, summary, await this.personChoice(asker)) };
  }

  /** Store the record with its reply; `sql` is the transaction that stores the reply. */
  async store(replyId: string, record: AppliedRecord, sql: SqlExecutor): Promise<void> {
    await this.log.on(sql).record(replyId, record);
  }
}

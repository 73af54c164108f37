/**
 * The reports filter as the dashboard reads it from a query string: every value checked, and a clear
 * sentence for the first one that is wrong. The same filter drives the list, its count and the export.
 */
import { INSTRUCTION_IDS, isInstructionId, type InstructionId } from '../core/compliance/catalogue.js';
import type { Platform, ReportSignal, ReportSource, ReportStatus } from '../core/types.js';

export const STATUSES: readonly ReportStatus[] = ['open', 'triaged', 'resolved', 'withdrawn'];
export const SOURCES: readonly ReportSource[] = ['reaction', 'button', 'command', 'automatic'];
export const SIGNALS: readonly ReportSignal[] = ['bad', 'good'];
export const PLATFORMS: readonly Platform[] = ['slack', 'discord', 'terminal'];
/** Statuses an operator may set; `withdrawn` belongs to the reporter. */
export const TRIAGE_STATUSES: readonly ReportStatus[] = ['open', 'triaged', 'resolved'];

/** A position in the newest-first list: the (created_at, id) of a row. */
export interface Cursor {
  createdAt: string;
  id: string;
}

export interface ReportsFilter {
  status?: ReportStatus;
  source?: ReportSource;
  signal?: ReportSignal;
  platform?: Platform;
  workspace?: string;
  channel?: string;
  /** ISO instant, inclusive. */
  since?: string;
  /** ISO instant, exclusive. */
  until?: string;
  /** Text searched in the note and the reply. */
  q?: string;
  /** Reports whose reply failed an automatic check of this catalogue type. */
  check?: InstructionId;
}

/** A filter plus where the page starts: rows older than `before`, or newer than `after`. */
export interface ReportsQuery {
  filter: ReportsFilter;
  before?: Cursor;
  after?: Cursor;
}

/** A query-string value that is not acceptable; `message` is shown on the page. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

const MAX_TEXT = 200;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new FilterError(`${name} must be one of ${allowed.join(', ')} (got "${value.slice(0, 40)}").`);
  }
  return value as T;
}

function instant(name: string, value: string): string {
  const relative = /^(\d{1,4})([dh])$/.exec(value);
  const date = relative
    ? new Date(Date.now() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000))
    : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new FilterError(
      `${name} must be a date like 2026-11-01 or a span like 7d or 12h (got "${value.slice(0, 40)}").`,
    );
  }
  return date.toISOString();
}

function text(name: string, value: string): string {
  if (value.length > MAX_TEXT) throw new FilterError(`${name} may be at most ${MAX_TEXT} characters long.`);
  return value;
}

/** Cursors travel as `<created_at>_<id>`; both halves are ours, so anything else is refused. */
export function parseCursor(value: string): Cursor {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)_([0-9a-z]{1,64})$/.exec(value);
  if (!match?.[1] || !match[2]) throw new FilterError('The page link is damaged; go back to the first page.');
  return { createdAt: match[1], id: match[2] };
}

/** The text form of a cursor, for links. */
export function formatCursor(cursor: Cursor): string {
  return `${cursor.createdAt}_${cursor.id}`;
}

/**
 * Read the filter from query parameters (empty values mean "any"). Throws FilterError naming the
 * parameter and what it accepts.
 */
export function parseReportsQuery(params: Record<string, string | undefined>): ReportsQuery {
  const get = (name: string): string | undefined => {
    const value = params[name]?.trim();
    return value ? value : undefined;
  };
  const filter: ReportsFilter = {};
  const status = get('status');
  if (status) filter.status = oneOf('status', status, STATUSES);
  const source = get('source');
  if (source) filter.source = oneOf('source', source, SOURCES);
  const signal = get('signal');
  if (signal) filter.signal = oneOf('signal', signal, SIGNALS);
  const platform = get('platform');
  if (platform) filter.platform = oneOf('platform', platform, PLATFORMS);
  const workspace = get('workspace');
  if (workspace) filter.workspace = text('workspace', workspace);
  const channel = get('channel');
  if (channel) filter.channel = text('channel', channel);
  const since = get('since');
  if (since) filter.since = instant('since', since);
  const until = get('until');
  if (until) filter.until = instant('until', until);
  const q = get('q');
  if (q) {
    // The index is of 3-character pieces: a shorter text cannot be looked up in it.
    if ([...q].length < 3) throw new FilterError('Search needs at least 3 characters.');
    filter.q = text('search', q);
  }
  const check = get('check');
  if (check) {
    if (!isInstructionId(check)) {
      throw new FilterError(
        `check must be a check type such as ${INSTRUCTION_IDS[0]} or punctuation:no_comma ` +
          `(got "${check.slice(0, 60)}"); the list beside "Check type" has them all.`,
      );
    }
    filter.check = check;
  }
  const query: ReportsQuery = { filter };
  const before = get('before');
  const after = get('after');
  if (before && after)
    throw new FilterError('A page link cannot carry both before and after; go back to the first page.');
  if (before) query.before = parseCursor(before);
  if (after) query.after = parseCursor(after);
  return query;
}

/** The filter as query parameters again (for links that keep it), without empty values. */
export function filterParams(filter: ReportsFilter, raw: Record<string, string | undefined> = {}): URLSearchParams {
  const params = new URLSearchParams();
  // Dates are kept as the operator typed them ("7d" stays "7d"), so a shared link keeps its meaning.
  const values: Record<string, string | undefined> = {
    status: filter.status,
    source: filter.source,
    signal: filter.signal,
    platform: filter.platform,
    workspace: filter.workspace,
    channel: filter.channel,
    since: filter.since === undefined ? undefined : (raw.since?.trim() ?? filter.since),
    until: filter.until === undefined ? undefined : (raw.until?.trim() ?? filter.until),
    q: filter.q,
    check: filter.check,
  };
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params;
}

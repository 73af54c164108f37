/**
 * Figures for operators from stored check results: the share of replies that passed, per check type,
 * per channel and per model, and how often a rewrite fixed the miss. Pure: the caller reads the rows.
 */

/** One checked reply as the figures need it. */
export interface CheckedReply {
  passed: boolean;
  results: ReadonlyArray<{ id: string; ok: boolean }>;
  /** Set on a rewrite: the reply it replaced. */
  rewriteOf: string | null;
  platform: string;
  channelId: string;
  model: string;
}

/** A count of checked things and how many passed. */
export interface Tally {
  total: number;
  passed: number;
  /** passed / total, 0 to 1 (0 when total is 0). */
  share: number;
}

export interface ComplianceFigures {
  /** First replies (rewrites excluded) that were checked, and how many passed every check. */
  replies: Tally;
  /** Per catalogue id: how many times the check ran on a first reply and passed. */
  byCheck: Record<string, Tally>;
  /** Per `platform/channel`. */
  byChannel: Record<string, Tally>;
  byModel: Record<string, Tally>;
  /** Rewrites made, and how many of them passed every check. */
  rewrites: Tally;
}

function tally(total: number, passed: number): Tally {
  return { total, passed, share: total === 0 ? 0 : Math.round((passed / total) * 10_000) / 10_000 };
}

function count(into: Map<string, [number, number]>, key: string, ok: boolean): void {
  const entry = into.get(key) ?? [0, 0];
  entry[0] += 1;
  if (ok) entry[1] += 1;
  into.set(key, entry);
}

function record(from: Map<string, [number, number]>): Record<string, Tally> {
  return Object.fromEntries(
    [...from.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, [total, passed]]) => [key, tally(total, passed)]),
  );
}

/** Compute the figures from checked replies (first replies and rewrites). */
export function complianceFigures(rows: readonly CheckedReply[]): ComplianceFigures {
  const firsts = rows.filter((row) => row.rewriteOf === null);
  const rewrites = rows.filter((row) => row.rewriteOf !== null);
  const byCheck = new Map<string, [number, number]>();
  const byChannel = new Map<string, [number, number]>();
  const byModel = new Map<string, [number, number]>();
  for (const row of firsts) {
    for (const result of row.results) count(byCheck, result.id, result.ok);
    count(byChannel, `${row.platform}/${row.channelId}`, row.passed);
    count(byModel, row.model, row.passed);
  }
  return {
    replies: tally(firsts.length, firsts.filter((row) => row.passed).length),
    byCheck: record(byCheck),
    byChannel: record(byChannel),
    byModel: record(byModel),
    rewrites: tally(rewrites.length, rewrites.filter((row) => row.passed).length),
  };
}

const percent = (t: Tally): string => `${(t.share * 100).toFixed(1)}%`;

function table(title: string, rows: Record<string, Tally>): string[] {
  const entries = Object.entries(rows);
  if (entries.length === 0) return [];
  const width = Math.max(title.length, ...entries.map(([key]) => key.length));
  return [
    '',
    `${title.padEnd(width)}  replies  passed`,
    ...entries.map(([key, t]) => `${key.padEnd(width)}  ${String(t.total).padStart(7)}  ${percent(t).padStart(6)}`),
  ];
}

/** The figures as text for a terminal. */
export function renderFigures(figures: ComplianceFigures, since: string | undefined): string {
  const window = since ? ` since ${since.slice(0, 16).replace('T', ' ')} UTC` : '';
  if (figures.replies.total === 0) return `No checked replies${window}.`;
  return [
    `Checked replies${window}: ${figures.replies.total}, ` +
      `passing every check: ${figures.replies.passed} (${percent(figures.replies)})`,
    `Rewrites: ${figures.rewrites.total}, fixed the miss: ${figures.rewrites.passed}` +
      (figures.rewrites.total ? ` (${percent(figures.rewrites)})` : ''),
    ...table('check', figures.byCheck),
    ...table('channel', figures.byChannel),
    ...table('model', figures.byModel),
  ].join('\n');
}

/**
 * The operators' view of failure reports, behind `npm run heed -- reports …`.
 *   reports list [--status S] [--source auto|reaction|button|command] [--since DATE|7d] [--limit N]
 *   reports show <id>
 *   reports export --format jsonl|preference [--status S] [--since DATE|7d]
 *   reports triage <id> <open|triaged|resolved>
 */
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { HeedError } from '../core/errors.js';
import { ComplianceStore, ReplyLog, ReportStore, type ReportFilter } from '../core/storage/index.js';
import type { ReportSource, ReportStatus } from '../core/types.js';
import { exportChecks, renderChecks, writePreferencePairs } from './compliance-views.js';
import { openConfiguredDatabase } from './database.js';
import { renderExportLine, renderReport, renderReportList } from './report-views.js';

const USAGE = `Usage:
  npm run heed -- reports list [--status open|triaged|resolved|withdrawn] [--source auto|reaction|button|command]
                                [--since 2026-11-01|7d] [--limit 50]
  npm run heed -- reports show <report-id>
  npm run heed -- reports export --format jsonl [--status …] [--since …]   (one JSON object per line on stdout)
  npm run heed -- reports export --format preference [--since …]   (chosen/rejected pairs from rewrites, JSONL)
  npm run heed -- reports triage <report-id> <open|triaged|resolved>`;

const STATUSES: readonly ReportStatus[] = ['open', 'triaged', 'resolved', 'withdrawn'];
const TRIAGE_STATUSES: readonly ReportStatus[] = ['open', 'triaged', 'resolved'];
const SOURCES: readonly ReportSource[] = ['automatic', 'reaction', 'button', 'command'];

/** `--source`: one of the stored sources; `auto` is short for `automatic`. */
function readSource(value: string | undefined): ReportSource | undefined {
  if (value === undefined) return undefined;
  const source = value === 'auto' ? 'automatic' : value;
  const known = SOURCES.find((candidate) => candidate === source);
  if (!known) {
    throw new HeedError('usage', `--source must be one of auto, ${SOURCES.slice(1).join(', ')} (got "${value}").`);
  }
  return known;
}

function usage(problem: string): HeedError {
  return new HeedError('usage', `${problem}\n${USAGE}`);
}

function isStatus(value: string, allowed: readonly ReportStatus[]): value is ReportStatus {
  return (allowed as readonly string[]).includes(value);
}

/** The argv, or a usage error naming what was wrong (an unknown flag, a flag without its value). */
function readArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
        source: { type: 'string' },
      },
    });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

/** Validate the filter flags; `since` takes an ISO date or a relative `7d` / `12h`. */
export function readFilter(values: { status?: string; since?: string; limit?: string }, now: Date): ReportFilter {
  const filter: ReportFilter = {};
  if (values.status !== undefined) {
    if (!isStatus(values.status, STATUSES)) {
      throw new HeedError('usage', `--status must be one of ${STATUSES.join(', ')} (got "${values.status}").`);
    }
    filter.status = values.status;
  }
  if (values.since !== undefined) {
    const relative = /^(\d+)([dh])$/.exec(values.since);
    const date = relative
      ? new Date(now.getTime() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000))
      : new Date(values.since);
    if (Number.isNaN(date.getTime())) {
      throw new HeedError(
        'usage',
        `--since must be a date like 2026-11-01 or a span like 7d or 12h (got "${values.since}").`,
      );
    }
    filter.since = date.toISOString();
  }
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new HeedError('usage', `--limit must be a positive whole number (got "${values.limit}").`);
    }
    filter.limit = limit;
  }
  return filter;
}

/**
 * Run one `reports …` command line against the configured database, writing to `write`.
 * Resolves to the exit code; rejects with HeedError (code `usage` or `not_found`) with a sentence for the operator.
 */
export async function runReportsCli(argv: string[], config: Config, write: (text: string) => void): Promise<number> {
  const { positionals, values } = readArgs(argv);
  const [group, action, ...rest] = positionals;
  if (group !== 'reports' || !action) throw new HeedError('usage', USAGE);
  const filter = readFilter(values, new Date());
  const db = await openConfiguredDatabase(config);
  try {
    const reports = new ReportStore(db);
    const replies = new ReplyLog(db);
    const compliance = new ComplianceStore(db);
    switch (action) {
      case 'list': {
        const source = readSource(values.source);
        // The store filters by status and date; the source is picked here from the wider list.
        const rows = source
          ? (await reports.list({ ...filter, limit: Number.POSITIVE_INFINITY }))
              .filter((report) => report.source === source)
              .slice(0, filter.limit ?? 100)
          : await reports.list(filter);
        const replyOf = new Map(
          await Promise.all(rows.map(async (report) => [report.replyId, await replies.get(report.replyId)] as const)),
        );
        write(`${renderReportList(rows, (id) => replyOf.get(id))}\n`);
        return 0;
      }
      case 'show': {
        const id = rest[0];
        if (!id) throw usage('reports show needs a report id.');
        const report = await reports.get(id);
        if (!report)
          throw new HeedError('not_found', `There is no report ${id}. \`npm run heed -- reports list\` shows the ids.`);
        const checks = await renderChecks(compliance, replies, report.replyId);
        write(`${renderReport(report, await replies.get(report.replyId))}${checks}\n`);
        return 0;
      }
      case 'export': {
        const format = values.format ?? 'jsonl';
        if (format === 'preference') {
          await writePreferencePairs(db, filter.since, write);
          return 0;
        }
        if (format !== 'jsonl') {
          throw new HeedError('usage', `Unknown export format "${format}"; the formats are jsonl and preference.`);
        }
        for (const report of await reports.list({ limit: Number.POSITIVE_INFINITY, ...filter })) {
          const reply = await replies.get(report.replyId);
          if (!reply) continue;
          write(`${renderExportLine(report, reply, await exportChecks(compliance, reply.id))}\n`);
        }
        return 0;
      }
      case 'triage': {
        const [id, status] = rest;
        if (!id || !status || !isStatus(status, TRIAGE_STATUSES)) {
          throw usage(`reports triage needs a report id and one of ${TRIAGE_STATUSES.join(', ')}.`);
        }
        if (!(await reports.setStatus(id, status))) throw new HeedError('not_found', `There is no report ${id}.`);
        write(`Report ${id} is now ${status}.\n`);
        return 0;
      }
      default:
        throw usage(`Unknown reports action "${action}".`);
    }
  } finally {
    await db.close();
  }
}

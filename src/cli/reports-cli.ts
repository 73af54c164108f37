/**
 * The operators' view of failure reports, behind `npm run heed -- reports …`.
 *   reports list [--status S] [--source auto|reaction|button|command] [--since DATE|7d] [--limit N]
 *   reports show <id>
 *   reports export --format jsonl|preference [--status S] [--since DATE|7d]
 *   reports triage <id> <open|triaged|resolved>
 */
import type { Config } from '../config.js';
import { HeedError } from '../core/errors.js';
import { renderExportLine, renderReport, renderReportList, parseReportFilter, type ReportFilterArgs } from '../core/reports/report-views.js';
import { ComplianceStore, openDatabase, ReplyLog, ReportStore } from '../core/storage/index.js';
import type { ReportSource, ReportStatus } from '../core/types.js';
import { exportChecks, renderChecks, writePreferencePairs } from './compliance-cli.js';

const USAGE = `Usage:
  npm run heed -- reports list [--status open|triaged|resolved|withdrawn] [--source auto|reaction|button|command]
                                [--since 2026-11-01|7d] [--limit 50]
  npm run heed -- reports show <report-id>
  npm run heed -- reports export --format jsonl [--status …] [--since …]   (one JSON object per line on stdout)
  npm run heed -- reports export --format preference [--since …]   (chosen/rejected pairs from rewrites, JSONL)
  npm run heed -- reports triage <report-id> <open|triaged|resolved>`;

const SOURCES: ReportSource[] = ['automatic', 'reaction', 'button', 'command'];

/** `--source`: one of the stored sources; `auto` is short for `automatic`. */
function parseSource(value: string | undefined): ReportSource | undefined {
  if (value === undefined) return undefined;
  const source = value === 'auto' ? 'automatic' : value;
  if (!SOURCES.includes(source as ReportSource)) {
    throw new HeedError('usage', `--source must be one of auto, ${SOURCES.slice(1).join(', ')} (got "${value}").`);
  }
  return source as ReportSource;
}

/** Split argv into positional words and --flags. */
function parseArgs(argv: string[]): { words: string[]; flags: Map<string, string> } {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const value = inline ?? argv[index + 1];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new HeedError('usage', `--${name} needs a value.\n${USAGE}`);
      if (inline === undefined) index++;
      flags.set(name ?? '', value);
    } else words.push(arg);
  }
  return { words, flags };
}

/**
 * Run one `reports …` command line against the configured database, writing to `write`.
 * Returns the exit code; throws HeedError (code `usage` or `not_found`) with a sentence for the operator.
 */
export function runReportsCli(argv: string[], config: Config, write: (text: string) => void): number {
  const { words, flags } = parseArgs(argv);
  const [group, action, ...rest] = words;
  if (group !== 'reports' || !action) throw new HeedError('usage', USAGE);
  const db = openDatabase(config.DATABASE_PATH);
  try {
    const reports = new ReportStore(db);
    const replies = new ReplyLog(db);
    const compliance = new ComplianceStore(db);
    const filterArgs: ReportFilterArgs = { status: flags.get('status'), since: flags.get('since'), limit: flags.get('limit') };
    switch (action) {
      case 'list': {
        const filter = parseReportFilter(filterArgs, new Date());
        const source = parseSource(flags.get('source'));
        // The store filters by status and date; the source is picked here from the wider list.
        const rows = source
          ? reports.list({ ...filter, limit: 1_000_000 }).filter((report) => report.source === source).slice(0, filter.limit ?? 100)
          : reports.list(filter);
        write(`${renderReportList(rows, (id) => replies.get(id))}\n`);
        return 0;
      }
      case 'show': {
        const id = rest[0];
        if (!id) throw new HeedError('usage', `reports show needs a report id.\n${USAGE}`);
        const report = reports.get(id);
        if (!report) throw new HeedError('not_found', `There is no report ${id}. \`npm run heed -- reports list\` shows the ids.`);
        write(`${renderReport(report, replies.get(report.replyId))}${renderChecks(compliance, replies, report.replyId)}\n`);
        return 0;
      }
      case 'export': {
        const format = flags.get('format') ?? 'jsonl';
        if (format === 'preference') {
          writePreferencePairs(db, parseReportFilter({ since: filterArgs.since }, new Date()).since, write);
          return 0;
        }
        if (format !== 'jsonl') throw new HeedError('usage', `Unknown export format "${format}"; the formats are jsonl and preference.`);
        const rows = reports.list({ ...parseReportFilter({ ...filterArgs, limit: filterArgs.limit ?? '1000000' }, new Date()) });
        for (const report of rows) {
          const reply = replies.get(report.replyId);
          if (reply) {
            const line = JSON.parse(renderExportLine(report, reply)) as Record<string, unknown>;
            write(`${JSON.stringify({ ...line, ...exportChecks(compliance, reply.id) })}\n`);
          }
        }
        return 0;
      }
      case 'triage': {
        const [id, status] = rest;
        const allowed: ReportStatus[] = ['open', 'triaged', 'resolved'];
        if (!id || !status || !allowed.includes(status as ReportStatus)) {
          throw new HeedError('usage', `reports triage needs a report id and one of ${allowed.join(', ')}.\n${USAGE}`);
        }
        if (!reports.setStatus(id, status as ReportStatus)) throw new HeedError('not_found', `There is no report ${id}.`);
        write(`Report ${id} is now ${status}.\n`);
        return 0;
      }
      default:
        throw new HeedError('usage', `Unknown reports action "${action}".\n${USAGE}`);
    }
  } finally {
    db.close();
  }
}

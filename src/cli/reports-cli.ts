/**
 * The operators' view of failure reports, behind `npm run heed -- reports …`.
 *   reports list [--status S] [--since DATE|7d] [--limit N]
 *   reports show <id>
 *   reports export --format jsonl [--status S] [--since DATE|7d]
 *   reports triage <id> <open|triaged|resolved>
 */
import type { Config } from '../config.js';
import { HeedError } from '../core/errors.js';
import { renderExportLine, renderReport, renderReportList, parseReportFilter, type ReportFilterArgs } from '../core/reports/report-views.js';
import { openDatabase, ReplyLog, ReportStore } from '../core/storage/index.js';
import type { ReportStatus } from '../core/types.js';

const USAGE = `Usage:
  npm run heed -- reports list [--status open|triaged|resolved|withdrawn] [--since 2026-11-01|7d] [--limit 50]
  npm run heed -- reports show <report-id>
  npm run heed -- reports export --format jsonl [--status …] [--since …]   (one JSON object per line on stdout)
  npm run heed -- reports triage <report-id> <open|triaged|resolved>`;

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
    const filterArgs: ReportFilterArgs = { status: flags.get('status'), since: flags.get('since'), limit: flags.get('limit') };
    switch (action) {
      case 'list': {
        const rows = reports.list(parseReportFilter(filterArgs, new Date()));
        write(`${renderReportList(rows, (id) => replies.get(id))}\n`);
        return 0;
      }
      case 'show': {
        const id = rest[0];
        if (!id) throw new HeedError('usage', `reports show needs a report id.\n${USAGE}`);
        const report = reports.get(id);
        if (!report) throw new HeedError('not_found', `There is no report ${id}. \`npm run heed -- reports list\` shows the ids.`);
        write(`${renderReport(report, replies.get(report.replyId))}\n`);
        return 0;
      }
      case 'export': {
        const format = flags.get('format') ?? 'jsonl';
        if (format !== 'jsonl') throw new HeedError('usage', `Unknown export format "${format}"; the only format is jsonl.`);
        const rows = reports.list({ ...parseReportFilter({ ...filterArgs, limit: filterArgs.limit ?? '1000000' }, new Date()) });
        for (const report of rows) {
          const reply = replies.get(report.replyId);
          if (reply) write(`${renderExportLine(report, reply)}\n`);
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

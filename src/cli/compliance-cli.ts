/**
 * `npm run heed -- compliance [--since DATE|7d] [--json]`: the share of replies passing their checks, per
 * check type, channel and model, and how often a rewrite fixed the miss.
 */
import type { Config } from '../config.js';
import { complianceFigures, renderFigures } from '../core/compliance/figures.js';
import { HeedError } from '../core/errors.js';
import { ComplianceStore } from '../core/storage/index.js';
import { openConfiguredDatabase } from './database.js';
import { readFilter } from './reports-cli.js';

const USAGE = 'Usage: npm run heed -- compliance [--since 2026-11-01|7d] [--json]';

/**
 * `compliance [--since …] [--json]`: the figures as text, or as one JSON object on standard output.
 * Rejects with HeedError `usage` with a sentence for the operator.
 */
export async function runComplianceCli(argv: string[], config: Config, write: (text: string) => void): Promise<number> {
  let since: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--json') json = true;
    else if (arg === '--since' || arg?.startsWith('--since=')) {
      const value = arg === '--since' ? argv[++index] : arg.slice('--since='.length);
      if (!value) throw new HeedError('usage', `--since needs a value.\n${USAGE}`);
      since = readFilter({ since: value }, new Date()).since;
    } else throw new HeedError('usage', `Unknown argument "${arg}".\n${USAGE}`);
  }
  const db = await openConfiguredDatabase(config);
  try {
    const figures = complianceFigures(await new ComplianceStore(db).checkedSince(since ?? ''));
    write(json ? `${JSON.stringify({ since: since ?? null, ...figures })}\n` : `${renderFigures(figures, since)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

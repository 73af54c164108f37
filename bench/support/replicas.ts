/**
 * The replicas run (`npm run bench -- --replicas 1,2,3`): several Heed processes sharing one
 * PostgreSQL database, beside one Heed on SQLite under the same load. Here: the reports of a row's
 * replicas folded into one, and the tables (each row; then the ratios N replicas ÷ 1 replica on
 * PostgreSQL, and PostgreSQL ÷ SQLite for one replica).
 */
import type { HeedReport } from './heed-process.js';
import { num, round, type Figures } from './figures.js';
import { printTable } from './stats.js';

/** Where a row's Heed keeps its data. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** How a row runs Heed: how many processes, on which database. */
export interface Deployment {
  replicas: number;
  database: DatabaseKind;
}

/** What a replicas row measured beyond the figures every row has. */
export interface ReplicaFigures extends Deployment {
  /** Peak RSS of each replica (MB), in start order. */
  peakRssMbEach: number[];
  /** CPU of PostgreSQL's backends for this row's database, per reply (ms); 0 on SQLite. */
  postgresCpuMsPerReply: number;
  /** Backends seen for the database during the measured run. */
  postgresBackends: number;
}

/**
 * One report for all of a row's replicas: CPU and log lines summed; RSS, memory and event-loop delay
 * the worst replica's (the per-replica peaks are kept apart in ReplicaFigures).
 */
export function combineReports(reports: readonly HeedReport[]): HeedReport {
  const [first, ...rest] = reports;
  if (!first) throw new Error('no replica reported');
  if (rest.length === 0) return first;
  const max = (pick: (report: HeedReport) => number) => Math.max(...reports.map(pick));
  const sum = (pick: (report: HeedReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
  const memoryPeaks = { ...first.memoryPeaks };
  for (const key of Object.keys(memoryPeaks) as (keyof typeof memoryPeaks)[])
    memoryPeaks[key] = max((report) => report.memoryPeaks[key]);
  return {
    cpuMs: sum((report) => report.cpuMs),
    peakRssBytes: max((report) => report.peakRssBytes),
    rssBytes: max((report) => report.rssBytes),
    memoryPeaks,
    // Every replica's probe looks at the same database, so these are not summed.
    dbBytes: max((report) => report.dbBytes),
    replies: max((report) => report.replies),
    loopDelayP99Ms: max((report) => report.loopDelayP99Ms),
    loopDelayMaxMs: max((report) => report.loopDelayMaxMs),
    loopBusy: max((report) => report.loopBusy),
    idleRssBytes: max((report) => report.idleRssBytes),
    warmIdleRssBytes: max((report) => report.warmIdleRssBytes),
    logs: {
      warnings: sum((report) => report.logs.warnings),
      errors: sum((report) => report.logs.errors),
      samples: reports.flatMap((report) => report.logs.samples).slice(0, 5),
    },
  };
}

/** A replicas row's name. */
export function replicaRowName(deployment: Deployment): string {
  const count = `${deployment.replicas} ${deployment.replicas === 1 ? 'replica' : 'replicas'}`;
  return `Heed, slack, ${count}, ${deployment.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}`;
}

/** A replicas row: its figures with the deployment they ran on. */
export type ReplicaRow = Figures & { replicas: ReplicaFigures };

/** Every figure compared between rows, in the order printed. */
const METRICS: { name: string; value: (row: ReplicaRow) => number; digits: number }[] = [
  { name: 'replies/s', value: (row) => row.repliesPerSecond, digits: 1 },
  { name: 'overhead beyond the model p50 (ms)', value: (row) => row.overheadP50Ms, digits: 0 },
  { name: 'overhead beyond the model p99 (ms)', value: (row) => row.overheadP99Ms, digits: 0 },
  { name: 'first visible text after the 1st token p50 (ms)', value: (row) => row.firstTextP50Ms, digits: 0 },
  { name: 'first visible text after the 1st token p99 (ms)', value: (row) => row.firstTextP99Ms, digits: 0 },
  { name: 'event ack p50 (ms)', value: (row) => row.ackP50Ms, digits: 1 },
  { name: 'event ack p99 (ms)', value: (row) => row.ackP99Ms, digits: 1 },
  { name: 'events acked after 3 s (count)', value: (row) => row.lateAcks, digits: 0 },
  { name: 'Heed CPU per reply, all replicas (ms)', value: (row) => row.cpuMsPerReply, digits: 2 },
  { name: 'PostgreSQL CPU per reply (ms)', value: (row) => row.replicas.postgresCpuMsPerReply, digits: 2 },
  {
    name: 'CPU per reply, Heed + PostgreSQL (ms)',
    value: (row) => row.cpuMsPerReply + row.replicas.postgresCpuMsPerReply,
    digits: 2,
  },
  { name: 'peak RSS, largest replica (MB)', value: (row) => row.peakRssMb, digits: 0 },
  { name: 'database bytes per reply', value: (row) => row.dbBytesPerReply, digits: 0 },
  { name: 'duplicate replies', value: (row) => row.duplicates + row.extraModelCalls, digits: 0 },
  { name: 'errors', value: (row) => row.errors, digits: 0 },
];

/** `a ÷ b` for a table: n/a where either is not a number or `b` is zero. */
const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${num(a / b, 2)}×` : 'n/a';

/** The ratios of one level, for the JSON: figure name → column → ratio. */
export type ReplicaRatios = Record<string, Record<string, number>>;

/** Print every row, then per level the ratios; returns the ratios for the JSON. */
export function printReplicas(rows: readonly ReplicaRow[], cores: number): Record<number, ReplicaRatios> {
  console.log('');
  printTable(
    ['run', 'in flight', 'replies', 'replies/s', 'overhead p50/p99 ms', '1st text p50/p99 ms', 'ack p50/p99 ms']
      .concat(['acks >3 s', 'CPU ms/reply Heed (Σ replicas) / PostgreSQL', 'peak RSS MB per replica', 'DB B/reply'])
      .concat(['dups', 'errors', 'warn']),
    rows.map((row) => [
      row.label,
      String(row.inFlight),
      String(row.replies),
      num(row.repliesPerSecond),
      `${num(row.overheadP50Ms)} / ${num(row.overheadP99Ms)}`,
      `${num(row.firstTextP50Ms)} / ${num(row.firstTextP99Ms)}`,
      `${num(row.ackP50Ms)} / ${num(row.ackP99Ms)}`,
      String(row.lateAcks),
      `${num(row.cpuMsPerReply, 2)} / ${row.replicas.database === 'postgres' ? num(row.replicas.postgresCpuMsPerReply, 2) : '-'}`,
      row.replicas.peakRssMbEach.map((mb) => num(mb, 0)).join(' / '),
      String(row.dbBytesPerReply),
      String(row.duplicates + row.extraModelCalls),
      String(row.errors),
      String(row.warnings),
    ]),
  );

  const all: Record<number, ReplicaRatios> = {};
  for (const inFlight of [...new Set(rows.map((row) => row.inFlight))]) {
    const level = rows.filter((row) => row.inFlight === inFlight);
    const sqlite = level.find((row) => row.replicas.database === 'sqlite');
    const postgres = level.filter((row) => row.replicas.database === 'postgres');
    const single = postgres.find((row) => row.replicas.replicas === 1);
    const scaled = postgres.filter((row) => row.replicas.replicas > 1);
    const columns: [string, ReplicaRow | undefined, ReplicaRow | undefined][] = [
      ['PostgreSQL ÷ SQLite, 1 replica', single, sqlite],
      ...scaled.map((row): [string, ReplicaRow | undefined, ReplicaRow | undefined] => [
        `${row.replicas.replicas} ÷ 1 replica, PostgreSQL`,
        row,
        single,
      ]),
    ];
    const shown = level.map(
      (row) => `${row.replicas.replicas}× ${row.replicas.database === 'postgres' ? 'PG' : 'SQLite'}`,
    );
    console.log(`\nReplicas at ${inFlight} in flight: each figure, then the ratios`);
    printTable(
      ['figure', ...shown, ...columns.map(([name]) => name)],
      METRICS.map((metric) => [
        metric.name,
        ...level.map((row) => num(metric.value(row), metric.digits)),
        ...columns.map(([, a, b]) => (a && b ? ratio(metric.value(a), metric.value(b)) : 'not run')),
      ]),
    );
    const ratios: ReplicaRatios = {};
    for (const metric of METRICS) {
      const byColumn: Record<string, number> = {};
      for (const [name, a, b] of columns) {
        const [x, y] = a && b ? [metric.value(a), metric.value(b)] : [Number.NaN, Number.NaN];
        byColumn[name] = y === 0 ? Number.NaN : round(x / y, 3);
      }
      ratios[metric.name] = byColumn;
    }
    all[inFlight] = ratios;
  }

  const unseen = rows.filter((row) => row.replicas.database === 'postgres' && row.replicas.postgresBackends === 0);
  if (unseen.length > 0)
    console.log(
      `\nNo PostgreSQL backend of ${unseen.map((row) => row.label).join(', ')} was found in /proc (a server on another` +
        ' machine, or in a container?): its PostgreSQL CPU reads 0 and is not measured.',
    );
  const errors = rows.reduce((total, row) => total + row.errors, 0);
  const duplicates = rows.reduce((total, row) => total + row.duplicates + row.extraModelCalls, 0);
  console.log(
    `\nExactly once across replicas: ${duplicates} duplicate replies and ${errors} errors over every row (both must be 0: ${duplicates === 0 && errors === 0 ? 'met' : 'MISSED'}).`,
  );
  console.log(
    [
      `On this machine's ${cores} cores every replica shares the same CPU with PostgreSQL, the fake model, the fake`,
      'Slack and the load generator, so replies/s cannot grow with the number of replicas here: what these rows',
      'show is what coordination costs (claims in the shared database, a mention and its twin on different',
      'replicas), in latency and in CPU per reply, not how far Heed scales out.',
    ].join('\n'),
  );
  return all;
}

/**
 * PostgreSQL for the replicas benchmark (`npm run bench -- --replicas …`): a fresh database per row,
 * made and dropped through `psql` (the benchmark needs no database driver of its own, and no query of
 * its runs while the load does), and the CPU that PostgreSQL's backends spend for that database, read
 * from /proc (Linux): a backend's process title names its database, so no SQL is needed to find it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The server the benchmark creates its databases on (BENCH_POSTGRES_URL): any database there will do to connect. */
export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Run one SQL statement with psql on `url`; resolves to its unaligned, tuples-only output. */
async function psql(url: string, sql: string): Promise<string> {
  try {
    const { stdout } = await run('psql', [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('psql is not installed: the replicas run makes its databases with it (postgresql-client).', {
        cause: error,
      });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`psql on ${new URL(url).host}: ${detail}`, { cause: error });
  }
}

/** A database made for one benchmark row. */
export interface BenchDatabase {
  name: string;
  /** What Heed's DATABASE_URL is set to. */
  url: string;
  /** Tables outside PostgreSQL's own schemas: 0 means nobody has migrated it. */
  tableCount(): Promise<number>;
  /** `pg_database_size`: bytes on disk, WAL excluded. */
  sizeBytes(): Promise<number>;
  /** Drop it, ending any connection still open (Heed has been stopped by then). */
  drop(): Promise<void>;
}

/** Create `heed_bench_<random>` on the server of BENCH_POSTGRES_URL. */
export async function createBenchDatabase(adminUrl = ADMIN_URL): Promise<BenchDatabase> {
  const name = `heed_bench_${randomBytes(6).toString('hex')}`;
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const own = url.toString();
  return {
    name,
    url: own,
    tableCount: async () =>
      Number(
        await psql(own, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"),
      ),
    sizeBytes: async () => Number(await psql(own, `SELECT pg_database_size('${name}')`)),
    drop: async () => {
      await psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux Node.js supports. */
const CLOCK_TICKS_PER_SECOND = 100;
const SAMPLE_MS = 250;
/** Every this many samples, look for new backends too. */
const DISCOVER_EVERY = 8;

/** CPU time (ms) of one process from /proc/<pid>/stat, or undefined once it has gone. */
async function processCpuMs(pid: string): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // A pid reused by another program after its backend ended is not PostgreSQL's.
    if (!stat.startsWith(`${pid} (postgres)`)) return undefined;
    // The command name in parentheses may hold spaces; the fields after it are fixed: utime and stime
    // are the 14th and 15th of the whole line, so the 12th and 13th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The pids of PostgreSQL backends connected to `database` (title "postgres: … <user> <database> <host> …"). */
async function backendsOf(database: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found: string[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const title = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
        if (title.startsWith('postgres:') && title.includes(` ${database} `)) found.push(pid);
      } catch {
        // Gone between readdir and read.
      }
    }),
  );
  return found;
}

/** CPU that PostgreSQL spent for one database while it was watched. */
export interface PostgresCpuWatch {
  /** Stop sampling; resolves to the CPU (ms) the database's backends used since the watch started. */
  stop(): Promise<{ cpuMs: number; backends: number }>;
}

/**
 * Watch the CPU of `database`'s backends from now on: each backend's CPU is sampled every 250 ms (a
 * backend that appears later counts from zero), and the last sample of each is summed at the end. A
 * backend that ends between two samples loses at most 250 ms of its CPU (Heed's pools keep their
 * connections while busy). Not counted: the server's shared processes (WAL writer, checkpointer,
 * autovacuum), which other databases on the same server use too, and parallel query workers.
 */
export async function watchPostgresCpu(database: string): Promise<PostgresCpuWatch> {
  /** Per backend: its CPU when first seen (0 if it appeared after the start) and when last seen. */
  const backends = new Map<string, { first: number; last: number }>();
  const read = async (pid: string, starting: boolean): Promise<void> => {
    const cpu = await processCpuMs(pid);
    if (cpu === undefined) return;
    const known = backends.get(pid);
    if (known) known.last = cpu;
    else backends.set(pid, { first: starting ? cpu : 0, last: cpu });
  };
  // Reading every process's title costs this (load-generating) process CPU on a small machine: new
  // backends are looked for every 2 s, the known ones read every 250 ms.
  const discover = async (starting: boolean): Promise<void> => {
    await Promise.all((await backendsOf(database)).map((pid) => read(pid, starting)));
  };
  await discover(true);
  let samples = 0;
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(() =>
      ++samples % DISCOVER_EVERY === 0
        ? discover(false)
        : Promise.all([...backends.keys()].map((pid) => read(pid, false))).then(() => undefined),
    );
  }, SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await discover(false);
      let cpuMs = 0;
      for (const { first, last } of backends.values()) cpuMs += last - first;
      return { cpuMs, backends: backends.size };
    },
  };
}

/**
 * `npm run bench:profile -- FILE.cpuprofile…`: where a V8 CPU profile (`node --cpu-prof`, written by
 * `BENCH_CPU_PROF=1 npm run bench`) spent its time, by self time: the top functions, and the totals by
 * package (a dependency under node_modules, Node's own internals, Heed's src/ files, V8's garbage
 * collector). Idle time is left out, so the shares are of the CPU actually used.
 */
import { readFileSync } from 'node:fs';
import { printTable } from './support/stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** How many functions to list. */
const TOP = Number(process.env.PROFILE_TOP ?? 25);

/** The package a script belongs to: a dependency's name, `node` for Node's internals, or the file of the project. */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return 'node';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency?.[1]) return dependency[1];
  const own = /\/((?:src|bench|dist)\/.*)$/.exec(url);
  return own?.[1] ? `heed ${own[1].replace(/^dist\//, 'src/')}` : url;
}

/** Self time (ms) per node id. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  profile.samples.forEach((id, index) => times.set(id, (times.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  return times;
}

function summarise(files: string[]): void {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    for (const [id, ms] of selfTimes(profile)) {
      const frame = nodes.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') continue;
      const pkg = packageOf(frame.url, frame.functionName);
      const name = `${frame.functionName || '(anonymous)'} ${pkg}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
      total += ms;
    }
  }
  const rows = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => [name, ms.toFixed(0), `${((ms / total) * 100).toFixed(1)}%`]);
  console.log(`CPU used (idle left out): ${total.toFixed(0)} ms in ${files.length} profile(s)\n`);
  console.log('By package (self time)');
  printTable(['package', 'ms', 'share'], rows(byPackage, TOP));
  console.log(`\nTop ${TOP} functions (self time)`);
  printTable(['function', 'ms', 'share'], rows(byFunction, TOP));
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('Give one or more .cpuprofile files: ');
  process.stderr.write('npm run bench:profile -- bench/results/profiles/*.cpuprofile\n');
  process.exit(2);
}
summarise(files);

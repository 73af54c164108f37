/**
 * `npm start` runs plain node on the build that `npm ci` leaves (the `prepare` script), while the tests
 * that start the bot run its source through tsx so they never test a stale build. This file ties the
 * two together: the scripts point at the build of the very entries the tests run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { rootDir: string; outDir: string };
};

/** A script's command, the Node.js flags it passes, and the file it runs: `node --flag dist/main.js`. */
function parts(script: string): { command: string; flags: string[]; file: string } {
  const [command = '', ...rest] = script.trim().split(/\s+/);
  return { command, flags: rest.slice(0, -1), file: rest.at(-1) ?? '' };
}

/** Where the build puts the compiled form of a source file such as `src/main.ts`. */
function compiledPath(source: string): string {
  const inRoot = relative(build.compilerOptions.rootDir, source).replace(/\.ts$/, '.js');
  return join(build.compilerOptions.outDir, inRoot);
}

describe('the compiled build', () => {
  it('GIVEN npm ci THEN prepare runs the build of tsconfig.build.json', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
  });

  it.each([
    ['start', 'src/main.ts'],
    ['heed', 'src/cli/heed.ts'],
    ['discord:register', 'src/adapters/discord/register-commands.ts'],
  ])('GIVEN npm run %s THEN plain node runs the build of %s', (script, source) => {
    expect(existsSync(join(ROOT, source))).toBe(true);
    const { command, flags, file } = parts(pkg.scripts[script] ?? '');
    expect(command).toBe('node');
    expect(file).toBe(compiledPath(source));
    expect(flags.every((flag) => flag.startsWith('--'))).toBe(true);
  });

  it('GIVEN npm run dev THEN tsx runs the source that the tests run, with the Node.js flags of npm start', () => {
    const dev = parts(pkg.scripts.dev ?? '');
    expect(dev.command).toBe('tsx');
    expect(dev.file).toBe('src/main.ts');
    expect(dev.flags).toEqual(parts(pkg.scripts.start ?? '').flags);
  });

  it('GIVEN a production install THEN neither tsx nor pino-pretty is needed', () => {
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('pino-pretty');
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['tsx', 'pino-pretty']));
  });

  it('GIVEN the build THEN the migrations resolve from dist/ as from src/ (one level below the root)', () => {
    // src/core/storage/database.ts finds migrations/ three levels up from itself.
    expect(build.compilerOptions.rootDir).toBe('src');
    expect(build.compilerOptions.outDir.split('/')).toHaveLength(1);
  });

  it('GIVEN process.loadEnvFile in the config THEN engines asks for Node 20.12 or later', () => {
    expect(pkg.engines.node).toBe('>=20.12');
  });
});

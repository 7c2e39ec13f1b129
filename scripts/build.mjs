// The compiled build the bot runs from (dist/): `npm run build`, run by `npm install` (prepare) and by
// `npm start` when dist/ is missing or older than the sources. Plain JavaScript: it runs before any
// TypeScript loader exists. Type checking is `npm run typecheck`; the build only strips the types.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
const STAMP = path.join(dist, '.build-stamp');
const LOCK = path.join(root, '.dist-build.lock');
const SOURCES = ['src', 'adapters', 'commands', 'migrations'];
const INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];
/** Runtime files the compiler does not emit: copied as they are. */
const COPIED = ['src/jobs/worker-entry.mjs', 'src/campaigns/delivery/email.html'];
/**
 * Libraries the bot loads at every start, spread over hundreds of small ES modules (kysely ~500,
 * zod ~200): each is bundled into one file in dist/vendor/ and the compiled code imports that, which
 * takes about a third of a second off the start. Only whole-package imports ('kysely', 'zod') are used.
 */
const VENDORED = ['kysely', 'zod'];
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 5 * 60_000;

function newestChange(dir) {
  let newest = statSync(dir).mtimeMs; // a deleted file changes its folder
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether dist/ is missing, or older than a source file, a deleted one, or the build settings. */
export function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const sources = SOURCES.map((dir) => path.join(root, dir)).filter(existsSync);
  if (sources.length === 0) return false; // an image that ships dist/ without the sources
  const inputs = INPUTS.map((file) => path.join(root, file)).filter(existsSync);
  return Math.max(...sources.map(newestChange), ...inputs.map((file) => statSync(file).mtimeMs)) > built;
}

function typescriptCompiler() {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** One build at a time across processes (several bots or test files may start at once). */
function withLock(work) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      sleep(100);
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds dist/ when it is stale (always with `force`), into a new folder that then replaces the old
 * one, so no file of an earlier build is left behind. Returns whether it built.
 */
export function build({ force = false, quiet = false } = {}) {
  if (!force && !isStale()) return false;
  return withLock(() => {
    if (!force && !isStale()) return false; // built by another process while this one waited
    const tsc = typescriptCompiler();
    if (!tsc) {
      throw new Error(
        'The compiled build (dist/) is missing or older than the sources, and TypeScript is not installed to build it. ' +
          'Run `npm ci` (with the dev dependencies), then `npm start` again; a production image builds dist/ when it is made.',
      );
    }
    if (!quiet) process.stderr.write('Building growthbot (dist/), once after an install or a change…\n');
    const next = `${dist}.next-${process.pid}`;
    rmSync(next, { recursive: true, force: true });
    const startedAt = Date.now();
    const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', next], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      rmSync(next, { recursive: true, force: true });
      throw new Error(`The build failed (tsc):\n${result.stdout}${result.stderr}`);
    }
    try {
      vendor(next);
    } catch (error) {
      rmSync(next, { recursive: true, force: true });
      throw error;
    }
    for (const file of COPIED) {
      mkdirSync(path.dirname(path.join(next, file)), { recursive: true });
      copyFileSync(path.join(root, file), path.join(next, file));
    }
    const stamp = path.join(next, '.build-stamp');
    writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
    // a source saved while the compiler ran is newer than this, so the next start builds again
    utimesSync(stamp, new Date(startedAt), new Date(startedAt));
    const old = `${dist}.old-${process.pid}`;
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(next, dist);
    rmSync(old, { recursive: true, force: true });
    if (!quiet) process.stderr.write(`Built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.\n`);
    return true;
  });
}

function esbuildOf() {
  try {
    return createRequire(path.join(root, 'package.json'))('esbuild');
  } catch {
    return undefined;
  }
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? jsFiles(full) : entry.name.endsWith('.js') ? [full] : [];
  });
}

/** Bundles each VENDORED package into out/vendor/<name>.js and points the compiled imports at it. */
function vendor(out) {
  const esbuild = esbuildOf();
  if (!esbuild) return; // the packages are imported from node_modules as they are: slower, same code
  const vendorDir = path.join(out, 'vendor');
  mkdirSync(vendorDir, { recursive: true });
  for (const name of VENDORED) {
    esbuild.buildSync({
      stdin: { contents: `export * from '${name}';`, resolveDir: root, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: path.join(vendorDir, `${name}.js`),
      logLevel: 'error',
    });
  }
  const specifier = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(['"])(${VENDORED.join('|')})\\2`, 'g');
  for (const file of jsFiles(out)) {
    if (file.startsWith(vendorDir + path.sep)) continue;
    const code = readFileSync(file, 'utf8');
    const rewritten = code.replace(specifier, (_, lead, quote, name) => {
      const relative = path
        .relative(path.dirname(file), path.join(vendorDir, `${name}.js`))
        .split(path.sep)
        .join('/');
      return `${lead}${quote}${relative.startsWith('.') ? relative : `./${relative}`}${quote}`;
    });
    if (rewritten !== code) writeFileSync(file, rewritten);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    build({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

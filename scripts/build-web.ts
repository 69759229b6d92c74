/**
 * Builds the browser apps: every `web/<app>/` with a `vite.config.ts`, into
 * `dist/web/<app>/` (`npm run build:web`; `npm run build` runs it too).
 *
 * An app whose inputs have not changed since its last build is skipped: its
 * own folder, `web/shared/`, the files at the top of `web/` and
 * `package-lock.json` are hashed, and the hash is kept in
 * `dist/web/<app>/.inputs-sha256`. `--force` builds anyway; names after the
 * flags build only those apps. Exits non-zero when a build fails.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../src/util/paths';

const WEB = path.join(PROJECT_ROOT, 'web');
const STAMP = '.inputs-sha256';

/** The apps: folders of web/ with their own vite.config.ts. */
function apps(): string[] {
  return readdirSync(WEB, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(WEB, d.name, 'vite.config.ts')))
    .map((d) => d.name)
    .sort();
}

/** Every file under `dir`, sorted, skipping node_modules and dot-folders. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        return d.name === 'node_modules' || d.name.startsWith('.') ? [] : filesUnder(full);
      }
      return d.isFile() ? [full] : [];
    })
    .sort();
}

function inputsHash(app: string): string {
  const topFiles = readdirSync(WEB)
    .map((name) => path.join(WEB, name))
    .filter((p) => statSync(p).isFile());
  const files = [
    ...filesUnder(path.join(WEB, app)),
    ...filesUnder(path.join(WEB, 'shared')),
    ...topFiles.sort(),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ];
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(PROJECT_ROOT, file)).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function main(): void {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const named = args.filter((a) => !a.startsWith('--'));
  const known = apps();
  for (const name of named) {
    if (!known.includes(name)) throw new Error(`no web app "${name}" (have: ${known.join(', ')})`);
  }
  const vitePackage = require.resolve('vite/package.json');
  const { bin } = JSON.parse(readFileSync(vitePackage, 'utf8')) as { bin: { vite: string } };
  const vite = path.join(path.dirname(vitePackage), bin.vite);
  for (const app of named.length > 0 ? named : known) {
    const out = path.join(PROJECT_ROOT, 'dist/web', app);
    const stamp = path.join(out, STAMP);
    const hash = inputsHash(app);
    const built =
      existsSync(path.join(out, 'index.html')) &&
      existsSync(stamp) &&
      readFileSync(stamp, 'utf8').trim() === hash;
    if (built && !force) {
      console.log(`web/${app}: up to date`);
      continue;
    }
    const started = Date.now();
    // Vite is ESM only and this script is CommonJS: run its CLI.
    execFileSync(process.execPath, [vite, 'build', path.join(WEB, app)], {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      timeout: 10 * 60_000,
    });
    writeFileSync(stamp, `${hash}\n`);
    console.log(`web/${app}: built into dist/web/${app} in ${Date.now() - started} ms`);
  }
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}

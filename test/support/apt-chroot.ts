/**
 * A Debian 12 minbase chroot with a local apt repository, for the PATCHES
 * end-to-end test: a real apt behind the test sshd (Match User +
 * ChrootDirectory). The debootstrap tree is built once and cached under the
 * temp dir (about 35 s and 210 MB); each run lays a private overlay over it
 * inside a mount namespace, so the cache is never written to and the machine
 * sees no mount.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { MountNamespace } from './mount-namespace';

const execFileAsync = promisify(execFile);

/** Built once, kept between runs; `.hostscan-complete` marks a finished build. */
export const MINBASE_CACHE = path.join(os.tmpdir(), 'hostscan-bookworm-minbase');
const COMPLETE = '.hostscan-complete';

/** The two updates the repository offers, and the suite each is in. */
export const REPO_UPDATES = [
  {
    name: 'hostname',
    deb: 'hostname_3.23+nmu1_amd64.deb',
    version: '3.23+nmu1+hs1',
    suite: 'bookworm',
  },
  {
    name: 'diffutils',
    deb: 'diffutils_1%3a3.8-4_amd64.deb',
    version: '1:3.8-4+deb12u1',
    suite: 'bookworm-security',
  },
] as const;

/** Builds the cached minbase tree unless a finished one is there. */
export async function ensureMinbase(): Promise<string> {
  if (existsSync(path.join(MINBASE_CACHE, COMPLETE))) return MINBASE_CACHE;
  const tmp = `${MINBASE_CACHE}.build-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await execFileAsync('debootstrap', ['--variant=minbase', 'bookworm', tmp], {
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(path.join(tmp, COMPLETE), `${new Date().toISOString()}\n`);
  rmSync(MINBASE_CACHE, { recursive: true, force: true });
  renameSync(tmp, MINBASE_CACHE);
  return MINBASE_CACHE;
}

export interface AptChroot {
  /** The chroot's root, as the namespace sees it (root-owned path, as ChrootDirectory needs). */
  root: string;
  /** Runs a POSIX sh script inside the chroot, as root, in the namespace. */
  sh(script: string): Promise<string>;
  /** Removes the (empty, on this machine) mount point. */
  remove(): void;
}

/**
 * Mounts an overlay of the cached tree at a fresh directory under /run
 * (every component root-owned and not group- or world-writable, or sshd
 * refuses it), mounts /proc inside, builds the repository of REPO_UPDATES
 * and runs `apt-get update` once: the test's set-up, not the scan's doing.
 */
export async function startAptChroot(ns: MountNamespace): Promise<AptChroot> {
  const lower = await ensureMinbase();
  const root = `/run/hostscan-apt-${process.pid}`;
  mkdirSync(root, { mode: 0o755 });
  const upper = path.join(ns.dir, 'upper');
  const work = path.join(ns.dir, 'work');
  const build = path.join(ns.dir, 'build');
  const repo = `${root}/srv/hs-repo`;
  const release = (suite: string) =>
    ['Origin=Hostscan-Test', 'Label=Hostscan-Test', `Suite=${suite}`, `Codename=${suite}`]
      .concat(['Architectures=amd64', 'Components=main'])
      .map((o) => `-o APT::FTPArchive::Release::${o}`)
      .join(' ');
  await ns.sh(`set -e
mkdir -p ${upper} ${work} ${build}
mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${work} ${root}
mount -t proc proc ${root}/proc
mkdir -p ${repo}`);
  for (const u of REPO_UPDATES) {
    const dir = `${build}/${u.name}`;
    await ns.sh(`set -e
dpkg-deb -R ${root}/var/cache/apt/archives/${u.deb} ${dir}
sed -i 's/^Version: .*/Version: ${u.version}/' ${dir}/DEBIAN/control
mkdir -p ${repo}/pool/${u.suite}
dpkg-deb -Zgzip -b ${dir} ${repo}/pool/${u.suite}/ >/dev/null`);
  }
  for (const suite of new Set(REPO_UPDATES.map((u) => u.suite))) {
    await ns.sh(`set -e
cd ${repo}
mkdir -p dists/${suite}/main/binary-amd64
apt-ftparchive packages pool/${suite} > dists/${suite}/main/binary-amd64/Packages
apt-ftparchive ${release(suite)} release dists/${suite} > dists/${suite}/Release`);
  }
  const sources = [...new Set(REPO_UPDATES.map((u) => u.suite))]
    .map((s) => `deb [trusted=yes] file:/srv/hs-repo ${s} main`)
    .join('\n');
  const sh = (script: string) =>
    ns.sh(`chroot ${root} /bin/sh -c '${script.replace(/'/g, `'\\''`)}'`);
  await ns.sh(`printf '%s\\n' '${sources}' > ${root}/etc/apt/sources.list`);
  await sh('apt-get -q update >/dev/null');
  return { root, sh, remove: () => rmdirSync(root) };
}

/**
 * The updates probe's POSIX sh script. It finds the host's package manager
 * and runs only that manager's read-only query: no metadata refresh, no lock
 * taken, nothing written (docs/patches.md says what each line runs). Held
 * locks are not tested by taking them: the script prints the lock files'
 * device and inode and /proc/locks, and the parser matches them
 * (updates-locks.ts); pid-file locks (zypp, pacman) are printed as they are.
 *
 * Every section is a `@@name arg` marker line; `@@status N` follows each
 * query with its exit status.
 */

/** What the scan asked for beyond the read-only default. */
export interface UpdatesOptions {
  /** Refresh the manager's metadata first, where the login may (see REFRESH). */
  refreshMetadata?: boolean;
}

const HELPERS = [
  'echo "@@now $(date +%s)"',
  // Modification times (seconds) of whichever of these exist.
  'hs_mtime() { for f in "$@"; do [ -e "$f" ] && echo "@@mtime $(stat -c %Y "$f" 2>/dev/null) $f"; done; return 0; }',
  // Device and inode of each lock file, then the kernel's table of held locks.
  'hs_locks() {',
  '  for f in "$@"; do [ -e "$f" ] && echo "@@lock $(stat -c \'%d %i\' "$f" 2>/dev/null) $f"; done',
  '  if [ -r /proc/locks ]; then echo "@@proc-locks"; cat /proc/locks; fi',
  '  return 0',
  '}',
  // A pid-file lock: the pid it names, and whether that process lives.
  'hs_pidfile() {',
  '  for f in "$@"; do',
  '    [ -s "$f" ] || continue',
  '    p=$(head -n 1 "$f" 2>/dev/null | tr -cd 0-9)',
  '    if [ -n "$p" ] && [ -d "/proc/$p" ]; then echo "@@pidlock $p $f"; else echo "@@stale-pidlock $f"; fi',
  '  done',
  '  return 0',
  '}',
  'hs_root() { [ "$(id -u 2>/dev/null)" = 0 ]; }',
];

/**
 * apt: a simulated dist-upgrade (it shows every upgradable package with the
 * origin and suite of its candidate). `-s` takes no lock; NoLocking says so
 * again, and the empty cache paths keep a root login from rewriting
 * pkgcache.bin. The lists' age is the mtime of lists/partial, which every
 * `apt-get update` touches (the list files themselves carry the server's
 * Last-Modified time).
 */
const APT = (refresh: boolean): string[] => [
  'if command -v apt-get >/dev/null 2>&1 && [ -r /var/lib/dpkg/status ]; then',
  '  echo "@@manager apt"',
  '  hs_locks /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock',
  ...(refresh
    ? [
        '  if hs_root; then echo "@@refresh apt-get update"; apt-get -q update >/dev/null 2>&1; echo "@@status $?"',
        '  else echo "@@refresh-skipped not root"; fi',
      ]
    : []),
  '  hs_mtime /var/lib/apt/lists/partial /var/lib/apt/periodic/update-success-stamp',
  '  echo "@@upgrades"',
  '  apt-get -s -q -o Debug::NoLocking=true -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= dist-upgrade',
  '  echo "@@status $?"',
];

/**
 * zypper: `--no-refresh` and `ZYPP_READONLY_HACK` (libzypp's switch to skip
 * its system lock), XML output for both lists. list-patches does not name
 * the packages a patch fixes; `info -t patch` does (its Conflicts lines), in
 * one call for all the needed patches.
 */
const ZYPPER = (refresh: boolean): string[] => [
  'elif command -v zypper >/dev/null 2>&1; then',
  '  echo "@@manager zypper"',
  '  hs_pidfile /run/zypp.pid /var/run/zypp.pid',
  ...(refresh
    ? [
        '  if hs_root; then echo "@@refresh zypper refresh"; zypper -n -q refresh >/dev/null 2>&1; echo "@@status $?"',
        '  else echo "@@refresh-skipped not root"; fi',
      ]
    : []),
  '  for f in /var/cache/zypp/raw/*/repodata/repomd.xml; do hs_mtime "$f"; done',
  '  echo "@@upgrades"',
  '  ZYPP_READONLY_HACK=1 zypper -n --no-refresh --xmlout list-updates',
  '  echo "@@status $?"',
  '  echo "@@patches"',
  '  p=$(ZYPP_READONLY_HACK=1 zypper -n --no-refresh --xmlout list-patches); s=$?',
  '  printf "%s\\n" "$p"; echo "@@status $s"',
  '  n=$(printf "%s\\n" "$p" | grep -o \'kind="patch" name="[^"]*"\' | sed \'s/.*name="//; s/"$//\')',
  '  if [ -n "$n" ]; then',
  '    echo "@@patch-info"',
  '    ZYPP_READONLY_HACK=1 zypper -n --no-refresh info -t patch $n',
  '    echo "@@status $?"',
  '  fi',
];

/**
 * dnf and yum: `-C` keeps them on the cache (no metadata download);
 * check-update exits 100 when updates are pending. It does not print the
 * installed version, so rpm's list of installed packages follows.
 */
const DNF = (refresh: boolean): string[] => [
  'elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then',
  '  if command -v dnf >/dev/null 2>&1; then m=dnf; else m=yum; fi',
  '  echo "@@manager $m"',
  '  hs_locks /var/lib/rpm/.rpm.lock',
  '  hs_pidfile /var/cache/dnf/metadata_lock.pid /var/cache/dnf/rpmdb_lock.pid /var/run/yum.pid',
  ...(refresh
    ? [
        '  if hs_root; then echo "@@refresh $m makecache"; $m -q makecache >/dev/null 2>&1; echo "@@status $?"',
        '  else echo "@@refresh-skipped not root"; fi',
      ]
    : []),
  '  for f in /var/cache/dnf/*/repodata/repomd.xml /var/cache/yum/*/*/*/repomd.xml; do hs_mtime "$f"; done',
  '  echo "@@upgrades"',
  '  $m -C -q --color=never check-update',
  '  echo "@@status $?"',
  '  echo "@@advisories"',
  '  $m -C -q --color=never updateinfo list --updates',
  '  echo "@@status $?"',
  '  echo "@@installed"',
  "  rpm -qa --qf '%{NAME}.%{ARCH} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n'",
  '  echo "@@status $?"',
];

/**
 * pacman: `-Qu` compares the local database with the sync databases as
 * they are; `-Si` on its names gives each candidate's repository and
 * architecture. A refresh with `-Sy` alone would make a later `-S pkg` a
 * partial upgrade, so refreshMetadata never runs it (docs/patches.md).
 */
const PACMAN: string[] = [
  'elif command -v pacman >/dev/null 2>&1; then',
  '  echo "@@manager pacman"',
  '  [ -e /var/lib/pacman/db.lck ] && echo "@@pidlock - /var/lib/pacman/db.lck"',
  '  for f in /var/lib/pacman/sync/*.db; do hs_mtime "$f"; done',
  '  echo "@@upgrades"',
  '  u=$(pacman -Qu); s=$?',
  '  [ -n "$u" ] && printf "%s\\n" "$u"; echo "@@status $s"',
  '  if [ -n "$u" ]; then',
  '    echo "@@sync-info"',
  '    pacman -Si $(printf "%s\\n" "$u" | cut -d " " -f 1)',
  '    echo "@@status $?"',
  '  fi',
];

const APK: string[] = [
  'elif command -v apk >/dev/null 2>&1; then',
  '  echo "@@manager apk"',
  'else',
  '  echo "@@manager none"',
  'fi',
];

/** The script for one scan: the same on every host, refresh lines only when asked. */
export function updatesCommand(options: UpdatesOptions = {}): string {
  const refresh = options.refreshMetadata === true;
  return [...HELPERS, ...APT(refresh), ...ZYPPER(refresh), ...DNF(refresh), ...PACMAN, ...APK].join(
    '\n',
  );
}

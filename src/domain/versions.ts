/**
 * Version ordering as each package manager defines it, so a change of
 * version can be called an upgrade or a downgrade. Pure string functions.
 */

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** dpkg's weight of one non-digit character: `~` before the end, letters before the rest. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp (lib/dpkg/version.c, dpkg 1.21) over one upstream or revision part. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/**
 * `[epoch:]version[-release]`, as dpkg (`${Version}`), rpm
 * (`%{EPOCH}:%{VERSION}-%{RELEASE}`) and pacman (`epoch:pkgver-pkgrel`)
 * print it: the release is what follows the last `-`.
 */
function splitEvr(v: string): Evr {
  const colon = v.indexOf(':');
  const epochText = colon >= 0 ? v.slice(0, colon) : '';
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return {
    epoch: /^\d+$/.test(epochText) ? Number(epochText) : 0,
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    release: dash >= 0 ? rest.slice(dash + 1) : '',
  };
}

const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0);

/** Debian version order (deb-version(7)): epoch, then upstream, then revision. */
export function compareDpkgVersions(a: string, b: string): number {
  const x = splitEvr(a);
  const y = splitEvr(b);
  if (x.epoch !== y.epoch) return sign(x.epoch - y.epoch);
  return sign(verrevcmp(x.version, y.version) || verrevcmp(x.release, y.release));
}

/** rpm's rpmvercmp (rpmio/rpmvercmp.c, rpm 4.18) over one version or release part. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const sep = (s: string, k: number): boolean =>
    k < s.length && !isDigit(s[k]) && !isAlpha(s[k]) && s[k] !== '~' && s[k] !== '^';
  while (i < a.length || j < b.length) {
    while (sep(a, i)) i++;
    while (sep(b, j)) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const same = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && same(a[ei])) ei++;
    while (ej < b.length && same(b[ej])) ej++;
    // A number is newer than letters in the same place.
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/**
 * rpm's EVR order (rpmVersionCompare): epoch, then version, then release,
 * each by rpmvercmp. pacman's alpm_pkg_vercmp is the same algorithm over
 * `epoch:pkgver-pkgrel` (libalpm 13, a copy of rpmvercmp).
 */
export function compareRpmVersions(a: string, b: string): number {
  const x = splitEvr(a);
  const y = splitEvr(b);
  if (x.epoch !== y.epoch) return sign(x.epoch - y.epoch);
  return rpmvercmp(x.version, y.version) || rpmvercmp(x.release, y.release);
}

/**
 * Orders two versions of one package by its manager's rule: -1, 0 or 1.
 * dpkg by Debian's rule; rpm and pacman by rpmvercmp. apk has its own rule
 * (suffixes such as `_rc1` sort before the release) that is not implemented:
 * its versions are ordered by rpmvercmp, right for plain `1.2.3-r4` forms.
 */
export function compareVersions(manager: string, a: string, b: string): number {
  return manager === 'dpkg' ? compareDpkgVersions(a, b) : compareRpmVersions(a, b);
}

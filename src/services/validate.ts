import { DEFAULT_POOL, POOL_PATTERN } from '../domain/states';
import { canonicalIp } from '../util/ip';
import { badInput } from './errors';

/**
 * A host name: dot-separated labels of letters, digits and inner hyphens (RFC
 * 1123), and underscores, which /etc/hosts, internal DNS zones and OpenSSH
 * all accept (`db_1.corp`) though RFC 1123 does not. The name only ever
 * reaches a socket connect, never a shell.
 */
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;
/**
 * A login name as real directories have them: the POSIX portable set
 * (letters, digits, `.`, `_`, `-`), plus `@` for directory users who log in
 * as `jane.doe@corp.example.com` (SSSD, Active Directory) and a trailing `$`
 * (Samba machine accounts); up to 256 characters (glibc's LOGIN_NAME_MAX),
 * never starting with `-`. It goes to the SSH protocol, never to a shell.
 */
const USERNAME = /^[a-zA-Z0-9_][a-zA-Z0-9_.@-]{0,254}\$?$/;

/** Looks like an IPv4 address but is not four plain decimal numbers: 010.0.0.1, 127.1, 0x7f.0.0.1. */
const IPV4_LIKE = /^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}\.?$/i;

/**
 * The host identity of what a user typed: the one text that keys the host
 * row, its pinned key, the one-active-scan rule and every hostname filter.
 * IP literals in their canonical form (see `canonicalIp`: RFC 5952 for
 * IPv6, an IPv4-mapped address as IPv4); names lower-cased (DNS names are
 * case-insensitive, RFC 4343) without a trailing dot (`db1.example.com.`
 * and `db1.example.com` are one host; a resolver with search domains
 * might read a one-label name differently, which we accept). Surrounding
 * blanks are dropped. Names and addresses stay distinct identities: no DNS
 * lookup joins `localhost` and `127.0.0.1`.
 */
export function validateHostname(value: string, field = 'target.hostname'): string {
  const v = value.trim();
  const ip = canonicalIp(v);
  if (ip !== null) return ip;
  // inet_aton reads 010 as octal, 127.1 as 127.0.0.1; other parsers differ.
  if (IPV4_LIKE.test(v)) {
    throw badInput(
      field,
      'must be an IPv4 address as four decimal numbers without leading zeros (e.g. 10.0.0.1)',
    );
  }
  // RFC 1123 2.1: the top-level label is never all-numeric, so `999.1.1.1`
  // is a mistyped address, not a name.
  if (!HOSTNAME.test(v) || /(^|\.)\d+\.?$/.test(v)) {
    throw badInput(
      field,
      'must be a host name (letters, digits, - and _ in dot-separated labels), an IPv4 or an IPv6 address',
    );
  }
  return v.toLowerCase().replace(/\.$/, '');
}

export function validatePort(value: number | null | undefined, field = 'target.port'): number {
  if (value === null || value === undefined) return 22;
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw badInput(field, 'must be from 1 to 65535');
  return value;
}

export function validateUsername(
  value: string | null | undefined,
  field = 'target.username',
): string | null {
  if (value === null || value === undefined) return null;
  if (!USERNAME.test(value))
    throw badInput(
      field,
      'must be a login name: letters, digits, . _ - @, an optional trailing $, at most 256 characters, not starting with -',
    );
  return value;
}

export function validateIntRange(
  value: number | null | undefined,
  field: string,
  min: number,
  max: number,
): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(field, `must be from ${min} to ${max}`);
  return value;
}

export function validateIdempotencyKey(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value.length < 1 || value.length > 200)
    throw badInput('idempotencyKey', 'must be 1 to 200 characters');
  return value;
}

export function validatePool(value: string | null | undefined): string {
  if (value === null || value === undefined) return DEFAULT_POOL;
  if (!POOL_PATTERN.test(value))
    throw badInput(
      'pool',
      'must be 1 to 63 of a-z, 0-9, ".", "_", "-", starting with a letter or digit',
    );
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

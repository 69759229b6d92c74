import net from 'node:net';

import { DEFAULT_POOL, POOL_PATTERN } from '../domain/states';
import { badInput } from './errors';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
/** POSIX portable user name, as useradd accepts it. */
const USERNAME = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,31}$/;

export function validateHostname(value: string, field = 'target.hostname'): string {
  const v = value.trim();
  if (net.isIP(v) !== 0) return v;
  // RFC 1123 2.1: the top-level label is never all-numeric, so `999.1.1.1`
  // is a mistyped address, not a name.
  if (!HOSTNAME.test(v) || /(^|\.)\d+\.?$/.test(v)) {
    throw badInput(field, 'must be an RFC 1123 host name, an IPv4 or an IPv6 address');
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
    throw badInput(field, 'must be a POSIX portable user name (letters, digits, . _ -)');
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

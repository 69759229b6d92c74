import { GraphQLError } from 'graphql';

import { ScanType, Transport } from '../domain/states';
import { badInput } from './errors';
import type { ScanTarget } from './scan.types';
import {
  isUuid,
  validateHostname,
  validateIdempotencyKey,
  validateIntRange,
  validatePool,
  validatePort,
  validateUsername,
} from './validate';

/** The options of a start request, validated, with the server's defaults filled in. */
export interface StartOptions {
  readonly timeoutSeconds: number;
  readonly priority: number;
  readonly idempotencyKey: string | null;
  /** The worker pool. */
  readonly pool: string;
  readonly refreshMetadata: boolean;
}

/** Validates the options startScan and startScans share; throws BAD_USER_INPUT naming the field. */
export function validateStartOptions(
  input: {
    readonly type: ScanType;
    readonly timeoutSeconds?: number | null;
    readonly idempotencyKey?: string | null;
    readonly priority?: number | null;
    readonly pool?: string | null;
    readonly refreshMetadata?: boolean | null;
  },
  defaultTimeoutSeconds: number,
): StartOptions {
  const timeoutSeconds =
    validateIntRange(input.timeoutSeconds, 'timeoutSeconds', 1, 86_400) ?? defaultTimeoutSeconds;
  const priority = validateIntRange(input.priority, 'priority', -100, 100) ?? 0;
  const idempotencyKey = validateIdempotencyKey(input.idempotencyKey);
  const pool = validatePool(input.pool);
  const refreshMetadata = input.refreshMetadata === true;
  if (refreshMetadata && input.type !== ScanType.PATCHES)
    throw badInput('refreshMetadata', 'applies to PATCHES scans only');
  return { timeoutSeconds, priority, idempotencyKey, pool, refreshMetadata };
}

/** A target, validated: the canonical host identity and the login to use. */
export interface ValidTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string | null;
  readonly transport: Transport;
  /** A well-formed id; whether it names a stored credential is checked apart. */
  readonly credentialId: string | null;
}

/**
 * Validates a target's fields; `prefix` names it in errors (`target`,
 * `targets[3]`). Throws BAD_USER_INPUT. A credential id that is not a UUID
 * names no stored credential either.
 */
export function validateTarget(target: ScanTarget, prefix = 'target'): ValidTarget {
  const hostname = validateHostname(target.hostname, `${prefix}.hostname`);
  const port = validatePort(target.port, `${prefix}.port`);
  const username = validateUsername(target.username, `${prefix}.username`);
  const transport = target.transport ?? Transport.SSH;
  const credentialId = target.credentialId ?? null;
  if (credentialId !== null && !isUuid(credentialId))
    throw badInput(`${prefix}.credentialId`, 'names no stored credential');
  return { hostname, port, username, transport, credentialId };
}

/** How SCAN_IN_PROGRESS names a host: `db1:22`, `[::1]:22`. */
export function hostLabel(hostname: string, port: number): string {
  return `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

/** The BAD_USER_INPUT field of a validation error (null for another error). */
export function fieldOf(e: unknown): string | null {
  if (!(e instanceof GraphQLError) || e.extensions.code !== 'BAD_USER_INPUT') return null;
  const field = e.extensions.field;
  return typeof field === 'string' ? field : null;
}

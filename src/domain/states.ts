/**
 * Scan lifecycle states: one frozen constant that TypeScript and the queue's
 * SQL parameters share. The entity (src/db/entities/scan.entity.ts) and the
 * migrations spell the same list in their CHECK constraints.
 */
export const ScanStatus = Object.freeze({
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  PARTIAL: 'PARTIAL',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const);
export type ScanStatus = (typeof ScanStatus)[keyof typeof ScanStatus];

/** States a scan never leaves. */
export const TERMINAL_STATUSES: readonly ScanStatus[] = Object.freeze([
  ScanStatus.COMPLETED,
  ScanStatus.PARTIAL,
  ScanStatus.FAILED,
  ScanStatus.CANCELLED,
]);

/** States in which a scan still occupies its host+type slot. */
export const ACTIVE_STATUSES: readonly ScanStatus[] = Object.freeze([
  ScanStatus.PENDING,
  ScanStatus.RUNNING,
]);

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const ScanType = Object.freeze({
  QUICK: 'QUICK',
  FULL: 'FULL',
  /** os, then pending updates (read-only), then whether a reboot is required. */
  PATCHES: 'PATCHES',
} as const);
export type ScanType = (typeof ScanType)[keyof typeof ScanType];

export const Transport = Object.freeze({
  SSH: 'SSH',
  LOCAL: 'LOCAL',
} as const);
export type Transport = (typeof Transport)[keyof typeof Transport];

export const StepStatus = Object.freeze({
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  SKIPPED: 'SKIPPED',
} as const);
export type StepStatus = (typeof StepStatus)[keyof typeof StepStatus];

/** The pool a scan joins when its request names none, and the one a worker serves by default. */
export const DEFAULT_POOL = 'default';

/** Pool names: lower-case letters, digits, `.`, `_` and `-`, 1 to 63 characters. */
export const POOL_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** A worker presence row's state, derived when it is read (src/queue/presence.ts). */
export const WorkerState = Object.freeze({
  ACTIVE: 'ACTIVE',
  STOPPING: 'STOPPING',
  LOST: 'LOST',
} as const);
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** Which secret a stored credential holds. */
export const CredentialKind = Object.freeze({
  PRIVATE_KEY: 'PRIVATE_KEY',
  PASSWORD: 'PASSWORD',
} as const);
export type CredentialKind = (typeof CredentialKind)[keyof typeof CredentialKind];

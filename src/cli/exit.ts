/**
 * How `hostscan` ends: one exit status per outcome, and the error type that
 * carries a status together with a message written for a person.
 */
import { ScanStatus } from '../domain/states';

/** The process exit statuses (docs/cli.md). */
export const ExitCode = Object.freeze({
  /** The scan (every scan of a fleet) ended COMPLETED, or the command did what it was asked. */
  OK: 0,
  /** A scan ended FAILED or CANCELLED, or the server refused the operation (NOT_FOUND, INVALID_STATE, …). */
  FAILED: 1,
  /** A scan ended PARTIAL: some step failed, the rest ran. */
  PARTIAL: 2,
  /** Bad arguments, or the API could not be reached or refused the token. */
  USAGE: 3,
} as const);
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI prints as its message alone (no stack) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The exit status a finished scan's status maps to; FAILED for one that has not finished. */
export function exitCodeOf(status: string): ExitCode {
  switch (status) {
    case ScanStatus.COMPLETED:
      return ExitCode.OK;
    case ScanStatus.PARTIAL:
      return ExitCode.PARTIAL;
    default:
      return ExitCode.FAILED;
  }
}

/**
 * The exit status of several outcomes: the worst of them, where FAILED is
 * worse than PARTIAL, which is worse than OK (USAGE is worst of all).
 */
export function worstOf(codes: Iterable<ExitCode>): ExitCode {
  const rank: Record<ExitCode, number> = { 0: 0, 2: 1, 1: 2, 3: 3 };
  let worst: ExitCode = ExitCode.OK;
  for (const c of codes) if (rank[c] > rank[worst]) worst = c;
  return worst;
}

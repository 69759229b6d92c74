import type pg from 'pg';

import type { Principal } from '../auth/authenticator';
import { type BatchScan, hostKey, insertScanBatch } from '../queue/batch';
import type { ScanRow } from '../queue/rows';
import * as sql from '../queue/sql';
import { scanFromRow } from './scan.mapper';
import type {
  StartScanFailure,
  StartScanOutcome,
  StartScansOutcome,
  StartScansRequest,
} from './scan.types';
import { fieldOf, hostLabel, type StartOptions, validateTarget } from './scan-options';

type Existing = ScanRow & { hostname: string; port: number; idempotency_key: string };

/** One target on its way through the batch. */
interface Pending {
  readonly index: number;
  readonly scan: BatchScan;
}

const badTarget = (field: string | null, message: string): StartScanFailure => ({
  code: 'BAD_USER_INPUT',
  message,
  field,
  scanId: null,
});

/**
 * Starts one scan per target of an already rate-limited, option-validated
 * request; a target that cannot start gets its own error and the others go
 * on. Costs a fixed number of statements whatever the batch size: one
 * credential check (when any target names one), one idempotency lookup
 * (with a key), one insert of hosts, scans and first events, and one read
 * of the active scans in the way (when any).
 */
export async function startScanBatch(
  pgPool: pg.Pool,
  principal: Principal,
  input: StartScansRequest,
  options: StartOptions,
  maxAttempts: number,
): Promise<StartScansOutcome> {
  const outcomes: Array<StartScanOutcome | undefined> = new Array(input.targets.length);
  const fail = (index: number, error: StartScanFailure) => {
    outcomes[index] = { index, scan: null, error };
  };
  const succeed = (index: number, row: ScanRow) => {
    outcomes[index] = { index, scan: scanFromRow(row), error: null };
  };

  let pending: Pending[] = [];
  input.targets.forEach((target, index) => {
    try {
      const t = validateTarget(target, `targets[${index}]`);
      const idempotencyKey = options.idempotencyKey ? `${options.idempotencyKey}#${index}` : null;
      pending.push({ index, scan: { ...t, idempotencyKey } });
    } catch (e) {
      const field = fieldOf(e);
      if (field === null) throw e;
      fail(index, badTarget(field, (e as Error).message));
    }
  });

  // Credentials: one read for all the ids named.
  const credentialIds = [...new Set(pending.flatMap((p) => p.scan.credentialId ?? []))];
  if (credentialIds.length > 0) {
    const found = await pgPool.query<{ id: string }>(
      `select id from credentials where id = any($1::uuid[])`,
      [credentialIds],
    );
    const known = new Set(found.rows.map((r) => r.id));
    pending = pending.filter((p) => {
      if (p.scan.credentialId === null || known.has(p.scan.credentialId)) return true;
      const field = `targets[${p.index}].credentialId`;
      fail(p.index, badTarget(field, `${field}: names no stored credential`));
      return false;
    });
  }

  // A repeated key answers with the scans it started before.
  const answerFromKeys = async (list: Pending[]): Promise<Pending[]> => {
    if (!options.idempotencyKey || list.length === 0) return list;
    const res = await pgPool.query<Existing>(sql.FIND_BY_IDEMPOTENCY_KEYS_WITH_HOST, [
      principal.name,
      list.map((p) => p.scan.idempotencyKey),
    ]);
    const byKey = new Map(res.rows.map((r) => [r.idempotency_key, r]));
    return list.filter((p) => {
      const found = byKey.get(p.scan.idempotencyKey!);
      if (!found) return true;
      const same =
        found.hostname === p.scan.hostname &&
        found.port === p.scan.port &&
        found.type === input.type &&
        found.pool === options.pool;
      if (same) succeed(p.index, found);
      else
        fail(
          p.index,
          badTarget(
            'idempotencyKey',
            `idempotencyKey: was already used for a different scan request at targets[${p.index}]`,
          ),
        );
      return false;
    });
  };
  pending = await answerFromKeys(pending);

  // One host and type per statement: a repeated host waits for the first.
  const firstOfHost = new Map<string, number>();
  const repeats: Array<{ index: number; first: number; key: string; label: string }> = [];
  pending = pending.filter((p) => {
    const key = hostKey(p.scan.hostname, p.scan.port);
    const first = firstOfHost.get(key);
    if (first === undefined) {
      firstOfHost.set(key, p.index);
      return true;
    }
    repeats.push({ index: p.index, first, key, label: hostLabel(p.scan.hostname, p.scan.port) });
    return false;
  });

  const inserted = await insertScanBatch(
    pgPool,
    pending.map((p) => p.scan),
    { ...options, type: input.type, requestedBy: principal.name, maxAttempts },
  );
  let conflicted: Pending[] = [];
  pending.forEach((p, i) => {
    const row = inserted.rows[i];
    if (row) succeed(p.index, row);
    else conflicted.push(p);
  });
  // Lost a race with the same key: the winner's scans are the answer.
  conflicted = await answerFromKeys(conflicted);
  for (const p of conflicted) {
    const label = hostLabel(p.scan.hostname, p.scan.port);
    fail(p.index, {
      code: 'SCAN_IN_PROGRESS',
      message: `a ${input.type} scan of ${label} is already pending or running`,
      field: null,
      scanId: inserted.activeIds.get(hostKey(p.scan.hostname, p.scan.port)) ?? null,
    });
  }
  for (const r of repeats) {
    const firstScan = outcomes[r.first]?.scan?.id ?? outcomes[r.first]?.error?.scanId ?? null;
    fail(r.index, {
      code: 'SCAN_IN_PROGRESS',
      message: `a ${input.type} scan of ${r.label} is already pending or running (targets[${r.first}] of this batch names the same host)`,
      field: null,
      scanId: firstScan,
    });
  }

  const results = outcomes.map((o, index) => {
    if (!o) throw new Error(`startScans left targets[${index}] without an outcome`);
    return o;
  });
  const startedCount = results.filter((r) => r.scan !== null).length;
  return { results, startedCount, failedCount: results.length - startedCount };
}

/**
 * The terminal write stores a scan's changes against the previous finished
 * scan of the same host and type, in the transaction that ends the scan:
 * `change_count` on the row the terminal event comes with, the list on its
 * result. Parts are captured results (test/fixtures) parsed by the probes.
 */
import type { ScanChanges } from '../../src/domain/changes';
import { ScanErrorCode } from '../../src/domain/errors';
import type { ScanResultData } from '../../src/domain/result';
import type { ScanStatus } from '../../src/domain/states';
import { claimScan } from '../../src/queue/claim';
import { capturedResult } from '../support/captured-result';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertScan, scanRow } from '../support/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query('truncate scans, hosts cascade');
});

const HOST = 'changes.test';
const BEFORE = capturedResult('debian-11-bullseye-chroot');
const AFTER = capturedResult('debian-11-bullseye-overlay-root');

/** Runs one FULL (or `type`) scan of HOST whose one step stores `part`, ending `status`. */
async function scanWith(
  part: ScanResultData | null,
  status: ScanStatus = 'COMPLETED',
  type: 'QUICK' | 'FULL' = 'FULL',
): Promise<string> {
  const scan = await insertScan(db.pool, { hostname: HOST, type });
  const lease = (await claimScan(db.pool, { workerId: 'w', hostname: 'x', leaseMs: 30_000 }))!;
  expect(lease.id).toBe(scan.id);
  await lease.resetSteps(['all']);
  await lease.startStep(0, 'all', 0);
  await lease.finishStep(0, 'all', 100, part ? { part } : {});
  const failure =
    status === 'COMPLETED' ? null : { code: ScanErrorCode.COMMAND_FAILED, message: 'x' };
  const row = await lease.finish({ status, progress: 100, failure, message: status });
  expect(row.status).toBe(status);
  return scan.id;
}

async function changesOf(id: string): Promise<ScanChanges | null> {
  const r = await db.pool.query<{ changes: ScanChanges | null }>(
    `select changes from scan_results where scan_id = $1`,
    [id],
  );
  return r.rows[0]?.changes ?? null;
}

it("stores null for the host's first scan, then the diff and its count", async () => {
  const first = await scanWith(BEFORE);
  expect((await scanRow(db.pool, first)).change_count).toBeNull();
  expect(await changesOf(first)).toBeNull();

  const second = await scanWith(AFTER);
  const changes = await changesOf(second);
  expect(changes?.previousScanId).toBe(first);
  expect(changes?.packages?.removed).toEqual([
    { name: 'e2fsprogs', arch: 'amd64', version: '1.46.2-2' },
  ]);
  expect((await scanRow(db.pool, second)).change_count).toBe(1);
});

it('the terminal event row and the scan row it comes with commit together', async () => {
  await scanWith(BEFORE);
  const second = await scanWith(AFTER);
  const r = await db.pool.query<{ status: string; change_count: number | null }>(
    `select e.status, s.change_count from scan_events e join scans s on s.id = e.scan_id
     where e.scan_id = $1 and e.seq = s.last_seq`,
    [second],
  );
  expect(r.rows).toEqual([{ status: 'COMPLETED', change_count: 1 }]);
});

it('compares with the last COMPLETED or PARTIAL scan, never a FAILED one nor another type', async () => {
  const first = await scanWith(BEFORE, 'PARTIAL');
  const failed = await scanWith(AFTER, 'FAILED');
  expect((await scanRow(db.pool, failed)).change_count).toBeNull();
  expect(await changesOf(failed)).toBeNull();
  await scanWith(AFTER, 'COMPLETED', 'QUICK');

  const third = await scanWith(AFTER);
  expect((await changesOf(third))?.previousScanId).toBe(first);
  expect((await scanRow(db.pool, third)).change_count).toBe(1);
});

it('a scan with the same result as the last one has zero changes, not null', async () => {
  await scanWith(AFTER);
  const again = await scanWith(AFTER);
  expect((await scanRow(db.pool, again)).change_count).toBe(0);
  expect((await changesOf(again))?.packages?.removed).toEqual([]);
});

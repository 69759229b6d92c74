/**
 * `refreshMetadata` is a PATCHES option: startScan refuses it on any other
 * scan type before touching the database. The pool points at a closed port,
 * so a request that got past validation fails on connecting instead.
 */
import { GraphQLError } from 'graphql';
import pg from 'pg';

import { Role } from '../../src/domain/roles';
import { ScanType } from '../../src/domain/states';
import { ScanService } from '../../src/services/scan.service';

const principal = { keyId: null, name: 'test', role: Role.ADMIN };

describe('startScan refreshMetadata', () => {
  const pool = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
  const service = new ScanService(pool, { defaultScanTimeoutSeconds: 60, maxAttempts: 1 });
  afterAll(() => pool.end());

  it.each([ScanType.QUICK, ScanType.FULL])('is rejected on a %s scan', async (type) => {
    const error: unknown = await service
      .start(principal, { target: { hostname: 'db1.example.com' }, type, refreshMetadata: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'refreshMetadata',
    });
    expect((error as GraphQLError).message).toBe('refreshMetadata: applies to PATCHES scans only');
  });

  it('passes validation on a PATCHES scan (and then meets the closed database)', async () => {
    const error: unknown = await service
      .start(principal, {
        target: { hostname: 'db1.example.com' },
        type: ScanType.PATCHES,
        refreshMetadata: true,
      })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(GraphQLError);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});

import type pg from 'pg';

import type { WorkerConfig } from '../config';
import type { Vault } from '../secrets/vault';
import { ApiKeyService } from './api-key.service';
import { CredentialService } from './credential.service';
import { HostService } from './host.service';
import type { RateLimiter } from './rate-limit';
import { ScanService } from './scan.service';
import { ScheduleService } from './schedule.service';
import { WorkerService } from './worker.service';

/** The use cases resolvers call; one set per API process. */
export interface Services {
  scans: ScanService;
  schedules: ScheduleService;
  apiKeys: ApiKeyService;
  credentials: CredentialService;
  hosts: HostService;
  workers: WorkerService;
}

export function createServices(
  pgPool: pg.Pool,
  defaults: Pick<WorkerConfig, 'defaultScanTimeoutSeconds' | 'maxAttempts'>,
  vault: Vault | null,
  startScanLimiter: RateLimiter | null = null,
): Services {
  return {
    scans: new ScanService(pgPool, defaults, startScanLimiter),
    schedules: new ScheduleService(pgPool),
    apiKeys: new ApiKeyService(pgPool),
    credentials: new CredentialService(pgPool, vault),
    hosts: new HostService(pgPool),
    workers: new WorkerService(pgPool),
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../auth/authenticator';
import type { EventHub } from '../events/hub';
import type { ApiKeyService } from '../services/api-key.service';
import type { CredentialService } from '../services/credential.service';
import type { HostService } from '../services/host.service';
import type { ScanService } from '../services/scan.service';
import type { ScheduleService } from '../services/schedule.service';
import type { WorkerService } from '../services/worker.service';
import type { Loaders } from './loaders';

/** What every resolver gets: one EntityManager fork and one set of loaders per operation. */
export interface AppContext {
  principal: Principal;
  em: EntityManager;
  loaders: Loaders;
  scans: ScanService;
  schedules: ScheduleService;
  apiKeys: ApiKeyService;
  credentials: CredentialService;
  hosts: HostService;
  workers: WorkerService;
  hub: EventHub;
  /** WebSocket operations only: drops the connection of a subscriber that stopped reading. */
  dropConnection?: () => void;
}

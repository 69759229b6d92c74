import type { EntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../auth/authenticator';
import type { EventHub } from '../events/hub';
import type { ScanService } from '../services/scan.service';
import type { Loaders } from './loaders';

/** What every resolver gets: one EntityManager fork and one set of loaders per operation. */
export interface AppContext {
  principal: Principal;
  em: EntityManager;
  loaders: Loaders;
  scans: ScanService;
  hub: EventHub;
}

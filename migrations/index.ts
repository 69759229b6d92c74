import type { MigrationObject } from '@mikro-orm/core';

import { Migration20261122093941 } from './Migration20261122093941';
import { Migration20261122094500 } from './Migration20261122094500';
import { Migration20261122101958 } from './Migration20261122101958';
import { Migration20261122110000 } from './Migration20261122110000';
import { Migration20261122113500 } from './Migration20261122113500';
import { Migration20261122130000 } from './Migration20261122130000';
import { Migration20261122150000 } from './Migration20261122150000';
import { Migration20261122160000 } from './Migration20261122160000';
import { Migration20261130120000 } from './Migration20261130120000';
import { Migration20261201090000 } from './Migration20261201090000';
import { Migration20261201100000 } from './Migration20261201100000';
import { Migration20261202090000 } from './Migration20261202090000';
import { Migration20261202100000 } from './Migration20261202100000';

/**
 * Every migration in order. Listed statically so the same list serves ts-jest
 * and the compiled service. `npm run migration:create` prints the line to add.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122093941', class: Migration20261122093941 },
  { name: 'Migration20261122094500', class: Migration20261122094500 },
  { name: 'Migration20261122101958', class: Migration20261122101958 },
  { name: 'Migration20261122110000', class: Migration20261122110000 },
  { name: 'Migration20261122113500', class: Migration20261122113500 },
  { name: 'Migration20261122130000', class: Migration20261122130000 },
  { name: 'Migration20261122150000', class: Migration20261122150000 },
  { name: 'Migration20261122160000', class: Migration20261122160000 },
  { name: 'Migration20261130120000', class: Migration20261130120000 },
  { name: 'Migration20261201090000', class: Migration20261201090000 },
  { name: 'Migration20261201100000', class: Migration20261201100000 },
  { name: 'Migration20261202090000', class: Migration20261202090000 },
  { name: 'Migration20261202100000', class: Migration20261202100000 },
];

import { Entity, OneToOne, Property } from '@mikro-orm/core';

import type { ScanChanges } from '../../domain/changes';
import type { ScanResultData } from '../../domain/result';
import { ScanEntity } from './scan.entity';

/**
 * The probes' typed output. Stored as one JSONB document (probes merge their
 * part into it) and served field by field through typed GraphQL objects.
 */
@Entity({ tableName: 'scan_results' })
export class ScanResultEntity {
  @OneToOne(() => ScanEntity, {
    primary: true,
    fieldName: 'scan_id',
    deleteRule: 'cascade',
    owner: true,
  })
  scan!: ScanEntity;

  @Property({ type: 'json' })
  data: ScanResultData = {};

  /**
   * What changed since the previous finished scan of the same host and type,
   * written once by the worker with the terminal state (src/queue/changes.ts).
   * Lazy: only `Scan.changes` reads it.
   */
  @Property({ type: 'json', nullable: true, lazy: true })
  changes: ScanChanges | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

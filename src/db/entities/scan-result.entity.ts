import { Entity, OneToOne, Property } from '@mikro-orm/core';

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

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}

import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';

import { HostEntity, ScanAttemptEntity, ScanResultEntity, ScanStepEntity } from '../db/entities';
import type { ScanChanges } from '../domain/changes';
import type { ScanResultData } from '../domain/result';

/**
 * Per-operation batch loaders: a page of 50 scans asking for host, steps and
 * result costs one query each, not one per scan.
 */
export interface Loaders {
  hostById: DataLoader<string, HostEntity | null>;
  stepsByScanId: DataLoader<string, ScanStepEntity[]>;
  resultByScanId: DataLoader<string, ScanResultData | null>;
  changesByScanId: DataLoader<string, ScanChanges | null>;
  attemptsByScanId: DataLoader<string, ScanAttemptEntity[]>;
  /** Forget cached rows (between events of one subscription). */
  clearAll(): void;
}

export function createLoaders(em: EntityManager): Loaders {
  const hostById = new DataLoader<string, HostEntity | null>(async (ids) => {
    const hosts = await em.find(HostEntity, { id: { $in: [...ids] } });
    const byId = new Map(hosts.map((h) => [h.id, h]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  const stepsByScanId = new DataLoader<string, ScanStepEntity[]>(async (ids) => {
    const steps = await em.find(
      ScanStepEntity,
      { scan: { $in: [...ids] } },
      { orderBy: { scan: 'asc', position: 'asc' }, refresh: true },
    );
    const byScan = new Map<string, ScanStepEntity[]>();
    for (const s of steps) {
      const list = byScan.get(s.scan.id) ?? [];
      list.push(s);
      byScan.set(s.scan.id, list);
    }
    return ids.map((id) => byScan.get(id) ?? []);
  });
  const resultByScanId = new DataLoader<string, ScanResultData | null>(async (ids) => {
    const results = await em.find(ScanResultEntity, { scan: { $in: [...ids] } }, { refresh: true });
    const byScan = new Map(results.map((r) => [r.scan.id, r.data]));
    return ids.map((id) => byScan.get(id) ?? null);
  });
  // `changes` is lazy on the entity: only this loader reads it.
  const changesByScanId = new DataLoader<string, ScanChanges | null>(async (ids) => {
    const results = await em.find(
      ScanResultEntity,
      { scan: { $in: [...ids] } },
      { populate: ['changes'], refresh: true },
    );
    const byScan = new Map(results.map((r) => [r.scan.id, r.changes]));
    return ids.map((id) => byScan.get(id) ?? null);
  });
  const attemptsByScanId = new DataLoader<string, ScanAttemptEntity[]>(async (ids) => {
    const rows = await em.find(
      ScanAttemptEntity,
      { scan: { $in: [...ids] } },
      { orderBy: { scan: 'asc', attempt: 'asc' }, refresh: true },
    );
    const byScan = new Map<string, ScanAttemptEntity[]>();
    for (const r of rows) byScan.set(r.scan.id, [...(byScan.get(r.scan.id) ?? []), r]);
    return ids.map((id) => byScan.get(id) ?? []);
  });
  return {
    hostById,
    stepsByScanId,
    resultByScanId,
    changesByScanId,
    attemptsByScanId,
    clearAll() {
      attemptsByScanId.clearAll();
      hostById.clearAll();
      stepsByScanId.clearAll();
      resultByScanId.clearAll();
      changesByScanId.clearAll();
      em.clear();
    },
  };
}

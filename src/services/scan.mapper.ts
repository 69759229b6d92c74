import type { ScanEntity } from '../db/entities';
import type { ScanRow } from '../queue/rows';
import type { ScanRecord } from './scan.types';

/** Scans reach resolvers from two stores (ORM reads, queue SQL); both map to one shape. */
export function scanFromRow(r: ScanRow): ScanRecord {
  return {
    id: r.id,
    hostId: r.host_id,
    type: r.type,
    status: r.status,
    transport: r.transport,
    progress: r.progress,
    currentStep: r.current_step,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    timeoutSeconds: r.timeout_seconds,
    pool: r.pool,
    refreshMetadata: r.refresh_metadata,
    requestedBy: r.requested_by,
    workerId: r.worker_id,
    username: r.username,
    lastSeq: r.last_seq,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    cancelRequestedAt: r.cancel_requested_at,
    changeCount: r.change_count,
  };
}

export function scanFromEntity(e: ScanEntity): ScanRecord {
  return {
    id: e.id,
    hostId: e.host.id,
    type: e.type,
    status: e.status,
    transport: e.transport,
    progress: e.progress,
    currentStep: e.currentStep,
    attempt: e.attempt,
    maxAttempts: e.maxAttempts,
    priority: e.priority,
    timeoutSeconds: e.timeoutSeconds,
    pool: e.pool,
    refreshMetadata: e.refreshMetadata,
    requestedBy: e.requestedBy,
    workerId: e.workerId,
    username: e.username,
    lastSeq: e.lastSeq,
    errorCode: e.errorCode,
    errorMessage: e.errorMessage,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    completedAt: e.completedAt,
    cancelRequestedAt: e.cancelRequestedAt,
    changeCount: e.changeCount,
  };
}

import type { ScanStatus, ScanType, Transport } from '../domain/states';

/** A scans row as the queue statements return it (snake_case from pg). */
export interface ScanRow {
  id: string;
  host_id: string;
  type: ScanType;
  status: ScanStatus;
  transport: Transport;
  username: string | null;
  credential_id: string | null;
  priority: number;
  timeout_seconds: number;
  attempt: number;
  max_attempts: number;
  worker_id: string | null;
  lease_expires_at: Date | null;
  progress: number;
  current_step: string | null;
  last_seq: number;
  error_code: string | null;
  error_message: string | null;
  cancel_requested_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  requested_by: string;
  pool: string;
  refresh_metadata: boolean;
  /** Changes since the previous finished scan of the host and type; null when none was compared. */
  change_count: number | null;
}

export interface ScanEventRow {
  scan_id: string;
  seq: number;
  status: ScanStatus;
  step: string | null;
  progress: number;
  message: string | null;
  at: Date;
}

export interface HostRow {
  id: string;
  hostname: string;
  port: number;
  host_key_fingerprint: string | null;
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Client } from 'graphql-ws';

import { createTestDatabase, type TestDatabase } from './db';
import { collect, gqlOk, wsClient } from './graphql';
import { type RunningService, startService } from './service';
import { startSshd, type TestSshd } from './sshd';
import { ensureUser } from './users';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/** Login users whose PATH puts a fake `df` first: one fails, one hangs. */
export const BROKEN_USER = 'hostscan-broken';
export const SLOW_USER = 'hostscan-slow';

export interface ProgressEvent {
  seq: number;
  status: string;
  progress: number;
  step: string | null;
}

export const PROGRESS = `subscription Progress($id: ID!, $afterSeq: Int) {
  scanProgress(id: $id, afterSeq: $afterSeq) { seq status progress step }
}`;

const START = `mutation Start($input: StartScanInput!) { startScan(input: $input) { scan { id status } } }`;

/**
 * A database, a real sshd with three kinds of login (normal, broken df, hanging
 * df), and the compiled service (API + worker) using the sshd's client key.
 */
export interface Stack {
  db: TestDatabase;
  sshd: TestSshd;
  service: RunningService;
  ws: Client;
  /** The environment the service runs with, for starting more processes like it. */
  env: Record<string, string>;
  /** False when the special users could not be created (not root, not CI). */
  haveSpecialUsers: boolean;
  startScan(input: Record<string, unknown>): Promise<string>;
  follow(id: string, timeoutMs?: number): Promise<ProgressEvent[]>;
  sshTarget(extra?: Record<string, unknown>): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** sshd LogLevel; DEBUG1 logs every userauth request (to prove there was none). */
  sshdLogLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1';
  /** More sshd_config lines (Match blocks), after the stack's own. */
  extraSshdConfig?: string[];
}

export async function startStack(
  env: Record<string, string> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hostscan-stack-'));
  chmodSync(tmp, 0o755);
  const db = await createTestDatabase();
  const haveSpecialUsers = (await ensureUser(BROKEN_USER)) && (await ensureUser(SLOW_USER));
  const brokenBin = path.join(tmp, 'brokenbin');
  const slowBin = path.join(tmp, 'slowbin');
  mkdirSync(brokenBin);
  mkdirSync(slowBin);
  writeFileSync(
    path.join(brokenBin, 'df'),
    '#!/bin/sh\necho "df: simulated failure" >&2\nexit 1\n',
    {
      mode: 0o755,
    },
  );
  writeFileSync(path.join(slowBin, 'df'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
  const sshd = await startSshd({
    logLevel: options.sshdLogLevel,
    extraConfig: [
      `Match User ${BROKEN_USER}`,
      `  SetEnv PATH=${brokenBin}:/usr/bin:/bin`,
      `Match User ${SLOW_USER}`,
      `  SetEnv PATH=${slowBin}:/usr/bin:/bin`,
      ...(options.extraSshdConfig ?? []),
    ],
  });
  const keyPath = path.join(tmp, 'id_ed25519');
  writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
  const serviceEnv: Record<string, string> = {
    DATABASE_URL: db.url,
    ADMIN_TOKEN,
    SSH_PRIVATE_KEY_PATH: keyPath,
    DATA_DIR: path.join(tmp, 'data'),
    WORKER_CONCURRENCY: '4',
    ...env,
  };
  const service = await startService({ env: serviceEnv });
  const ws = wsClient(service.wsUrl, ADMIN_TOKEN);
  return {
    db,
    sshd,
    service,
    ws,
    env: serviceEnv,
    haveSpecialUsers,
    async startScan(input) {
      const data = await gqlOk<{ startScan: { scan: { id: string; status: string } } }>(
        service.httpUrl,
        ADMIN_TOKEN,
        START,
        { input },
      );
      return data.startScan.scan.id;
    },
    async follow(id, timeoutMs = 60_000) {
      const events = await collect<{ scanProgress: ProgressEvent }>(
        ws,
        PROGRESS,
        { id },
        timeoutMs,
      );
      return events.map((e) => e.scanProgress);
    },
    sshTarget(extra = {}) {
      return { hostname: '127.0.0.1', port: sshd.port, username: sshd.username, ...extra };
    },
    async stop() {
      await ws.dispose();
      await service.stop();
      await sshd.stop();
      await db.drop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the database for the whole run: the server DATABASE_URL names, or an
 * embedded PostgreSQL in a temp dir. Builds one migrated template database;
 * each test file clones it (CREATE DATABASE ... TEMPLATE), which is fast and
 * keeps files isolated (graphile-worker's test helpers do the same).
 */
import 'reflect-metadata';

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { startEmbeddedDatabase } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';
import { PROJECT_ROOT } from '../../src/util/paths';

declare global {
  var __HOSTSCAN_TEST_DB__: { stop(): Promise<void> } | undefined;
  var __HOSTSCAN_TEST_TEMPLATE__: { adminUrl: string; name: string } | undefined;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function globalSetup(): Promise<void> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hostscan-testdb-'));
    chmodSync(dir, 0o755);
    const db = await startEmbeddedDatabase(dir, log);
    globalThis.__HOSTSCAN_TEST_DB__ = db;
    adminUrl = db.url;
    process.stdout.write(`\n[tests] embedded PostgreSQL at ${new URL(adminUrl).host}\n`);
  } else {
    process.stdout.write(`\n[tests] PostgreSQL from DATABASE_URL at ${new URL(adminUrl).host}\n`);
  }
  const name = `hostscan_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  // In a child process: MikroORM keeps entity metadata in a global, and when
  // jest runs the tests in this process (--runInBand, or a single test file)
  // an ORM opened here left Maps from this realm for a test's ORM to trip on
  // ("Map.prototype.set called on incompatible receiver").
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/bin/migrate.ts'], {
    cwd: PROJECT_ROOT,
    // Only what migrate needs: a stray variable in the developer's shell
    // (a short ADMIN_TOKEN, say) must not fail the run's set-up.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  globalThis.__HOSTSCAN_TEST_TEMPLATE__ = { adminUrl, name };
  process.env.HOSTSCAN_TEST_ADMIN_URL = adminUrl;
  process.env.HOSTSCAN_TEST_TEMPLATE = name;

  // End-to-end tests run the compiled service exactly as `npm start` does.
  if (process.env.HOSTSCAN_SKIP_BUILD !== '1') {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    });
    // The browser apps (web/ → dist/web/), skipped when their inputs are unchanged.
    execFileSync(process.execPath, ['dist/scripts/build-web.js'], {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      timeout: 10 * 60_000,
    });
  }
}

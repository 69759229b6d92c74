/** `npm run migrate`: applies pending migrations and exits. */
import 'reflect-metadata';

import { openDatabase } from '../app';
import { loadConfig } from '../config';
import { migrate, openOrm } from '../db/orm';
import { createLogger } from '../logger';
import { runCommand } from './run-command';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const { url, embedded } = await openDatabase(config, log);
  try {
    const orm = await openOrm({ url, log });
    try {
      const applied = await migrate(orm, url, log);
      log.info(
        { migrations: applied },
        applied.length ? 'applied migrations' : 'schema is up to date',
      );
    } finally {
      await orm.close();
    }
  } finally {
    await embedded?.stop();
  }
}

runCommand(main, { failure: 'migration failed', stack: true });

/** `npm run migrate`: applies pending migrations and exits. */
import 'reflect-metadata';

import { openDatabase } from './app';
import { ConfigError, loadConfig } from './config';
import { migrate, openOrm } from './db/orm';
import { createLogger } from './logger';

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

main().catch((e: unknown) => {
  process.stderr.write(
    e instanceof ConfigError
      ? `${e.message}\n`
      : `migration failed: ${String((e as Error).stack ?? e)}\n`,
  );
  process.exitCode = e instanceof ConfigError ? 2 : 1;
});

/**
 * `npm run rotate-secret-key`: re-encrypts every stored credential from the
 * current master key (SECRET_KEY, or the generated `<DATA_DIR>/secret-key`)
 * to NEW_SECRET_KEY (or a freshly generated key), in one transaction. On the
 * embedded default the new key replaces `<DATA_DIR>/secret-key`. Stop every
 * worker and API process first; start them again with the new key.
 */
import 'reflect-metadata';

import { promises as fs } from 'node:fs';
import path from 'node:path';

import { openDatabase } from '../app';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { rotateCredentials } from '../secrets/rotate';
import { generateMasterKey, parseMasterKey, Vault } from '../secrets/vault';
import { runCommand } from './run-command';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const keyFile = path.join(config.dataDir, 'secret-key');
  const oldKey =
    config.secretKey ??
    (config.databaseUrl
      ? null
      : (await fs.readFile(keyFile, 'utf8').catch(() => '')).trim() || null);
  if (!oldKey)
    throw new ConfigError(['SECRET_KEY is not set and there is no generated key to rotate']);
  const newKey = process.env.NEW_SECRET_KEY?.trim() || generateMasterKey();
  const { url, embedded } = await openDatabase(config, log);
  try {
    const staged = `${keyFile}.new`;
    const count = await rotateCredentials(
      url,
      new Vault(parseMasterKey(oldKey)),
      new Vault(parseMasterKey(newKey)),
      async () => {
        // Before COMMIT: once the rows are sealed with the new key, it must
        // already be on disk (embedded) or in the operator's hands.
        if (!config.secretKey) await fs.writeFile(staged, `${newKey}\n`, { mode: 0o600 });
        else if (!process.env.NEW_SECRET_KEY)
          process.stdout.write(`New SECRET_KEY (shown once):\n  ${newKey}\n`);
      },
    );
    if (!config.secretKey) {
      await fs.rename(staged, keyFile);
      log.info({ credentials: count, file: keyFile }, 'rotated the master key');
    } else {
      log.info(
        { credentials: count },
        'rotated the master key; set SECRET_KEY to the new key everywhere',
      );
    }
  } finally {
    await embedded?.stop();
  }
}

runCommand(main, { failure: 'rotation failed' });

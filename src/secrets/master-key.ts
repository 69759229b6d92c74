import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { Logger } from '../logger';
import { generateMasterKey, parseMasterKey } from './vault';

/**
 * The master key for stored credentials: SECRET_KEY when set; on the
 * embedded default (no DATABASE_URL) a key generated once into
 * `<dataDir>/secret-key` (mode 0600); otherwise null, and credentials cannot
 * be stored or used.
 */
export async function loadMasterKey(
  secretKey: string | null,
  embedded: boolean,
  dataDir: string,
  log: Logger,
): Promise<string | null> {
  if (secretKey) return secretKey;
  if (!embedded) return null;
  const file = path.join(dataDir, 'secret-key');
  const read = async (): Promise<string> => {
    const key = (await fs.readFile(file, 'utf8')).trim();
    parseMasterKey(key);
    return key;
  };
  try {
    return await read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot use the master key in ${file}`, { cause: e });
    }
  }
  // wx: two processes racing must not overwrite each other's key.
  await fs.writeFile(file, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' }).then(
    () => log.info({ file }, 'generated the master key for stored credentials'),
    (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    },
  );
  return read();
}

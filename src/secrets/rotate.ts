import pg from 'pg';

import { credentialAad, type Vault } from './vault';

/**
 * Re-seals every credential with `next`, in one transaction: either all rows
 * move to the new key or none do. A row that does not open with `current`
 * aborts the rotation (wrong key given).
 */
export async function rotateCredentials(
  url: string,
  current: Vault,
  next: Vault,
  /** Runs after every row is re-sealed and before COMMIT: keep the new key safe here. */
  beforeCommit: () => Promise<void> = async () => undefined,
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    const rows = await client.query<{ id: string; secret: Buffer }>(
      `select id, secret from credentials for update`,
    );
    for (const row of rows.rows) {
      const plain = current.decrypt(row.secret, credentialAad(row.id));
      await client.query(`update credentials set secret = $2 where id = $1`, [
        row.id,
        next.encrypt(plain, credentialAad(row.id)),
      ]);
      plain.fill(0);
    }
    // The new key must exist somewhere before the rows depend on it.
    await beforeCommit();
    await client.query('commit');
    return rows.rowCount ?? 0;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw new Error('rotation rolled back', { cause: e });
  } finally {
    await client.end();
  }
}

import { openCredential } from '../../src/secrets/credentials';
import { rotateCredentials } from '../../src/secrets/rotate';
import { generateMasterKey, parseMasterKey, Vault } from '../../src/secrets/vault';
import { CredentialService } from '../../src/services/credential.service';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
const oldVault = new Vault(parseMasterKey(generateMasterKey()));
const newVault = new Vault(parseMasterKey(generateMasterKey()));

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

it('re-encrypts every credential to the new key, and the old key no longer opens them', async () => {
  const service = new CredentialService(db.pool, oldVault);
  const a = await service.create({ name: 'a', username: 'u', password: 'canary-password-a' });
  const b = await service.create({ name: 'b', username: 'u', password: 'canary-password-b' });
  const before = (await db.pool.query(`select secret from credentials order by name`)).rows;
  expect(await rotateCredentials(db.url, oldVault, newVault)).toBe(2);
  const after = (await db.pool.query(`select secret from credentials order by name`)).rows;
  expect(after[0].secret.equals(before[0].secret)).toBe(false);
  expect((await openCredential(db.pool, newVault, a.id))!.secret.password).toBe(
    'canary-password-a',
  );
  expect((await openCredential(db.pool, newVault, b.id))!.secret.password).toBe(
    'canary-password-b',
  );
  await expect(openCredential(db.pool, oldVault, a.id)).rejects.toThrow();
});

it('changes nothing when the given current key is wrong', async () => {
  const before = (await db.pool.query(`select secret from credentials order by name`)).rows;
  await expect(rotateCredentials(db.url, oldVault, newVault)).rejects.toThrow(/rolled back/);
  const after = (await db.pool.query(`select secret from credentials order by name`)).rows;
  expect(after.map((r) => r.secret.toString('hex'))).toEqual(
    before.map((r) => r.secret.toString('hex')),
  );
});

it('keeps passwords out of the stored bytes', async () => {
  const raw = (await db.pool.query<{ t: string }>(`select t::text from credentials t`)).rows
    .map((r) => r.t)
    .join();
  expect(raw).not.toContain('canary-password');
  expect(raw).not.toContain(Buffer.from('canary-password').toString('hex'));
});

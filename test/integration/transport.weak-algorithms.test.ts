/**
 * A server that offers only weak algorithms (SHA-1 key exchange, CBC ciphers,
 * SHA-1 MACs, ssh-rsa with SHA-1) must be refused during the handshake with a
 * typed error, before any authentication.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { Server } from 'ssh2';

import { ScanError, ScanErrorCode } from '../../src/domain/errors';
import { connectSsh } from '../../src/transport';
import { generateSshKeyPair } from '../support/keys';

type WeakSet = ConstructorParameters<typeof Server>[0]['algorithms'];

async function serverOffering(algorithms: WeakSet, keyType: 'rsa' | 'ed25519' = 'rsa') {
  const hostKey = generateSshKeyPair(keyType);
  let authAttempts = 0;
  const server = new Server({ hostKeys: [hostKey.private], algorithms }, (client) => {
    client.on('authentication', (ctx) => {
      authAttempts++;
      ctx.reject();
    });
    client.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    authAttempts: () => authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const clientKey = generateSshKeyPair('ed25519').private;

const WEAK: Array<[string, WeakSet]> = [
  [
    'SHA-1 key exchange only',
    { kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'] },
  ],
  ['CBC ciphers only', { cipher: ['aes128-cbc', 'aes256-cbc', '3des-cbc'] }],
  ['SHA-1 MACs only', { hmac: ['hmac-sha1'], cipher: ['aes128-ctr'] }],
  ['ssh-rsa (SHA-1) host key signatures only', { serverHostKey: ['ssh-rsa'] }],
];

describe.each(WEAK)('a server offering %s', (_name, algorithms) => {
  it('is refused during the handshake with a typed error and no auth attempt', async () => {
    const server = await serverOffering(algorithms);
    try {
      const started = Date.now();
      const err = await connectSsh({
        host: '127.0.0.1',
        port: server.port,
        username: 'x',
        privateKey: clientKey,
        hostKeyPolicy: 'tofu',
        readyTimeoutMs: 5_000,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ScanError);
      expect(Object.values(ScanErrorCode)).toContain((err as ScanError).code);
      expect((err as ScanError).code).not.toBe(ScanErrorCode.AUTH_FAILED);
      expect((err as ScanError).retryable).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(server.authAttempts()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

it('connects to the same kind of server offering modern algorithms (control)', async () => {
  const server = await serverOffering(undefined, 'ed25519');
  try {
    const err = await connectSsh({
      host: '127.0.0.1',
      port: server.port,
      username: 'x',
      privateKey: clientKey,
      hostKeyPolicy: 'tofu',
      readyTimeoutMs: 5_000,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    // The server rejects every login: getting as far as AUTH_FAILED proves the handshake passed.
    expect((err as ScanError).code).toBe(ScanErrorCode.AUTH_FAILED);
    expect(server.authAttempts()).toBeGreaterThan(0);
  } finally {
    await server.close();
  }
});

import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

import { HostEntity } from '../db/entities';
import type { HostRow } from '../queue/rows';
import { normaliseFingerprint } from '../transport';
import { badInput } from './errors';
import { validateHostname, validatePort } from './validate';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export class HostService {
  constructor(private readonly pgPool: pg.Pool) {}

  /** The host stored under this name and port (22 when unset), or null. */
  async find(
    em: EntityManager,
    hostname: string,
    port: number | null | undefined,
  ): Promise<HostEntity | null> {
    return em.findOne(HostEntity, {
      hostname: validateHostname(hostname, 'hostname'),
      port: validatePort(port, 'port'),
    });
  }

  /**
   * Pins a fingerprint (see trustHostKey) and reads the host back through
   * `em`, refreshed, so the answer shows the new pin.
   */
  async trust(
    em: EntityManager,
    hostname: string,
    port: number | null | undefined,
    fingerprint: string,
  ): Promise<HostEntity | null> {
    const row = await this.trustHostKey(hostname, port, fingerprint);
    return em.findOne(HostEntity, { id: row.id }, { refresh: true });
  }

  /** Pins (or replaces) a host's key fingerprint; the next scan must present that key. */
  async trustHostKey(
    hostname: string,
    port: number | null | undefined,
    fingerprint: string,
  ): Promise<HostRow> {
    const name = validateHostname(hostname, 'hostname');
    const p = validatePort(port, 'port');
    const fp = normaliseFingerprint(fingerprint);
    if (!FINGERPRINT.test(fp))
      throw badInput(
        'fingerprint',
        'must be an OpenSSH SHA-256 fingerprint (`ssh-keygen -lf`): SHA256: and 43 base64 characters',
      );
    const res = await this.pgPool.query<HostRow>(
      `insert into hosts (id, hostname, port, host_key_fingerprint, host_key_pinned_at)
       values (gen_random_uuid(), $1, $2, $3, now())
       on conflict (hostname, port) do update set host_key_fingerprint = excluded.host_key_fingerprint,
         host_key_pinned_at = now()
       returning id, hostname, port, host_key_fingerprint`,
      [name, p, fp],
    );
    return res.rows[0]!;
  }
}

import type pg from 'pg';

import { badInput } from '../graphql/common/errors';
import type { HostRow } from '../queue/rows';
import { normaliseFingerprint } from '../transport';
import { validateHostname, validatePort } from './validate';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export class HostService {
  constructor(private readonly pool: pg.Pool) {}

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
    const res = await this.pool.query<HostRow>(
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

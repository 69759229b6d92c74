import { ConfigError, loadConfig } from '../../src/config';
import { validateHostname, validatePort, validateUsername } from '../../src/services/validate';

describe('loadConfig', () => {
  it('uses documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeNull();
    expect(c.port).toBe(4000);
    expect(c.worker.concurrency).toBe(64);
    expect(c.worker.leaseMs).toBe(10_000);
    expect(c.worker.heartbeatMs).toBe(3_000);
    expect(c.worker.hostKeyPolicy).toBe('tofu');
    expect(c.worker.workerId).toMatch(/:\d+$/);
    expect(c.worker.pools).toEqual(['default']);
  });

  it('reads WORKER_POOLS as a list and refuses bad names', () => {
    expect(loadConfig({ WORKER_POOLS: 'dmz, lab-2,dmz' }).worker.pools).toEqual(['dmz', 'lab-2']);
    expect(() => loadConfig({ WORKER_POOLS: 'dmz,Lab 2' })).toThrow(/WORKER_POOLS .*"Lab 2"/);
    expect(() => loadConfig({ WORKER_POOLS: ' , ' })).toThrow(/WORKER_POOLS/);
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        WORKER_CONCURRENCY: '0',
        DATABASE_URL: 'mysql://x',
        HOST_KEY_POLICY: 'yolo',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT must be an integer/);
    expect(problems).toMatch(/WORKER_CONCURRENCY must be an integer from 1/);
    expect(problems).toMatch(/DATABASE_URL must start with postgres/);
    expect(problems).toMatch(/HOST_KEY_POLICY must be one of tofu, strict/);
    expect((err as ConfigError).problems).toHaveLength(4);
  });

  it('refuses a heartbeat too slow for its lease', () => {
    expect(() => loadConfig({ LEASE_MS: '4000', HEARTBEAT_MS: '3000' })).toThrow(/HEARTBEAT_MS/);
  });

  it('refuses a short ADMIN_TOKEN', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN must be at least 16/);
  });
});

describe('target validation', () => {
  it('accepts names, IPv4 and IPv6, lower-casing names', () => {
    expect(validateHostname('Web-01.Example.COM')).toBe('web-01.example.com');
    expect(validateHostname('10.0.0.1')).toBe('10.0.0.1');
    expect(validateHostname('::1')).toBe('::1');
    expect(validateHostname('fe80::1')).toBe('fe80::1');
    // Underscores: /etc/hosts, internal DNS zones and OpenSSH accept them.
    expect(validateHostname('DB_1.corp')).toBe('db_1.corp');
  });

  it('refuses what is not a host, naming the field', () => {
    for (const bad of [
      '999.999.999.999',
      'a b',
      '-lead',
      'trail-',
      'x;id',
      '',
      'a'.repeat(64),
      '1.2.3',
    ]) {
      expect(() => validateHostname(bad)).toThrow(/target\.hostname/);
    }
  });

  it('checks ports and POSIX user names', () => {
    expect(validatePort(undefined)).toBe(22);
    expect(() => validatePort(0)).toThrow(/target\.port/);
    expect(() => validatePort(65536)).toThrow(/target\.port/);
    expect(validateUsername('deploy_user.1')).toBe('deploy_user.1');
    // Directory logins (SSSD/AD), Samba machine accounts, names longer than useradd's 32.
    expect(validateUsername('jane.doe@corp.example.com')).toBe('jane.doe@corp.example.com');
    expect(validateUsername('WS01$')).toBe('WS01$');
    expect(validateUsername('x'.repeat(33))).toBe('x'.repeat(33));
    for (const bad of ['-oProxyCommand=x', 'a b', 'root;id', 'a$b', 'x'.repeat(257)]) {
      expect(() => validateUsername(bad)).toThrow(/target\.username/);
    }
  });
});

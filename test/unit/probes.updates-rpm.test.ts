import { ScanErrorCode } from '../../src/domain/errors';
import type { ScanResultData, UpdateItem } from '../../src/domain/result';
import { updatesProbe } from '../../src/probes/updates';
import { expectScanError, fixture } from './probes.helpers';

const updates = (system: string): Partial<ScanResultData> =>
  updatesProbe().parse(fixture(system, 'updates'));

/** The three packages of test/fixtures/setup-rpm-repo.sh, as their updates should read. */
const RPM_UPDATES = (severity: string): UpdateItem[] => [
  {
    name: 'hs-fix',
    currentVersion: '2:3.0-1.el9',
    availableVersion: '2:3.0-2.el9',
    arch: 'noarch',
    source: 'hs-updates',
    security: false,
    severity: null,
    advisoryIds: ['HSBA-2026:0002'],
  },
  {
    name: 'hs-plain',
    currentVersion: '1.0-1',
    availableVersion: '1.1-1',
    arch: 'noarch',
    source: 'hs-updates',
    security: false,
    severity: null,
    advisoryIds: [],
  },
  {
    name: 'hs-sec',
    currentVersion: '1.0-1',
    availableVersion: '1.0-2',
    arch: 'x86_64',
    source: 'hs-updates',
    security: true,
    severity,
    advisoryIds: ['HSSA-2026:0001'],
  },
];

/** A fixture's output with one query's exit status changed, as if that query had failed. */
function withStatus(system: string, after: string, status: number): Partial<ScanResultData> {
  const out = fixture(system, 'updates');
  const lines = out.stdout.split('\n');
  const i = lines.indexOf(`@@${after}`);
  const s = lines.findIndex((l, j) => j > i && l.startsWith('@@status '));
  lines[s] = `@@status ${status}`;
  return updatesProbe().parse({ ...out, stdout: lines.join('\n') });
}

describe('updates probe on dnf (dnf 4.14, rpm 4.18, Debian 12 builds)', () => {
  it('lists the local repository’s three updates, security and severity from updateinfo', () => {
    const r = updates('dnf-4.14-debian-12-updates');
    expect(r.updates).toEqual(RPM_UPDATES('Important'));
    // @@now 1796051010, repomd.xml 1796051009.
    expect(r.packageListsAge).toBe(1);
  });

  it('fails the step when check-update fails (exit 1), not when it finds updates (100)', () => {
    expectScanError(
      () => withStatus('dnf-4.14-debian-12-updates', 'upgrades', 1),
      ScanErrorCode.COMMAND_FAILED,
      /dnf check-update exited 1/,
    );
    expectScanError(
      () => withStatus('dnf-4.14-debian-12-updates', 'advisories', 1),
      ScanErrorCode.COMMAND_FAILED,
      /dnf updateinfo list exited 1/,
    );
  });
});

describe('updates probe on zypper (zypper 1.14, Debian 12 build)', () => {
  it('lists the same three updates, security from the patch category', () => {
    const r = updates('zypper-1.14-debian-12-updates');
    // zypper spells severities in lower case, dnf as updateinfo.xml does.
    expect(r.updates).toEqual(RPM_UPDATES('important'));
    expect(r.packageListsAge).toBe(1796051013 - 1796051008);
  });

  it('fails the step when list-patches fails', () => {
    expectScanError(
      () => withStatus('zypper-1.14-debian-12-updates', 'patches', 6),
      ScanErrorCode.COMMAND_FAILED,
      /zypper list-patches exited 6/,
    );
  });
});

describe('updates probe on pacman (pacman 6.0, Debian 12 build)', () => {
  it('lists both upgrades with the sync repository and arch, never as security', () => {
    const r = updates('pacman-6.0-debian-12-updates');
    expect(r.updates).toEqual([
      {
        name: 'hs-pac',
        currentVersion: '1.0-1',
        availableVersion: '1.1-1',
        arch: 'x86_64',
        source: 'hs-updates',
        security: false,
        severity: null,
        advisoryIds: [],
      },
      {
        name: 'hs-pac-any',
        currentVersion: '1:0.3-2',
        availableVersion: '1:0.3-3',
        arch: 'any',
        source: 'hs-updates',
        security: false,
        severity: null,
        advisoryIds: [],
      },
    ]);
    expect(r.packageListsAge).toBe(1796050840 - 1796050833);
  });

  it('fails the step when pacman -Qu fails otherwise than finding nothing', () => {
    expectScanError(
      () => withStatus('pacman-6.0-debian-12-updates', 'upgrades', 2),
      ScanErrorCode.COMMAND_FAILED,
      /pacman -Qu exited 2/,
    );
  });
});

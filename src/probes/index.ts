import { ScanType } from '../domain/states';
import { diskProbe } from './disk';
import { hostnameProbe } from './hostname';
import { interfacesProbe } from './interfaces';
import { memoryProbe } from './memory';
import { osProbe } from './os';
import { packagesProbe } from './packages';
import type { Probe } from './probe';
import { processesProbe } from './processes';
import { rebootProbe } from './reboot';
import { type UpdatesOptions, updatesProbe } from './updates';
import { uptimeProbe } from './uptime';

export type { CommandOutput, Probe } from './probe';
export {
  diskProbe,
  hostnameProbe,
  interfacesProbe,
  memoryProbe,
  osProbe,
  packagesProbe,
  processesProbe,
  rebootProbe,
  updatesProbe,
  uptimeProbe,
};
export type { UpdatesOptions };

export const QUICK_PROBES: readonly Probe[] = Object.freeze([
  osProbe,
  hostnameProbe,
  uptimeProbe,
  diskProbe,
  memoryProbe,
]);

export const FULL_PROBES: readonly Probe[] = Object.freeze([
  ...QUICK_PROBES,
  packagesProbe,
  processesProbe,
  interfacesProbe,
]);

/** PATCHES: os, then pending updates (read-only by default), then whether a reboot is due. */
export function patchesProbes(options: UpdatesOptions = {}): readonly Probe[] {
  return Object.freeze([osProbe, updatesProbe(options), rebootProbe]);
}

/** The probes a scan of this type runs, in order; `options` reach the updates probe. */
export function probesFor(type: ScanType, options: UpdatesOptions = {}): readonly Probe[] {
  switch (type) {
    case ScanType.FULL:
      return FULL_PROBES;
    case ScanType.PATCHES:
      return patchesProbes(options);
    default:
      return QUICK_PROBES;
  }
}

import type { ScanType } from '../domain/states';
import { diskProbe } from './disk';
import { hostnameProbe } from './hostname';
import { interfacesProbe } from './interfaces';
import { memoryProbe } from './memory';
import { osProbe } from './os';
import { packagesProbe } from './packages';
import type { Probe } from './probe';
import { processesProbe } from './processes';
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
  uptimeProbe,
};

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

/** The probes a scan of this type runs, in order. */
export function probesFor(type: ScanType): readonly Probe[] {
  return type === 'FULL' ? FULL_PROBES : QUICK_PROBES;
}

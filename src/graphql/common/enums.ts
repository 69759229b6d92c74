import { registerEnumType } from 'type-graphql';

import { ScanErrorCode } from '../../domain/errors';
import { Role } from '../../domain/roles';
import {
  CredentialKind,
  ScanStatus,
  ScanType,
  StepStatus,
  Transport,
  WorkerState,
} from '../../domain/states';

registerEnumType(ScanStatus, { name: 'ScanStatus', description: 'Where a scan is in its life.' });
registerEnumType(ScanType, {
  name: 'ScanType',
  description:
    'QUICK: os, hostname, uptime, disk, memory. FULL: QUICK + packages, processes, interfaces. ' +
    'PATCHES: os, updates (pending updates, read-only), reboot (whether a reboot is required).',
});
registerEnumType(Transport, {
  name: 'Transport',
  description: 'SSH to the target, or LOCAL on a worker whose own hostname is the target.',
});
registerEnumType(StepStatus, { name: 'StepStatus' });
registerEnumType(ScanErrorCode, {
  name: 'ScanErrorCode',
  description: 'Why a scan or one of its steps failed.',
});
registerEnumType(Role, {
  name: 'Role',
  description: 'VIEWER reads; OPERATOR also starts and cancels scans; ADMIN manages everything.',
});
registerEnumType(WorkerState, {
  name: 'WorkerState',
  description:
    'ACTIVE: claiming scans. STOPPING: shutting down gracefully, claiming nothing more. ' +
    'LOST: not heard from within its lease (killed, frozen or cut off); listed for a day.',
});
registerEnumType(CredentialKind, { name: 'CredentialKind' });

export const AddressFamily = Object.freeze({ IPV4: 'IPV4', IPV6: 'IPV6' } as const);
export type AddressFamily = (typeof AddressFamily)[keyof typeof AddressFamily];
registerEnumType(AddressFamily, { name: 'AddressFamily' });

export {
  CredentialKind,
  Role,
  ScanErrorCode,
  ScanStatus,
  ScanType,
  StepStatus,
  Transport,
  WorkerState,
};

export { ApiKeyEntity } from './api-key.entity';
export { CredentialEntity } from './credential.entity';
export { HostEntity } from './host.entity';
export { RateLimitEntity } from './rate-limit.entity';
export { ScanEntity } from './scan.entity';
export { ScanAttemptEntity } from './scan-attempt.entity';
export { ScanEventEntity } from './scan-event.entity';
export { ScanResultEntity } from './scan-result.entity';
export { ScanStepEntity } from './scan-step.entity';
export { ScheduleEntity } from './schedule.entity';
export { ScheduleRunEntity } from './schedule-run.entity';
export { WorkerEntity } from './worker.entity';

import { ApiKeyEntity } from './api-key.entity';
import { CredentialEntity } from './credential.entity';
import { HostEntity } from './host.entity';
import { RateLimitEntity } from './rate-limit.entity';
import { ScanEntity } from './scan.entity';
import { ScanAttemptEntity } from './scan-attempt.entity';
import { ScanEventEntity } from './scan-event.entity';
import { ScanResultEntity } from './scan-result.entity';
import { ScanStepEntity } from './scan-step.entity';
import { ScheduleEntity } from './schedule.entity';
import { ScheduleRunEntity } from './schedule-run.entity';
import { WorkerEntity } from './worker.entity';

export const ENTITIES = [
  ApiKeyEntity,
  CredentialEntity,
  HostEntity,
  RateLimitEntity,
  ScanEntity,
  ScanAttemptEntity,
  ScanEventEntity,
  ScanResultEntity,
  ScanStepEntity,
  ScheduleEntity,
  ScheduleRunEntity,
  WorkerEntity,
];

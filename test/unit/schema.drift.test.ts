import 'reflect-metadata';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { printAppSchema } from '../../src/graphql/print-schema';
import { PROJECT_ROOT } from '../../src/util/paths';

it('matches the committed schema.graphql (run `npm run schema:emit` after changing types)', async () => {
  const committed = readFileSync(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8');
  expect(await printAppSchema()).toBe(committed);
});

it('keeps the public contract names', async () => {
  const sdl = await printAppSchema();
  for (const name of [
    'scan(id: ID!): Scan',
    'scanProgress(afterSeq: Int, id: ID!): ScanProgressEvent!',
    'startScan(input: StartScanInput!): StartScanPayload!',
    'startScans(input: StartScansInput!): StartScansPayload!',
    'createSchedule(input: CreateScheduleInput!): Schedule!',
    'deleteSchedule(id: ID!): Schedule!',
    'schedules: [Schedule!]!',
    'lastRunAt: DateTimeISO',
    'nextRunAt: DateTimeISO',
    'cancelScan(id: ID!): Scan!',
    'scanHistory(',
    'scanUpdates(',
    'enum ScanStatus',
    'enum ScanType',
    'enum Transport',
  ]) {
    expect(sdl).toContain(name);
  }
});

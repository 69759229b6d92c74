/** Writes schema.graphql from the code: `npm run schema:emit`. */
import 'reflect-metadata';

import { promises as fs } from 'node:fs';
import path from 'node:path';

import { printAppSchema } from '../src/graphql/print-schema';
import { PROJECT_ROOT } from '../src/util/paths';

async function main(): Promise<void> {
  const file = path.join(PROJECT_ROOT, 'schema.graphql');
  await fs.writeFile(file, await printAppSchema());
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

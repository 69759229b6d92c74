/** Writes docs/configuration.md from the variable table: `npm run docs:config`. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { renderConfigDoc } from '../src/config/doc';
import { PROJECT_ROOT } from '../src/util/paths';

async function main(): Promise<void> {
  const file = path.join(PROJECT_ROOT, 'docs', 'configuration.md');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, renderConfigDoc());
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

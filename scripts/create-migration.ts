/**
 * Generates a migration from the difference between the entities and the
 * snapshot of the schema the committed migrations produce
 * (`migrations/.schema-snapshot.json`, rewritten when they are applied to
 * the scratch database first). Needs a scratch database: DATABASE_URL, or
 * the machine's postgres on 127.0.0.1:5432.
 *
 *   npm run migration:create
 */
import 'reflect-metadata';

import { openOrm } from '../src/db/orm';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const orm = await openOrm({ url, snapshot: true });
  try {
    // Diff against the schema the committed migrations produce.
    await orm.migrator.up();
    const result = await orm.migrator.createMigration(undefined, false, false);
    if (!result.fileName) {
      console.log('No changes: the entities match the snapshot.');
      return;
    }
    console.log(
      `Wrote migrations/${result.fileName}. Add it to MIGRATIONS in migrations/index.ts.`,
    );
    console.log(result.diff.up.join('\n'));
  } finally {
    await orm.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const tpl = globalThis.__HOSTSCAN_TEST_TEMPLATE__;
  if (tpl) {
    const admin = new pg.Client({ connectionString: tpl.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${tpl.name} with (force)`);
    // Per-file databases of this run (a crashed file may have left its own).
    const leftovers = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1`,
      [`${tpl.name.replace('tpl', 'file')}%`],
    );
    for (const row of leftovers.rows)
      await admin.query(`drop database if exists ${row.datname} with (force)`);
    await admin.end();
  }
  await globalThis.__HOSTSCAN_TEST_DB__?.stop();
}

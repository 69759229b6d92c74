import type { MikroORM } from '@mikro-orm/postgresql';
import { graphql, type GraphQLSchema } from 'graphql';

import { openOrm } from '../../src/db/orm';
import { Role } from '../../src/domain/roles';
import { type EventHub } from '../../src/events/hub';
import type { AppContext } from '../../src/graphql/context';
import { createLoaders } from '../../src/graphql/loaders';
import { buildAppSchema } from '../../src/graphql/schema';
import { claimScan } from '../../src/queue/claim';
import { createServices } from '../../src/services';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;
let orm: MikroORM;
let schema: GraphQLSchema;
let statements: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  statements = [];
  orm = await openOrm({ url: db.url, onQuery: (sql) => statements.push(sql) });
  schema = await buildAppSchema();
});

afterAll(async () => {
  await orm.close();
  await db.drop();
});

function context(): AppContext {
  const em = orm.em.fork();
  return {
    principal: { keyId: null, name: 'test', role: Role.ADMIN },
    em,
    loaders: createLoaders(em),
    ...createServices(db.pool, { defaultScanTimeoutSeconds: 60, maxAttempts: 3 }, null),
    hub: undefined as unknown as EventHub,
  };
}

const PAGE = `query Page($first: Int) {
  scans(first: $first) { totalCount edges { node { id host { hostname } steps { name } result { hostname } } } }
}`;

async function countStatements(n: number): Promise<number> {
  await db.pool.query('truncate scans, hosts cascade');
  for (let i = 0; i < n; i++) {
    const scan = await insertScan(db.pool);
    const lease = (await claimScan(db.pool, {
      workerId: 'w',
      hostname: 'irrelevant',
      leaseMs: 60_000,
    }))!;
    expect(lease.id).toBe(scan.id);
    await lease.resetSteps(['os', 'hostname']);
    await lease.finishStep(0, 'os', 50, { part: { hostname: `h${i}` } });
  }
  statements.length = 0;
  const res = await graphql({
    schema,
    source: PAGE,
    variableValues: { first: 50 },
    contextValue: context(),
  });
  expect(res.errors).toBeUndefined();
  const data = res.data as {
    scans: {
      totalCount: number;
      edges: Array<{
        node: { host: { hostname: string }; steps: unknown[]; result: { hostname: string } };
      }>;
    };
  };
  expect(data.scans.totalCount).toBe(n);
  expect(data.scans.edges).toHaveLength(Math.min(n, 50));
  for (const e of data.scans.edges) {
    expect(e.node.host.hostname).toMatch(/\.test$/);
    expect(e.node.steps).toHaveLength(2);
    expect(e.node.result.hostname).toMatch(/^h\d+$/);
  }
  return statements.filter((s) => /\b(select|insert|update|delete)\b/i.test(s)).length;
}

it('loads host, steps and result of a 50-scan page in a constant number of statements', async () => {
  const forFive = await countStatements(5);
  const forFifty = await countStatements(50);
  // count + page + one batch each for hosts, steps and results.
  expect(forFifty).toBe(forFive);
  expect(forFifty).toBeLessThanOrEqual(5);
});

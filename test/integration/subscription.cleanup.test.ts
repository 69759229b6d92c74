/**
 * A subscription must leave the event hub as soon as graphql-ws calls
 * return() on its iterator: before the first event is read (a client that
 * subscribes and unsubscribes at once), and while a read waits for an event
 * that may never come (a client that disconnects from a quiet scan). A
 * subscription left behind would be cut off as "stalled" later, and its
 * onSlow would close the WebSocket the client still uses.
 */
import { EventHub } from '../../src/events/hub';
import type { AppContext } from '../../src/graphql/context';
import { toPayloads } from '../../src/graphql/scan/scan-subscription.resolver';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertScan } from '../support/fixtures';

let db: TestDatabase;
let hub: EventHub;
const ctx = { loaders: { clearAll: () => undefined } } as unknown as AppContext;

beforeAll(async () => {
  db = await createTestDatabase();
  hub = new EventHub({ pgPool: db.pool, connectionString: db.url, log: createLogger('silent') });
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await db.drop();
});

it('leaves the hub when returned before its first read', async () => {
  const scan = await insertScan(db.pool);
  const queue = (await hub.subscribeScan(scan.id, null))!;
  const payloads = toPayloads(queue, ctx);
  expect(hub.subscriberCount).toBe(1);
  await payloads.return!(undefined);
  expect(hub.subscriberCount).toBe(0);
  expect(await payloads.next()).toEqual({ value: undefined, done: true });
});

it('leaves the hub when returned while a read waits for an event', async () => {
  const scan = await insertScan(db.pool);
  // Filtered to a status nothing here reaches: a late NOTIFY of the insert
  // cannot hand `all` an event, so its read really waits.
  const all = toPayloads(await hub.subscribeAll({ statuses: ['CANCELLED'] }), ctx);
  const one = toPayloads((await hub.subscribeScan(scan.id, null))!, ctx);
  expect((await one.next()).value?.message).toBe('current state');
  const waitingOne = one.next();
  const waitingAll = all.next();
  expect(hub.subscriberCount).toBe(2);
  await Promise.all([one.return!(undefined), all.return!(undefined)]);
  expect(hub.subscriberCount).toBe(0);
  // The reads that were waiting end too, instead of hanging until an event.
  expect(await waitingOne).toEqual({ value: undefined, done: true });
  expect(await waitingAll).toEqual({ value: undefined, done: true });
});

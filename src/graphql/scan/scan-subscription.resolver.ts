import { Arg, ID, Int, Resolver, Root, Subscription } from 'type-graphql';

import type { ScanEvent } from '../../events/scan-event';
import type { SubscriptionQueue } from '../../events/subscription-queue';
import { eventDelivered } from '../../metrics/instruments';
import { notFound } from '../../services/errors';
import { scanFromRow } from '../../services/scan.mapper';
import { isUuid, validateIntRange } from '../../services/validate';
import type { AppContext } from '../context';
import { ScanProgressEvent } from './scan-event.type';
import { ScanUpdatesFilter } from './scan-updates-filter.input';

/** Where toPayloads keeps the hub queue it reads, for {@link hubQueueOf}. */
const HUB_QUEUE = Symbol('hub queue');

/**
 * The hub queue behind a scanProgress/scanUpdates source stream (what
 * graphql-js's createSourceEventStream returns for them), or null for any
 * other stream. The API's shared fan-out (src/api/live-subscriptions.ts)
 * reads the queue itself and executes each event once per distinct
 * operation with {@link eventRoot} as the root value, instead of once per
 * subscriber as graphql-js's subscribe() would.
 */
export function hubQueueOf(stream: object): SubscriptionQueue<ScanEvent> | null {
  return (stream as { [HUB_QUEUE]?: SubscriptionQueue<ScanEvent> })[HUB_QUEUE] ?? null;
}

/** The root value an event is executed with (what toPayloads yields for it). */
export function eventRoot(event: ScanEvent): ScanProgressEvent {
  return { ...event, scan: scanFromRow(event.scan) };
}

interface SubscribeData<A> {
  args: A;
  context: AppContext;
}

/**
 * Maps hub events to GraphQL payloads. The operation's loaders are cleared
 * before each event so nested fields (steps, result) are read fresh.
 *
 * Not an async generator: graphql-ws ends a subscription with return(), and
 * a generator's return() waits for a pending next() (an event that may never
 * come) and skips the body's cleanup when it never started. Here return()
 * closes the hub queue at once, which also ends a read that is waiting.
 *
 * With `subscription`, each event's delivery lag is observed
 * (hostscan_event_delivery_lag_seconds). graphql-ws awaits a frame's send
 * before it pulls the next event, so the next pull is when the previous
 * event reached the socket. Events committed before the subscription began
 * (an afterSeq replay) and the "current state" event (no log row) are not
 * lag, and are left out.
 */
export function toPayloads(
  queue: SubscriptionQueue<ScanEvent>,
  ctx: AppContext,
  subscription?: 'scanProgress' | 'scanUpdates',
): AsyncIterableIterator<ScanProgressEvent> {
  const since = Date.now();
  let handedOver: ScanEvent | null = null;
  const iterator: AsyncIterableIterator<ScanProgressEvent> & {
    [HUB_QUEUE]: SubscriptionQueue<ScanEvent>;
  } = {
    [HUB_QUEUE]: queue,
    async next() {
      if (handedOver && subscription) eventDelivered(subscription, handedOver.at);
      handedOver = null;
      const r = await queue.next();
      if (r.done) return { value: undefined, done: true };
      if (r.value.position && r.value.at.getTime() >= since) handedOver = r.value;
      ctx.loaders.clearAll();
      return { value: eventRoot(r.value), done: false };
    },
    async return() {
      await queue.return();
      return { value: undefined, done: true };
    },
    async throw(e: unknown) {
      await queue.return();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * A subscriber cut off for not reading: its socket is not draining, so an
 * error message would queue behind the rest and graphql-ws is stuck awaiting
 * a send. The connection is dropped instead; other subscribers are untouched.
 */
function onSlow(ctx: AppContext): () => void {
  return () => ctx.dropConnection?.();
}

@Resolver(() => ScanProgressEvent)
export class ScanSubscriptionResolver {
  @Subscription(() => ScanProgressEvent, {
    description:
      'Progress of one scan: first its current state (or, with afterSeq, every event after that seq), then each change in seq order; completes after the terminal event.',
    subscribe: async ({
      args,
      context,
    }: SubscribeData<{ id: string; afterSeq?: number | null }>) => {
      if (!isUuid(args.id)) throw notFound('scan', args.id);
      // Seqs start at 1: afterSeq 0 replays everything; below that is a mistake.
      const afterSeq = validateIntRange(args.afterSeq, 'afterSeq', 0, 2_147_483_647);
      const queue = await context.hub.subscribeScan(args.id, afterSeq, onSlow(context));
      if (!queue) throw notFound('scan', args.id);
      return toPayloads(queue, context, 'scanProgress');
    },
  })
  scanProgress(
    @Root() event: ScanProgressEvent,
    @Arg('id', () => ID) _id: string,
    @Arg('afterSeq', () => Int, { nullable: true }) _afterSeq?: number,
  ): ScanProgressEvent {
    return event;
  }

  @Subscription(() => ScanProgressEvent, {
    description: 'Progress events of every scan from now on (dashboards), optionally filtered.',
    subscribe: async ({ args, context }: SubscribeData<{ filter?: ScanUpdatesFilter | null }>) => {
      const queue = await context.hub.subscribeAll(
        {
          statuses: args.filter?.status ?? undefined,
          types: args.filter?.type ?? undefined,
        },
        onSlow(context),
      );
      return toPayloads(queue, context, 'scanUpdates');
    },
  })
  scanUpdates(
    @Root() event: ScanProgressEvent,
    @Arg('filter', () => ScanUpdatesFilter, { nullable: true }) _filter?: ScanUpdatesFilter,
  ): ScanProgressEvent {
    return event;
  }
}

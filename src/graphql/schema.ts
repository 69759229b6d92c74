import 'reflect-metadata';
import './common/enums';

import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';

import { ApiKeyResolver } from './api-key/api-key.resolver';
import { authChecker } from './auth/auth-checker';
import { CredentialResolver } from './credential/credential.resolver';
import { HostResolver } from './host/host.resolver';
import { ScanResolver } from './scan/scan.resolver';
import { ScanProgressEventResolver } from './scan/scan-event.resolver';
import { ScanSubscriptionResolver } from './scan/scan-subscription.resolver';
import { ScheduleResolver, ScheduleRunResolver } from './schedule/schedule.resolver';
import { WorkerResolver } from './worker/worker.resolver';

export const RESOLVERS = [
  ScanResolver,
  ScanSubscriptionResolver,
  ScanProgressEventResolver,
  HostResolver,
  ApiKeyResolver,
  CredentialResolver,
  WorkerResolver,
  ScheduleResolver,
  ScheduleRunResolver,
] as const;

/** Builds the executable schema; `schema.graphql` at the root is its printed form. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    // Inputs are validated by the services, with BAD_USER_INPUT naming the field.
    validate: false,
    emitSchemaFile: false,
    // Every subscription brings its own `subscribe` (the EventHub); TypeGraphQL
    // still insists on a PubSub, so it gets one that refuses to be used.
    pubSub: {
      publish() {
        throw new Error('topics are not used: subscriptions read from the EventHub');
      },
      subscribe() {
        throw new Error('topics are not used: subscriptions read from the EventHub');
      },
    },
  });
}

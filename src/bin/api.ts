/** `npm run api`: the GraphQL API only. */
import { run } from './run';

run({ api: true, worker: false });

/** `npm run worker`: a worker only. */
import { run } from './run';

run({ api: false, worker: true });

/** `npm start`: the API and a worker in one process (embedded PostgreSQL without DATABASE_URL). */
import { run } from './run';

run({ api: true, worker: true });

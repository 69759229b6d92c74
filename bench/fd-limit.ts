import { execFileSync, spawnSync } from 'node:child_process';

/** The open-file limit the fan-out rows need: 10,000 sockets and then some. */
const WANT = 20_000;

/**
 * Node cannot raise its own RLIMIT_NOFILE, so when the soft limit is lower
 * than WANT the bench runs itself again under `ulimit -n` (up to the hard
 * limit) and exits with that run's status. Child processes inherit it.
 */
export function raiseFdLimit(): void {
  const soft = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  if (!Number.isFinite(soft) || soft >= WANT || process.env.BENCH_FD_RAISED) return;
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim();
  const limit = hard === 'unlimited' ? WANT : Math.min(WANT, Number(hard));
  const r = spawnSync(
    'sh',
    [
      '-c',
      `ulimit -n ${limit} && exec "$@"`,
      'sh',
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_FD_RAISED: '1' } },
  );
  process.exit(r.status ?? 1);
}

import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * BENCH_CPU_PROF=<dir>: the environment that makes a service process write
 * a V8 CPU profile of itself into <dir> when it exits (cpu-profile.mjs,
 * loaded with --import, since Node 20 does not allow --cpu-prof in
 * NODE_OPTIONS). Given to every process the bench starts: the service, and
 * the dispatch rows' worker. Empty when BENCH_CPU_PROF is unset.
 */
export function cpuProfileEnv(): Record<string, string> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  return {
    NODE_OPTIONS: `--import ${pathToFileURL(path.join(__dirname, 'cpu-profile.mjs')).href}`,
    BENCH_CPU_PROF: dir,
  };
}

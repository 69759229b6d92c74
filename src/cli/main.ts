/** The `hostscan` executable (bin/hostscan.js loads it from dist). */
import { runCli } from './program';

process.once('SIGINT', () => {
  process.stderr.write(
    '\nhostscan: interrupted. A scan already started goes on; `hostscan cancel ID` stops it.\n',
  );
  process.exit(130);
});

runCli(process.argv, { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hostscan: ${String(e)}\n`);
    process.exitCode = 1;
  },
);

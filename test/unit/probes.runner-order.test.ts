/**
 * runProbes reads stdout and stderr apart: one may run several probes ahead
 * of the other. A transport that replays a recorded script run (the bytes
 * `sh -s` wrote for two probes) shows the order of events does not depend on
 * which stream arrives first.
 */
import type { Probe } from '../../src/probes';
import { type ProbeEvent, runProbes } from '../../src/probes/runner';
import type { HostTransport, StreamOptions } from '../../src/transport';

const probes: Probe[] = ['a', 'b', 'c'].map((name) => ({
  name,
  command: `echo ${name}`,
  parse: () => ({}),
}));

/** Replays the frames the script writes, all of one stream before the other. */
function replaying(first: 'stdout' | 'stderr'): HostTransport {
  return {
    hostKeyFingerprint: null,
    exec: () => Promise.reject(new Error('not used')),
    async stream(_command: string, options: StreamOptions) {
      const marker = /M=(\S+)/.exec(String(options.stdin))![1]!;
      const frames = (stream: 'stdout' | 'stderr') =>
        probes
          .map((p, i) => {
            const body = stream === 'stdout' ? `${p.name}\n` : i === 1 ? 'warn\n' : '';
            return `\n${marker} B ${i}\n${body}\n${marker} E ${i} ${i}\n`;
          })
          .join('');
      const second = first === 'stdout' ? 'stderr' : 'stdout';
      options.onData(first, Buffer.from(frames(first)));
      options.onData(second, Buffer.from(frames(second)));
      return { stdout: '', stderr: '', exitCode: 0, durationMs: 1 };
    },
    close: async () => undefined,
  };
}

async function events(transport: HostTransport): Promise<string[]> {
  const out: string[] = [];
  const options = {
    defaultTimeoutMs: 5_000,
    defaultMaxBytes: 1024,
    signal: new AbortController().signal,
  };
  for await (const e of runProbes(transport, probes, options)) out.push(line(e));
  return out;
}

const line = (e: ProbeEvent): string =>
  e.kind === 'output'
    ? `output ${e.index} ${e.output.exitCode} ${JSON.stringify(e.output.stdout)} ${JSON.stringify(e.output.stderr)}`
    : `${e.kind} ${e.index}`;

const EXPECTED = [
  'start 0',
  'output 0 0 "a\\n" ""',
  'start 1',
  'output 1 1 "b\\n" "warn\\n"',
  'start 2',
  'output 2 2 "c\\n" ""',
];

it('reports every probe in order when all of stdout comes before stderr', async () => {
  expect(await events(replaying('stdout'))).toEqual(EXPECTED);
});

it('reports every probe in order when all of stderr comes before stdout', async () => {
  expect(await events(replaying('stderr'))).toEqual(EXPECTED);
});

/**
 * runProbes reads stdout and stderr apart: one may run several probes ahead
 * of the other. A transport that replays a recorded script run (the bytes
 * `sh -s` wrote for two probes) shows the order of events does not depend on
 * which stream arrives first.
 */
import { ScanError, ScanErrorCode } from '../../src/domain/errors';
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

it('says a probe started once when the run that saw its begin marker ends early', async () => {
  let calls = 0;
  const transport: HostTransport = {
    hostKeyFingerprint: null,
    exec: () => Promise.reject(new Error('not used')),
    async stream(_command: string, options: StreamOptions) {
      calls += 1;
      const script = String(options.stdin);
      const marker = /M=(\S+)/.exec(script)![1]!;
      const indexes = [...script.matchAll(/^p (\d+) /gm)].map((m) => Number(m[1]));
      const frame = (i: number, body: string) =>
        `\n${marker} B ${i}\n${body}\n${marker} E ${i} 0\n`;
      if (calls === 1) {
        // stderr runs ahead to probe 1; stdout is still in probe 0 when the channel fails.
        options.onData('stderr', Buffer.from(indexes.map((i) => frame(i, '')).join('')));
        options.onData('stdout', Buffer.from(`\n${marker} B 0\npartial`));
        throw new ScanError(ScanErrorCode.OUTPUT_LIMIT, 'the run wrote more than its budget');
      }
      for (const stream of ['stdout', 'stderr'] as const) {
        options.onData(
          stream,
          Buffer.from(indexes.map((i) => frame(i, stream === 'stdout' ? `${i}` : '')).join('')),
        );
      }
      return { stdout: '', stderr: '', exitCode: 0, durationMs: 1 };
    },
    close: async () => undefined,
  };
  expect(await events(transport)).toEqual([
    'start 0',
    'failed 0',
    'start 1',
    'output 1 0 "1" ""',
    'start 2',
    'output 2 0 "2" ""',
  ]);
  expect(calls).toBe(2);
});

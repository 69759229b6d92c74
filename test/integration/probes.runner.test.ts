/**
 * runProbes: a whole scan's probes on one channel, each framed, each under its
 * own deadline and cap; over a real sshd and on this machine (LOCAL), and the
 * fallback to one exec per probe where the host runs no probe script.
 */
import { ScanErrorCode } from '../../src/domain/errors';
import type { Probe } from '../../src/probes';
import { type ProbeEvent, runProbes } from '../../src/probes/runner';
import { connectSsh, createLocalTransport, type HostTransport } from '../../src/transport';
import { startSshd, type TestSshd, usingFallbackSshd } from '../support/sshd';

const probe = (name: string, command: string, extra: Partial<Probe> = {}): Probe => ({
  name,
  command,
  parse: () => ({}),
  ...extra,
});

const connectTo = (sshd: TestSshd): Promise<HostTransport> =>
  connectSsh({
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    hostKeyPolicy: 'tofu',
  });

const OPTIONS = { defaultTimeoutMs: 5_000, defaultMaxBytes: 64 * 1024 };

async function collect(
  transport: HostTransport,
  probes: readonly Probe[],
  signal = new AbortController().signal,
  onFallback?: (reason: string) => void,
): Promise<ProbeEvent[]> {
  const events: ProbeEvent[] = [];
  for await (const e of runProbes(transport, probes, { ...OPTIONS, signal, onFallback })) {
    events.push(e);
  }
  return events;
}

/** One line per event, for whole-sequence assertions. */
function summary(events: readonly ProbeEvent[]): string[] {
  return events.map((e) =>
    e.kind === 'start'
      ? `start ${e.index}`
      : e.kind === 'output'
        ? `output ${e.index} exit=${e.output.exitCode} out=${JSON.stringify(e.output.stdout)} err=${JSON.stringify(e.output.stderr)}`
        : `failed ${e.index} ${e.error.code}`,
  );
}

const BASIC: Probe[] = [
  probe('echo', 'printf "a\\nb\\n"'),
  probe('no-newline', 'printf "tail"; echo warn >&2; exit 3'),
  // Non-UTF-8 (Latin-1 "ü") among UTF-8: decoded, the stray byte escaped.
  probe('bytes', "printf 'Gr\\374\\303\\237e'"),
  probe('reads-stdin', 'cat; echo done'),
];
const BASIC_EXPECTED = [
  'start 0',
  'output 0 exit=0 out="a\\nb\\n" err=""',
  'start 1',
  'output 1 exit=3 out="tail" err="warn\\n"',
  'start 2',
  'output 2 exit=0 out="Gr\\\\xfcße" err=""',
  'start 3',
  'output 3 exit=0 out="done\\n" err=""',
];

describe('LOCAL', () => {
  const local = createLocalTransport();
  afterAll(() => local.close());

  it("frames each probe's stdout, stderr and exit status, and gives a probe no stdin", async () => {
    expect(summary(await collect(local, BASIC))).toEqual(BASIC_EXPECTED);
  });

  it('frames a probe that never blocks (run in a subshell) exactly as one run under timeout', async () => {
    const subshelled = BASIC.map((p) => ({ ...p, neverBlocks: true }));
    expect(summary(await collect(local, subshelled))).toEqual(BASIC_EXPECTED);
  });

  it('fails a probe past its deadline with COMMAND_TIMEOUT and runs the rest', async () => {
    const started = Date.now();
    const events = await collect(local, [
      probe('first', 'echo 1'),
      probe('hangs', 'sleep 30', { timeoutMs: 1_000 }),
      probe('after', 'echo 3'),
    ]);
    expect(summary(events)).toEqual([
      'start 0',
      'output 0 exit=0 out="1\\n" err=""',
      'start 1',
      'failed 1 COMMAND_TIMEOUT',
      'start 2',
      'output 2 exit=0 out="3\\n" err=""',
    ]);
    // The host's `timeout` kills it after 1 s; the local backstop would take 3 s more.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails a probe past its output cap with OUTPUT_LIMIT and runs the rest', async () => {
    const events = await collect(local, [
      probe('floods', 'yes | head -c 200000', { maxBytes: 1_000 }),
      probe('after', 'echo ok'),
    ]);
    expect(summary(events)).toEqual([
      'start 0',
      'failed 0 OUTPUT_LIMIT',
      'start 1',
      'output 1 exit=0 out="ok\\n" err=""',
    ]);
  });

  it('ends with CANCELLED on the probe in progress when the signal aborts', async () => {
    const stop = new AbortController();
    const events: ProbeEvent[] = [];
    for await (const e of runProbes(local, [probe('slow', 'sleep 20'), probe('never', 'echo no')], {
      ...OPTIONS,
      signal: stop.signal,
    })) {
      events.push(e);
      if (e.kind === 'start') stop.abort();
    }
    expect(summary(events)).toEqual(['start 0', 'failed 0 CANCELLED']);
  });
});

describe('SSH', () => {
  let sshd: TestSshd;
  let transport: HostTransport;

  beforeAll(async () => {
    sshd = await startSshd();
    transport = await connectTo(sshd);
  });
  afterAll(async () => {
    await transport?.close();
    await sshd?.stop();
  });

  it('runs every probe on one channel, framed as on LOCAL', async () => {
    const before = sshd.logs().match(/session opened|Starting session/g)?.length ?? 0;
    expect(summary(await collect(transport, BASIC))).toEqual(BASIC_EXPECTED);
    if (sshd.kind === 'openssh') {
      // sshd logs one "Starting session: command ..." per exec channel.
      const sessions = sshd.logs().match(/Starting session: command/g)?.length ?? 0;
      expect(sessions - before).toBeLessThanOrEqual(1);
    }
  });

  it('frames probes that never block as on LOCAL, under the login shell', async () => {
    const subshelled = BASIC.map((p) => ({ ...p, neverBlocks: true }));
    expect(summary(await collect(transport, subshelled))).toEqual(BASIC_EXPECTED);
  });
});

describe('SSH through a ForceCommand that gives commands no stdin', () => {
  let sshd: TestSshd;
  let transport: HostTransport;
  const skip = usingFallbackSshd();

  beforeAll(async () => {
    if (skip) return;
    // A common restricted set-up: the original command runs, stdin does not reach it.
    sshd = await startSshd({
      extraConfig: ['ForceCommand sh -c "$SSH_ORIGINAL_COMMAND" </dev/null'],
    });
    transport = await connectTo(sshd);
  });
  afterAll(async () => {
    await transport?.close();
    await sshd?.stop();
  });

  it('falls back to one exec per probe and still gets every result', async () => {
    if (skip) {
      console.warn('skipped: the ssh2 stand-in has no ForceCommand');
      return;
    }
    const reasons: string[] = [];
    const events = await collect(
      transport,
      [probe('one', 'echo 1'), probe('two', 'echo 2 >&2; exit 4')],
      undefined,
      (r) => reasons.push(r),
    );
    expect(reasons).toHaveLength(1);
    expect(summary(events)).toEqual([
      'start 0',
      'output 0 exit=0 out="1\\n" err=""',
      'start 1',
      'output 1 exit=4 out="" err="2\\n"',
    ]);
    expect(events.some((e) => e.kind === 'failed' && e.error.code === ScanErrorCode.INTERNAL)).toBe(
      false,
    );
  });
});

import { CONNECTION_ERROR_CODES, ScanError, ScanErrorCode, toScanError } from '../domain/errors';
import type { HostTransport } from '../transport';
import { decodeUtf8 } from '../util/utf8';
import { FrameReader } from './frames';
import type { Probe } from './probe';
import type { ProbeEvent, RunProbesOptions } from './runner';
import {
  buildProbeScript,
  newMarker,
  SCRIPT_COMMAND,
  stepTimeoutSeconds,
  TIMED_OUT_STATUSES,
} from './script';

/** Bytes a login may print outside the probes' sections (greetings, banners). */
const OUTSIDE_SECTIONS_BYTES = 64 * 1024;
/** Time beyond the remote `timeout` for a killed probe's end marker to arrive. */
const LOCAL_GRACE_MS = 2_000;

interface Half {
  status: number;
  bytes: Buffer;
  overflowed: boolean;
}

/**
 * One channel running the probe script for probes[from..] (see runProbes):
 * turns the frames of its two streams into ProbeEvents, in probe order.
 */
export class ScriptRun {
  /** True once a begin marker arrived on stdout: the host runs the script. */
  framed = false;
  private readonly queue: ProbeEvent[] = [];
  private wake: (() => void) | null = null;
  private finished = false;
  /** Probes whose start was reported. */
  private readonly started = new Set<number>();
  /** When each probe's first begin marker arrived (performance.now()). */
  private readonly begunAt = new Map<number, number>();
  private readonly halves = new Map<number, { stdout?: Half; stderr?: Half }>();
  /** The first probe not yet reported done. */
  private current: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly local = new AbortController();
  private exitStatus: number | null = null;
  private error: ScanError | null = null;

  constructor(
    private readonly transport: HostTransport,
    private readonly probes: readonly Probe[],
    private readonly from: number,
    private readonly options: RunProbesOptions,
  ) {
    this.current = from;
  }

  async *events(): AsyncGenerator<ProbeEvent> {
    const done = this.start();
    try {
      for (;;) {
        const event = this.queue.shift();
        if (event) {
          yield event;
          continue;
        }
        if (this.finished) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      clearTimeout(this.timer);
      this.local.abort();
      await done;
    }
  }

  /** Whether the host ran nothing of the script and nothing was reported: use one exec per probe. */
  fallbackWanted(): boolean {
    return !this.framed && this.started.size === 0 && !this.options.signal.aborted;
  }

  /** Whether this run ended without reporting probe `next` or anything after it. */
  failedWithoutProgress(next: number): boolean {
    return next === this.from && next < this.probes.length && !this.options.signal.aborted;
  }

  noProgressError(name: string): ScanError {
    return new ScanError(
      ScanErrorCode.COMMAND_FAILED,
      `${name}: the probe script ended before this probe started (${this.endReason()})`,
    );
  }

  endReason(): string {
    if (this.error) return this.error.message;
    return `exit status ${this.exitStatus ?? 'none'}${this.framed ? '' : ', no frames'}`;
  }

  private timeoutOf(index: number): number {
    return this.probes[index]!.timeoutMs ?? this.options.defaultTimeoutMs;
  }

  private maxBytesOf(index: number): number {
    return this.probes[index]!.maxBytes ?? this.options.defaultMaxBytes;
  }

  private start(): Promise<void> {
    const marker = newMarker();
    const steps = this.probes.slice(this.from).map((p, i) => ({
      index: this.from + i,
      command: p.command,
      timeoutMs: this.timeoutOf(this.from + i),
      neverBlocks: p.neverBlocks,
    }));
    const sink = (stream: 'stdout' | 'stderr') => ({
      begin: (index: number) => this.begin(stream, index),
      end: (index: number, status: number, bytes: Buffer, overflowed: boolean) =>
        this.end(stream, index, { status, bytes, overflowed }),
    });
    const readers = {
      stdout: new FrameReader(marker, (i) => this.maxBytesOf(i), sink('stdout')),
      stderr: new FrameReader(marker, (i) => this.maxBytesOf(i), sink('stderr')),
    };
    const budget = steps.reduce((sum, s) => sum + 2 * (this.maxBytesOf(s.index) + 1), 0);
    const deadline = steps.reduce((sum, s) => sum + this.localDeadline(s.index), 0);
    this.arm();
    return this.transport
      .stream(SCRIPT_COMMAND, {
        stdin: buildProbeScript(steps, marker),
        timeoutMs: deadline,
        maxBytes: budget + OUTSIDE_SECTIONS_BYTES,
        signal: AbortSignal.any([this.options.signal, this.local.signal]),
        onData: (stream, chunk) => readers[stream].push(chunk),
      })
      .then(
        (r) => {
          this.exitStatus = r.exitCode;
          this.endOfStream(null);
        },
        (e: unknown) => this.endOfStream(toScanError(e)),
      );
  }

  /** The local deadline of a probe: after its remote `timeout`, with time for the end marker. */
  private localDeadline(index: number): number {
    return stepTimeoutSeconds(this.timeoutOf(index)) * 1000 + LOCAL_GRACE_MS;
  }

  /** (Re)starts the deadline of the current probe, from now. */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.current >= this.probes.length) return;
    const index = this.current;
    this.timer = setTimeout(() => {
      if (this.finished || this.current !== index) return;
      this.report(index, {
        kind: 'failed',
        index,
        error: new ScanError(
          ScanErrorCode.COMMAND_TIMEOUT,
          `${this.probes[index]!.name} did not finish within ${this.localDeadline(index)} ms`,
        ),
      });
      // The rest go on a new channel (runProbes starts one after this run ends).
      this.local.abort();
    }, this.localDeadline(index));
  }

  /**
   * A begin marker. stdout and stderr are read apart, so one stream may run
   * ahead of the other by a probe or more: markers of later probes are kept
   * until the probes before them are reported.
   */
  private begin(stream: 'stdout' | 'stderr', index: number): void {
    if (stream === 'stdout') this.framed = true;
    if (index < this.current || this.begunAt.has(index)) return;
    this.begunAt.set(index, performance.now());
    if (index === this.current) this.push({ kind: 'start', index });
  }

  private end(stream: 'stdout' | 'stderr', index: number, half: Half): void {
    if (index < this.current) return;
    this.halves.set(index, { ...this.halves.get(index), [stream]: half });
    for (;;) {
      const both = this.halves.get(this.current);
      if (!both?.stdout || !both.stderr) return;
      this.halves.delete(this.current);
      this.report(this.current, this.outcome(this.current, both.stdout, both.stderr));
    }
  }

  /** What a probe's two framed halves amount to. */
  private outcome(index: number, stdout: Half, stderr: Half): ProbeEvent {
    const name = this.probes[index]!.name;
    const seconds = stepTimeoutSeconds(this.timeoutOf(index));
    const ranMs = performance.now() - (this.begunAt.get(index) ?? performance.now());
    if (TIMED_OUT_STATUSES.has(stdout.status) && ranMs >= seconds * 1000 - 250) {
      return {
        kind: 'failed',
        index,
        error: new ScanError(
          ScanErrorCode.COMMAND_TIMEOUT,
          `${name} did not finish within ${seconds} s (killed by the host's timeout)`,
        ),
      };
    }
    if (stdout.overflowed || stderr.overflowed) {
      return {
        kind: 'failed',
        index,
        error: new ScanError(
          ScanErrorCode.OUTPUT_LIMIT,
          `${name} wrote more than ${this.maxBytesOf(index)} bytes`,
        ),
      };
    }
    return {
      kind: 'output',
      index,
      output: {
        stdout: decodeUtf8(stdout.bytes),
        stderr: decodeUtf8(stderr.bytes),
        exitCode: stdout.status,
      },
    };
  }

  /** Reports probe `index` done (after its start) and moves to the next. */
  private report(index: number, event: ProbeEvent): void {
    this.push({ kind: 'start', index });
    this.push(event);
    this.current = index + 1;
    // A later probe whose begin marker came early starts now.
    if (this.begunAt.has(this.current)) this.push({ kind: 'start', index: this.current });
    this.arm();
  }

  private endOfStream(error: ScanError | null): void {
    clearTimeout(this.timer);
    const index = this.current;
    const aborted = this.options.signal.aborted;
    // Our own abort after a probe's deadline: the run already said why.
    const ownAbort = this.local.signal.aborted && !aborted;
    if (error && !ownAbort) this.error = error;
    if (index < this.probes.length && !ownAbort) {
      if (error && (this.framed || aborted || endsTheScan(error))) {
        this.report(index, { kind: 'failed', index, error });
      } else if (this.begunAt.has(index)) {
        this.report(index, {
          kind: 'failed',
          index,
          error: new ScanError(
            ScanErrorCode.COMMAND_FAILED,
            `${this.probes[index]!.name}: the probe script ended before this probe did (${this.endReason()})`,
          ),
        });
      }
    }
    this.finished = true;
    this.wake?.();
  }

  /** Queues an event; a probe's start is queued once however often it is asked for. */
  private push(event: ProbeEvent): void {
    if (event.kind === 'start') {
      if (this.started.has(event.index)) return;
      this.started.add(event.index);
    }
    this.queue.push(event);
    this.wake?.();
    this.wake = null;
  }
}

/** Errors after which no other channel is worth trying: the connection or the scan is over. */
function endsTheScan(error: ScanError): boolean {
  return error.code === ScanErrorCode.CANCELLED || CONNECTION_ERROR_CODES.includes(error.code);
}

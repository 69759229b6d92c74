/**
 * Progress as it happens: live bars with the current step on a terminal
 * (cli-progress), one plain line per event otherwise (a log, a pipe, CI).
 * Progress goes to stderr, so stdout carries only results.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

import type { ProgressEvent } from './ws';

/** Where the CLI writes, and whether a person is watching. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ProgressView {
  /** Shows `event` of the scan labelled `label`. */
  update(label: string, event: ProgressEvent): void;
  /** A line between the bars (or among the plain lines). */
  note(text: string): void;
  /** Leaves the bars as they are and releases the terminal. */
  stop(): void;
}

/** Most bars drawn at once; a larger fleet gets one bar for all its scans. */
export const MAX_BARS = 20;

/**
 * Bars on a TTY, lines otherwise; `labels` fixes the order of the bars. Past
 * MAX_BARS scans (or more than the terminal has rows) one bar counts the
 * finished scans and each one's end is a line above it.
 */
export function progressView(io: Io, labels: string[]): ProgressView {
  if (!io.stderr.isTTY) return new LinesView(io);
  const rows = (io.stderr as { rows?: number }).rows || 24;
  return labels.length > Math.min(MAX_BARS, rows - 2)
    ? new FleetBarView(io, labels.length)
    : new BarsView(io, labels);
}

class LinesView implements ProgressView {
  constructor(private readonly io: Io) {}

  update(label: string, e: ProgressEvent): void {
    const time = new Date().toISOString().slice(11, 19);
    const step = e.step ? ` step ${e.step}` : '';
    const message = e.message ? ` - ${e.message}` : '';
    this.io.stderr.write(
      `${time} ${label} ${e.status} ${String(e.progress).padStart(3)}%${step}${message}\n`,
    );
  }

  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  stop(): void {}
}

function multiBar(io: Io, format: string): MultiBar {
  return new MultiBar(
    {
      stream: io.stderr,
      format,
      barsize: 30,
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      fps: 10,
    },
    Presets.shades_classic,
  );
}

/** Stops after one last redraw: MultiBar.log() lines wait for a redraw, and stop() alone drops them. */
function flushAndStop(multi: MultiBar): void {
  multi.update();
  multi.stop();
}

const TERMINAL = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED']);

class FleetBarView implements ProgressView {
  private readonly multi: MultiBar;
  private readonly bar: SingleBar;
  private readonly ended = new Map<string, string>();

  constructor(io: Io, total: number) {
    this.multi = multiBar(io, '{bar} {value}/{total} scans finished | {counts}');
    this.bar = this.multi.create(total, 0, { counts: '' });
  }

  update(label: string, e: ProgressEvent): void {
    if (!TERMINAL.has(e.status) || this.ended.has(label)) return;
    this.ended.set(label, e.status);
    this.multi.log(`${label} ${e.status}${e.message ? ` - ${e.message}` : ''}\n`);
    const counts = new Map<string, number>();
    for (const status of this.ended.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
    this.bar.update(this.ended.size, {
      counts: [...counts].map(([status, n]) => `${n} ${status}`).join(', '),
    });
  }

  note(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    flushAndStop(this.multi);
  }
}

class BarsView implements ProgressView {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private stopped = false;

  constructor(io: Io, labels: string[]) {
    const width = Math.max(...labels.map((l) => l.length));
    this.multi = multiBar(io, '{label} {bar} {percentage}% | {status} {step}');
    for (const label of labels)
      this.bars.set(
        label,
        this.multi.create(100, 0, { label: label.padEnd(width), status: 'PENDING', step: '' }),
      );
  }

  update(label: string, e: ProgressEvent): void {
    this.bars.get(label)?.update(e.progress, { status: e.status, step: e.step ?? '' });
  }

  note(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    flushAndStop(this.multi);
  }
}

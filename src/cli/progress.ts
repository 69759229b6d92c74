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

/** Bars on a TTY, lines otherwise; `labels` fixes the order of the bars. */
export function progressView(io: Io, labels: string[]): ProgressView {
  return io.stderr.isTTY ? new BarsView(io, labels) : new LinesView(io);
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

class BarsView implements ProgressView {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private stopped = false;

  constructor(io: Io, labels: string[]) {
    const width = Math.max(...labels.map((l) => l.length));
    this.multi = new MultiBar(
      {
        stream: io.stderr,
        format: '{label} {bar} {percentage}% | {status} {step}',
        barsize: 30,
        hideCursor: false,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        fps: 10,
      },
      Presets.shades_classic,
    );
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
    this.multi.stop();
  }
}

/** What a FrameReader reports, in stream order. */
export interface FrameSink {
  /** Step `index` started writing. */
  begin(index: number): void;
  /**
   * Step `index` ended with `status` (its exit status as the script saw it;
   * 124/137 after a remote timeout). `bytes` is what it wrote between its
   * markers, at most `maxBytes`; `overflowed` when it wrote more.
   */
  end(index: number, status: number, bytes: Buffer, overflowed: boolean): void;
}

/** Longest line kept whole while deciding whether it is a marker line. */
const MARKER_SLACK = 48;

/**
 * Splits one output stream of a probe script (see buildProbeScript) into the
 * steps' sections as the bytes arrive. Anything outside a section (a login
 * greeting, with or without its newline) is dropped; a section's bytes are
 * kept up to `maxBytes(index)` and the rest only counted, so a host cannot
 * make the reader hold more than the caps. Lines are never held whole: only a
 * line's first `marker.length + 48` bytes wait to be told apart from a marker.
 */
export class FrameReader {
  /** The section being written, if any. */
  private current: { index: number; chunks: Buffer[]; kept: number; overflowed: boolean } | null =
    null;
  /** Bytes of a line that may still turn out to be a marker line. */
  private head: Buffer[] = [];
  private headBytes = 0;
  /** False while inside a line already known not to be a marker line. */
  private atLineStart = true;
  private readonly prefix: Buffer;

  constructor(
    private readonly marker: string,
    private readonly maxBytes: (index: number) => number,
    private readonly sink: FrameSink,
  ) {
    this.prefix = Buffer.from(`${marker} `);
  }

  /** Index of the section being written, or null between sections. */
  get open(): number | null {
    return this.current?.index ?? null;
  }

  push(chunk: Buffer): void {
    let i = 0;
    // Start of a run of whole content lines not yet handed to content(): a
    // package list is thousands of lines, handed over as a few slices.
    let run = -1;
    while (i < chunk.length) {
      const nl = chunk.indexOf(0x0a, i);
      const end = nl < 0 ? chunk.length : nl + 1;
      // The rest of a line known not to be a marker line, or a line that
      // cannot start one: content, joined to the run.
      if (!this.atLineStart || (this.headBytes === 0 && !this.mayStartMarker(chunk, i, end))) {
        if (run < 0) run = i;
        i = end;
        this.atLineStart = nl >= 0;
        continue;
      }
      if (run >= 0) {
        this.content(chunk.subarray(run, i));
        run = -1;
      }
      const piece = chunk.subarray(i, end);
      i = end;
      this.head.push(piece);
      this.headBytes += piece.length;
      const line = Buffer.concat(this.head);
      if (!this.couldBeMarker(line)) {
        this.flushHead(line);
        this.atLineStart = nl >= 0;
      } else if (nl >= 0) {
        this.head = [];
        this.headBytes = 0;
        if (!this.markerLine(line.subarray(0, line.length - 1).toString('latin1')))
          this.content(line);
      }
    }
    if (run >= 0) this.content(chunk.subarray(run, i));
  }

  /** Whether the bytes from `start` (a line's start) to `end` begin as a marker line does. */
  private mayStartMarker(chunk: Buffer, start: number, end: number): boolean {
    // Most lines differ at the first byte: decided without a native call.
    if (end > start && chunk[start] !== this.prefix[0]) return false;
    const n = Math.min(end - start, this.prefix.length);
    return chunk.compare(this.prefix, 0, n, start, start + n) === 0;
  }

  private couldBeMarker(line: Buffer): boolean {
    if (this.headBytes > this.prefix.length + MARKER_SLACK) return false;
    const n = Math.min(line.length, this.prefix.length);
    return line.subarray(0, n).equals(this.prefix.subarray(0, n));
  }

  private flushHead(line: Buffer): void {
    this.head = [];
    this.headBytes = 0;
    this.content(line);
  }

  /** Handles a whole marker line; false when the line only looked like one. */
  private markerLine(line: string): boolean {
    if (!line.startsWith(`${this.marker} `)) return false;
    const m = /^(B|E) (\d+)(?: (\d+))?$/.exec(line.slice(this.marker.length + 1));
    if (!m) return false;
    const index = Number(m[2]);
    if (m[1] === 'B' && m[3] === undefined) {
      this.current = { index, chunks: [], kept: 0, overflowed: false };
      this.sink.begin(index);
      return true;
    }
    if (m[1] === 'E' && m[3] !== undefined && this.current?.index === index) {
      const { chunks, overflowed } = this.current;
      this.current = null;
      let bytes = Buffer.concat(chunks);
      // The newline the script printed before the end marker is not the probe's.
      if (!overflowed && bytes.length > 0 && bytes[bytes.length - 1] === 0x0a) {
        bytes = bytes.subarray(0, bytes.length - 1);
      }
      this.sink.end(index, Number(m[3]), bytes, overflowed);
      return true;
    }
    return false;
  }

  private content(bytes: Buffer): void {
    const section = this.current;
    if (!section || section.overflowed) return;
    // The trailing newline before an end marker does not count against the cap.
    const room = this.maxBytes(section.index) + 1 - section.kept;
    if (bytes.length > room) {
      section.overflowed = true;
      section.chunks = [];
      return;
    }
    section.chunks.push(Buffer.from(bytes));
    section.kept += bytes.length;
  }
}

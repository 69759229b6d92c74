import { decodeUtf8 } from '../util/utf8';

/**
 * Collects stdout and stderr chunks under one byte cap shared by both
 * streams. Decoding happens once in `text()`, so a multibyte UTF-8 character
 * split across two chunks comes out whole.
 */
export class OutputBuffer {
  private readonly stdoutChunks: Buffer[] = [];
  private readonly stderrChunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** Returns false (and keeps nothing more) once the cap is passed. */
  push(stream: 'stdout' | 'stderr', chunk: Buffer): boolean {
    this.total += chunk.length;
    if (this.total > this.maxBytes) {
      // Drop what we hold: the caller rejects, nobody reads it, and a hostile
      // host should not pin maxBytes of memory until the promise is collected.
      this.stdoutChunks.length = 0;
      this.stderrChunks.length = 0;
      return false;
    }
    (stream === 'stdout' ? this.stdoutChunks : this.stderrChunks).push(compact(chunk));
    return true;
  }

  get bytes(): number {
    return this.total;
  }

  text(): { stdout: string; stderr: string } {
    return {
      stdout: decodeUtf8(Buffer.concat(this.stdoutChunks)),
      stderr: decodeUtf8(Buffer.concat(this.stderrChunks)),
    };
  }
}

/**
 * ssh2 hands out channel data as views into larger decryption buffers: on
 * loopback about half of the 32 KiB chunks pinned a 64 KiB ArrayBuffer, so
 * holding them as they came cost ~1.5x the bytes counted against maxBytes.
 * A view that does not span its whole backing store is copied into one that
 * does (small copies come from Node's shared pool, which is fine).
 */
function compact(chunk: Buffer): Buffer {
  if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) return chunk;
  return Buffer.from(chunk);
}

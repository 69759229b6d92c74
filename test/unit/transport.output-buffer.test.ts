import { OutputBuffer } from '../../src/transport/output-buffer';

/** A view of `length` bytes at `offset` inside a fresh backing store of `backing` bytes. */
function viewInto(backing: number, offset: number, length: number, fill: number): Buffer {
  const store = Buffer.alloc(backing);
  store.fill(fill, offset, offset + length);
  return store.subarray(offset, offset + length);
}

/** Bytes of backing store the buffer keeps alive through the chunks it holds. */
function backingBytes(buffer: OutputBuffer): number {
  const held = buffer as unknown as { stdoutChunks: Buffer[]; stderrChunks: Buffer[] };
  const stores = new Set<ArrayBufferLike>();
  for (const chunk of [...held.stdoutChunks, ...held.stderrChunks]) stores.add(chunk.buffer);
  let total = 0;
  for (const store of stores) total += store.byteLength;
  return total;
}

describe('OutputBuffer', () => {
  it('does not pin the larger store a chunk is a view into', () => {
    const buffer = new OutputBuffer(10 * 32 * 1024);
    // ssh2 hands out 32 KiB views into 64 KiB decryption buffers.
    for (let i = 0; i < 8; i++)
      expect(buffer.push('stdout', viewInto(64 * 1024, 100, 32 * 1024, 0x61))).toBe(true);
    expect(buffer.bytes).toBe(8 * 32 * 1024);
    expect(backingBytes(buffer)).toBe(8 * 32 * 1024);
    expect(buffer.text().stdout).toBe('a'.repeat(8 * 32 * 1024));
  });

  it('keeps a chunk that owns its whole store without copying it', () => {
    const buffer = new OutputBuffer(1024);
    const chunk = Buffer.alloc(512, 0x62);
    // Buffer.alloc may come from the shared pool for small sizes; 512 bytes does not.
    expect(chunk.byteLength).toBe(chunk.buffer.byteLength);
    buffer.push('stderr', chunk);
    const held = buffer as unknown as { stderrChunks: Buffer[] };
    expect(held.stderrChunks[0]).toBe(chunk);
  });

  it('shares one cap between stdout and stderr and drops everything once it is passed', () => {
    const buffer = new OutputBuffer(10);
    expect(buffer.push('stdout', Buffer.from('12345'))).toBe(true);
    expect(buffer.push('stderr', Buffer.from('12345'))).toBe(true);
    expect(buffer.push('stdout', Buffer.from('x'))).toBe(false);
    expect(buffer.bytes).toBe(11);
    expect(backingBytes(buffer)).toBe(0);
    expect(buffer.text()).toEqual({ stdout: '', stderr: '' });
  });

  it('decodes a multibyte character split across chunks once, whole', () => {
    const buffer = new OutputBuffer(100);
    const euro = Buffer.from('€', 'utf8');
    buffer.push('stdout', euro.subarray(0, 1));
    buffer.push('stdout', euro.subarray(1));
    expect(buffer.text().stdout).toBe('€');
  });
});

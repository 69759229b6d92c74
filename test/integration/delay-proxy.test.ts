/** The bench's slow link: a request and its answer cost one round trip more than loopback. */
import net from 'node:net';

import { startDelayProxy } from '../support/delay-proxy';

it('adds 2 × the one-way delay to a request and its answer, and keeps bytes in order', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const proxy = await startDelayProxy((echo.address() as net.AddressInfo).port, 50);
  try {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const received: Buffer[] = [];
    let got = 0;
    const want = 3 * 1000;
    const finished = new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        received.push(c);
        got += c.length;
        if (got >= want) resolve();
      }),
    );
    const t0 = Date.now();
    for (const ch of ['a', 'b', 'c']) socket.write(ch.repeat(1000));
    await finished;
    const elapsed = Date.now() - t0;
    expect(Buffer.concat(received).toString()).toBe(
      'a'.repeat(1000) + 'b'.repeat(1000) + 'c'.repeat(1000),
    );
    // One round trip (100 ms) plus the connect's (the first bytes wait for it).
    expect(elapsed).toBeGreaterThanOrEqual(100);
    socket.destroy();
  } finally {
    await proxy.close();
    await new Promise((r) => echo.close(r));
  }
});

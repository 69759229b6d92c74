import net from 'node:net';

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `targetPort` on loopback that stands in for a slow link (this
 * kernel has no netem): every chunk waits `oneWayMs` before it is forwarded,
 * in each direction, in order, and a new connection waits one round trip
 * before its first byte moves, as a TCP handshake would. So one request and
 * its answer cost 2 × oneWayMs more than on loopback.
 */
export async function startDelayProxy(targetPort: number, oneWayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  /** Forwards `from` to `to`, each chunk `oneWayMs` late, never overtaking an earlier one. */
  const pipeDelayed = (from: net.Socket, to: net.Socket, startAt: number): void => {
    let last = startAt;
    from.on('data', (chunk: Buffer) => {
      const due = Math.max(Date.now() + oneWayMs, last);
      last = due;
      setTimeout(() => to.write(chunk), due - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
  };
  const server = net.createServer((inbound) => {
    inbound.setNoDelay(true);
    const outbound = net.connect(targetPort, '127.0.0.1');
    outbound.setNoDelay(true);
    track(inbound);
    track(outbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    const open = Date.now() + 2 * oneWayMs;
    pipeDelayed(inbound, outbound, open);
    pipeDelayed(outbound, inbound, open);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

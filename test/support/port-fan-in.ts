import net from 'node:net';

export interface PortFanIn {
  ports: number[];
  close(): Promise<void>;
}

/**
 * Many TCP ports that all forward to one target port: lets one sshd stand in
 * for hundreds of distinct hosts (hosts are keyed by hostname and port, and a
 * host may have only one active scan of a type). sshd itself listens on at
 * most 16 sockets.
 */
export async function startPortFanIn(targetPort: number, count: number): Promise<PortFanIn> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  for (let i = 0; i < count; i++) {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(targetPort, '127.0.0.1');
      track(inbound);
      track(outbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as net.AddressInfo).port),
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

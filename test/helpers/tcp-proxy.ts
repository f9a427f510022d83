// A TCP proxy on 127.0.0.1 that a test controls, to put faults between an agent and its
// broker: `blackhole` keeps connections open but drops every byte (a half-open link that
// only keep-alives can notice), `refuse` cuts them and refuses new ones, `heal` restores.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  blackhole(): void;
  refuse(): void;
  heal(): void;
  /** Bytes forwarded in each direction since start. */
  bytes(): { up: number; down: number };
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'pass' | 'blackhole' | 'refuse' = 'pass';
  const pairs = new Set<[net.Socket, net.Socket]>();
  const counted = { up: 0, down: 0 };
  const server = net.createServer((client) => {
    if (mode === 'refuse') return void client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') =>
      from.on('data', (chunk: Buffer) => {
        if (mode !== 'pass') return;
        counted[direction] += chunk.length;
        to.write(chunk);
      });
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole: () => void (mode = 'blackhole'),
    refuse: () => {
      mode = 'refuse';
      cutAll();
    },
    // Bytes dropped inside a live stream cannot be replayed (real TCP would retransmit them),
    // so connections that lived through a blackhole are cut when the link heals.
    heal: () => {
      if (mode === 'blackhole') cutAll();
      mode = 'pass';
    },
    bytes: () => ({ ...counted }),
    close: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

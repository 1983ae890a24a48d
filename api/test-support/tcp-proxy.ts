import { createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server, as a load balancer or a flaky network would be: `dropAll()` cuts every
 * connection at once (no close frames), so clients see what a network failure looks like.
 */
export async function startTcpProxy(target: () => number): Promise<{
  port: number;
  url: string;
  dropAll(): void;
  close(): Promise<void>;
}> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(target(), '127.0.0.1', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dropAll() {
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

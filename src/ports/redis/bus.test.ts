import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniqueName } from '../../../test/support/services.ts';
import { runBusContract, type ContractEvents } from '../contracts/bus.contract.ts';
import { sleep, waitFor } from '../contracts/support.ts';
import { RedisBus } from './bus.ts';
import type { AdapterLogger } from './connection.ts';

const prefix = uniqueName('bus');

/** A TCP pass-through to Redis that a test can cut and restore, to play "Redis went away" without touching Redis. */
class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe.skipIf(!TEST_REDIS_URL)('RedisBus', () => {
  const url = TEST_REDIS_URL as string;

  runBusContract({ name: 'RedisBus', create: async () => new RedisBus<ContractEvents>({ url, prefix }) });

  describe('when Redis goes away', () => {
    // Built lazily: this body also runs (to collect nothing) when TEST_REDIS_URL is unset.
    let proxy: TcpProxy | undefined;
    afterAll(() => proxy?.stop());

    it('fails fast, does not crash, then reconnects and resubscribes on its own', async () => {
      const target = new URL(url);
      proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      await proxy.start();
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const logs: { level: string; event: string; role: string }[] = [];
      const record = (level: string) => (obj: { event: string; role: string }) => logs.push({ level, ...obj });
      const logger = { info: record('info'), warn: record('warn'), error: record('error') } as unknown as AdapterLogger;
      const bus = new RedisBus<ContractEvents>({ url: proxied.toString(), prefix, logger });
      const direct = new RedisBus<ContractEvents>({ url, prefix });
      try {
        const received: string[] = [];
        await bus.subscribe('probe', (p) => received.push(p.runId));
        await direct.publish('probe', { runId: 'before', status: 'running' });
        await waitFor(() => received.length === 1, 'delivery before the outage');

        await proxy.stop();
        await waitFor(() => logs.some((l) => l.event === 'redis_down'), 'the outage to be noticed');
        const started = Date.now();
        await expect(bus.ping()).rejects.toThrow();
        await expect(bus.publish('probe', { runId: 'lost', status: 'running' })).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(500);
        await direct.publish('probe', { runId: 'during', status: 'running' });
        // Several reconnect attempts fail meanwhile; each connection still logs the outage once.
        await sleep(800);
        const downs = logs.filter((l) => l.event === 'redis_down');
        expect(downs.length).toBeLessThanOrEqual(2);
        expect(new Set(downs.map((l) => l.role)).size).toBe(downs.length);

        await proxy.start();
        await waitFor(() => logs.filter((l) => l.event === 'redis_up').length === 2, 'both connections back', 8000);
        await expect(bus.ping()).resolves.toBeUndefined();
        // The subscription came back without a new subscribe call. The subscriber may be ready a moment before its
        // SUBSCRIBE is re-sent, so publish until one arrives.
        await waitFor(
          () => {
            void direct.publish('probe', { runId: 'after', status: 'running' });
            return received.includes('after');
          },
          'delivery after reconnecting',
          5000,
        );
        expect(received).not.toContain('during');
        expect(received[0]).toBe('before');
        await bus.publish('probe', { runId: 'published-after', status: 'running' });
        await waitFor(() => received.includes('published-after'), 'its own publish after reconnecting');
      } finally {
        await Promise.all([bus.close(), direct.close()]);
      }
    }, 20_000);
  });

  it('rejects ping and publish fast when Redis cannot be reached', async () => {
    const bus = new RedisBus<ContractEvents>({ url: 'redis://127.0.0.1:1', prefix });
    try {
      await expect(bus.ping()).rejects.toThrow();
      await expect(bus.publish('probe', { runId: 'r', status: 'running' })).rejects.toThrow();
    } finally {
      await bus.close();
    }
  });
});

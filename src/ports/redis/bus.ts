import type { Bus, EventMapShape, Unsubscribe } from '../bus.ts';
import type { EventMap } from '../events.ts';
import { closeRedis, createRedis, pingRedis, whenReady, type AdapterLogger, type Redis } from './connection.ts';

export interface RedisBusOptions {
  url: string;
  /** Namespace of this deployment; channels are `${prefix}:bus:${eventName}`. */
  prefix: string;
  logger?: AdapterLogger;
}

type Handler = (...payload: unknown[]) => void;

interface Channel {
  handlers: Set<Handler>;
  subscribed: boolean;
  /** SUBSCRIBE/UNSUBSCRIBE calls for this channel, one after the other. */
  op: Promise<void>;
}

/**
 * The Redis pub/sub {@link Bus}: one publisher connection and one subscriber connection, channels
 * `${prefix}:bus:${eventName}`, payload tuples as JSON. One Redis SUBSCRIBE per channel however many handlers; each
 * handler gets its own parsed copy, and one that throws is logged without affecting the others.
 *
 * When Redis goes away nothing crashes: `publish`, `subscribe` and `ping` reject at once (no offline queue), ioredis
 * reconnects with a capped backoff and re-subscribes every channel, and delivery resumes. Messages published during
 * the outage are lost (the port is at-most-once; durable consumers replay from the database).
 */
export class RedisBus<M extends EventMapShape<M> = EventMap> implements Bus<M> {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #logger: AdapterLogger | undefined;
  readonly #channels = new Map<string, Channel>();
  #closed = false;

  constructor(options: RedisBusOptions) {
    this.#prefix = `${options.prefix}:bus:`;
    this.#logger = options.logger;
    const logger = options.logger ? { logger: options.logger } : {};
    this.#publisher = createRedis(options.url, { role: 'command', name: `${options.prefix}:bus:pub`, ...logger });
    this.#subscriber = createRedis(options.url, { role: 'subscriber', name: `${options.prefix}:bus:sub`, ...logger });
    this.#subscriber.on('message', (channel: string, message: string) => this.#deliver(channel, message));
  }

  async publish<K extends keyof M & string>(name: K, ...payload: M[K]): Promise<void> {
    this.#assertOpen();
    const message = JSON.stringify(payload);
    await whenReady(this.#publisher);
    await this.#publisher.publish(this.#prefix + name, message);
  }

  /** Resolves once Redis confirmed the subscription, so a message published afterwards reaches `handler`. */
  async subscribe<K extends keyof M & string>(name: K, handler: (...payload: M[K]) => void): Promise<Unsubscribe> {
    this.#assertOpen();
    const key = this.#prefix + name;
    let channel = this.#channels.get(key);
    if (!channel)
      this.#channels.set(key, (channel = { handlers: new Set(), subscribed: false, op: Promise.resolve() }));
    const h = handler as Handler;
    channel.handlers.add(h);
    try {
      await this.#sync(key, channel);
    } catch (error) {
      channel.handlers.delete(h);
      throw error;
    }
    const current = channel;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      current.handlers.delete(h);
      if (!this.#closed) await this.#sync(key, current);
    };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await Promise.all([pingRedis(this.#publisher), pingRedis(this.#subscriber)]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    await Promise.all([closeRedis(this.#publisher), closeRedis(this.#subscriber)]);
  }

  /** Brings the Redis subscription of `key` in line with its handlers (serialised per channel). */
  #sync(key: string, channel: Channel): Promise<void> {
    const run = async () => {
      const wanted = channel.handlers.size > 0;
      if (wanted === channel.subscribed) return;
      await whenReady(this.#subscriber);
      if (wanted) await this.#subscriber.subscribe(key);
      else await this.#subscriber.unsubscribe(key);
      channel.subscribed = wanted;
    };
    const next = channel.op.then(run, run);
    channel.op = next.catch(() => {});
    return next;
  }

  #deliver(key: string, message: string): void {
    const channel = this.#channels.get(key);
    if (!channel || channel.handlers.size === 0) return;
    const name = key.slice(this.#prefix.length);
    for (const handler of [...channel.handlers]) {
      if (!channel.handlers.has(handler)) continue;
      try {
        const result = handler(...(JSON.parse(message) as unknown[])) as unknown;
        if (result instanceof Promise) result.catch((error: unknown) => this.#logHandlerError(name, error));
      } catch (error) {
        this.#logHandlerError(name, error);
      }
    }
  }

  #logHandlerError(name: string, error: unknown): void {
    this.#logger?.error(
      { event: 'bus_handler_failed', name, err: error instanceof Error ? error.message : String(error) },
      'bus handler failed',
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('bus closed');
  }
}

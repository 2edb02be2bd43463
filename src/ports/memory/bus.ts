import type { Logger } from '../../infra/logger.ts';
import type { Bus, EventMapShape, Unsubscribe } from '../bus.ts';
import type { EventMap } from '../events.ts';

type Handler = (...payload: unknown[]) => void;

/**
 * The in-process channel several {@link MemoryBus} instances share, the way Redis pub/sub connects buses in several
 * processes. Each bus created without a hub gets a private one.
 */
export class MemoryBusHub {
  readonly #handlers = new Map<string, Set<Handler>>();

  /** Adds a handler for `name`; the returned function removes it. */
  on(name: string, handler: Handler): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.#handlers.get(name) === set) this.#handlers.delete(name);
    };
  }

  /**
   * Delivers `json` (a serialised payload tuple) to the handlers of `name` on a microtask: after `publish` returns,
   * in publish order (microtasks run first in, first out), to the handlers subscribed at delivery time.
   */
  emit(name: string, json: string): void {
    queueMicrotask(() => {
      const set = this.#handlers.get(name);
      if (!set) return;
      for (const handler of [...set]) if (set.has(handler)) handler(...(JSON.parse(json) as unknown[]));
    });
  }
}

export interface MemoryBusOptions {
  /** Connects this bus to others on the same hub; a private hub by default. */
  hub?: MemoryBusHub;
  /** Receives handler errors (which never reach the publisher or other handlers). */
  logger?: Pick<Logger, 'error'>;
}

/**
 * The in-process {@link Bus}. Payloads travel as JSON, so a handler gets a structural copy (a payload that does not
 * serialise fails at `publish`, as with Redis) and each handler gets its own copy. Delivery is asynchronous and
 * ordered per publisher. A handler that throws (or returns a rejected promise) is logged and does not affect others.
 */
export class MemoryBus<M extends EventMapShape<M> = EventMap> implements Bus<M> {
  readonly #hub: MemoryBusHub;
  readonly #logger: Pick<Logger, 'error'> | undefined;
  readonly #subscriptions = new Set<() => void>();
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#hub = options.hub ?? new MemoryBusHub();
    this.#logger = options.logger;
  }

  async publish<K extends keyof M & string>(name: K, ...payload: M[K]): Promise<void> {
    this.#assertOpen();
    this.#hub.emit(name, JSON.stringify(payload));
  }

  async subscribe<K extends keyof M & string>(name: K, handler: (...payload: M[K]) => void): Promise<Unsubscribe> {
    this.#assertOpen();
    const off = this.#hub.on(name, (...payload) => this.#call(name, handler as Handler, payload));
    this.#subscriptions.add(off);
    return async () => {
      off();
      this.#subscriptions.delete(off);
    };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const off of this.#subscriptions) off();
    this.#subscriptions.clear();
  }

  #call(name: string, handler: Handler, payload: unknown[]): void {
    try {
      const result = handler(...payload) as unknown;
      if (result instanceof Promise) result.catch((error: unknown) => this.#logHandlerError(name, error));
    } catch (error) {
      this.#logHandlerError(name, error);
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

import type { EventMap } from './events.ts';

export type Unsubscribe = () => Promise<void>;

/** An event map: event name → payload tuple. The app's is {@link EventMap}; contract tests use their own. */
export type EventMapShape<M> = { [K in keyof M]: unknown[] };

/**
 * Typed publish/subscribe.
 *
 * Semantics every adapter guarantees (checked by `runBusContract`):
 * - A message published after `subscribe` resolved reaches that handler exactly once, in every process that
 *   subscribed (the Redis adapter crosses processes; the memory adapter stays in one).
 * - Messages on one channel from one publisher arrive in publish order.
 * - Delivery is at-most-once: a subscriber that is not connected when a message is published misses it.
 *   Durable consumers (SSE replay) read the database, not the bus.
 * - Payloads are JSON: they arrive as a structural copy, never the publisher's object.
 * - A handler that throws does not stop delivery to other handlers.
 * - After `unsubscribe` resolves, the handler is not called again.
 */
export interface Bus<M extends EventMapShape<M> = EventMap> {
  publish<K extends keyof M & string>(name: K, ...payload: M[K]): Promise<void>;
  subscribe<K extends keyof M & string>(name: K, handler: (...payload: M[K]) => void): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

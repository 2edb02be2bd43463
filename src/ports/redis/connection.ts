/**
 * The one place that creates ioredis connections for the Redis adapters (cache, bus, queue).
 *
 * Every connection gets: a bounded connect timeout, a capped reconnect backoff that never gives up (Redis coming back
 * must heal the process without a restart), and an 'error' listener, because an EventEmitter 'error' without a
 * listener crashes Node. The listener logs once when an outage starts and once when the connection is ready again,
 * not once per reconnect attempt.
 *
 * Each adapter owns the connections it creates and closes them with {@link closeRedis} in its own `close()`.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger.ts';

export type { Redis };

/** The subset of a pino logger the Redis adapters use. */
export type AdapterLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * - `command`: request/response commands that must fail fast while Redis is away (cache, bus publisher, BullMQ
 *   producer). No offline queue: a call made while disconnected rejects at once instead of waiting for a reconnect.
 * - `subscriber`: a pub/sub connection; ioredis re-issues SUBSCRIBE for every channel after a reconnect.
 * - `worker`: BullMQ worker connections. BullMQ requires `maxRetriesPerRequest: null` for them (its blocking
 *   BZPOPMIN must survive reconnects; see https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest).
 */
export type RedisRole = 'command' | 'subscriber' | 'worker';

export interface CreateRedisOptions {
  role: RedisRole;
  /** Shown in `CLIENT LIST` (ioredis `connectionName`), e.g. `backbeat:bus:sub`. */
  name?: string;
  logger?: AdapterLogger;
  /** TCP connect timeout (default 5 s). */
  connectTimeoutMs?: number;
}

/** What {@link whenReady} needs to know about a connection created by {@link createRedis}. */
interface Health {
  everReady: boolean;
  /** The error that started the current outage; cleared on 'ready'. */
  lastError: Error | undefined;
}
const health = new WeakMap<Redis, Health>();

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Creates an ioredis connection for `url` with options for its role (see {@link RedisRole}). It starts connecting at
 * once, reconnects forever with a backoff capped at 2 s, and never emits an unhandled 'error'.
 */
export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const { role, logger } = options;
  const redis = new Redis(url, {
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS),
    ...(options.name ? { connectionName: options.name } : {}),
    ...(role === 'command' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : {}),
    ...(role === 'subscriber' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, autoResubscribe: true } : {}),
    ...(role === 'worker' ? { maxRetriesPerRequest: null } : {}),
  });
  const state: Health = { everReady: false, lastError: undefined };
  health.set(redis, state);
  redis.on('error', (err: Error) => {
    if (state.lastError) return;
    state.lastError = err;
    logger?.warn({ event: 'redis_down', role, name: options.name, err: err.message }, 'Redis connection lost');
  });
  redis.on('ready', () => {
    state.everReady = true;
    if (!state.lastError) return;
    state.lastError = undefined;
    logger?.info({ event: 'redis_up', role, name: options.name }, 'Redis connection restored');
  });
  return redis;
}

/**
 * Resolves when `redis` can take a command now. Only a connection still making its first attempt (the process is
 * starting) is waited for, up to `timeoutMs`; one that is reconnecting after an outage, or whose first attempt failed,
 * rejects at once, so callers (health checks, cache reads, publishes) fail fast instead of hanging.
 */
export async function whenReady(redis: Redis, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new Error('Redis connection is closed');
  const state = health.get(redis);
  if (state?.everReady || state?.lastError) {
    throw new Error(`Redis is not connected (${redis.status}): ${state.lastError?.message ?? 'reconnecting'}`);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms (${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new Error(`Redis is not connected: ${err.message}`));
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection is closed'));
    };
    function cleanup() {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    }
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('end', onEnd);
  });
}

/** PING with a deadline: rejects when Redis is not connected or does not answer within `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs = 2000): Promise<void> {
  await whenReady(redis, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis PING timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection created by {@link createRedis}: a polite QUIT when connected (bounded by `timeoutMs`), else an
 * immediate disconnect, which also stops reconnect attempts. Never rejects.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.quit(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } catch {
      // QUIT failed (the connection dropped meanwhile): disconnect below.
    } finally {
      clearTimeout(timer);
    }
  }
  // QUIT may have ended the connection meanwhile (TypeScript keeps the narrowing from the check above).
  if ((redis.status as string) !== 'end') redis.disconnect(false);
}

/**
 * PostgreSQL and Redis for the benches that also run scaled: finding out whether they answer (and saying which
 * versions), and a throw-away database and Redis key prefix per part, removed afterwards (also when the bench is
 * interrupted).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { createBenchDatabase, onExit, procCpuMs } from './lib.ts';

export interface Services {
  pgUrl: string | undefined;
  redisUrl: string | undefined;
  /** The Redis server's pid when it runs on this machine (its CPU time can be read from /proc). */
  redisPid: number | undefined;
  /** One line per service, for the header. */
  description: string;
  /** Why the parts that need PostgreSQL and Redis are skipped, when they are. */
  missing: string | undefined;
}

/** Connects to each once (3 s timeouts) and reports what answered; `noServices` skips both. */
export async function probeServices(options: {
  noServices: boolean;
  pgUrl: string;
  redisUrl: string;
}): Promise<Services> {
  if (options.noServices) {
    return {
      pgUrl: undefined,
      redisUrl: undefined,
      redisPid: undefined,
      description: 'not used (--no-services)',
      missing: 'PostgreSQL and Redis not used (--no-services)',
    };
  }
  const { pgUrl, redisUrl } = options;
  let pgLine: string;
  let pgOk = false;
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const rows = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    pgLine = `PostgreSQL ${rows.rows[0]?.v ?? '?'} at ${new URL(pgUrl).host}`;
    pgOk = true;
  } catch (err) {
    pgLine = `PostgreSQL unreachable at ${pgUrl} (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  let redisLine: string;
  let redisOk = false;
  let redisPid: number | undefined;
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const info = await redis.info('server');
    redisLine = `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${new URL(redisUrl).host}`;
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (Number.isInteger(pid) && procCpuMs(pid) !== undefined) redisPid = pid;
    redisOk = true;
  } catch (err) {
    redisLine = `Redis unreachable at ${redisUrl} (${(err as Error).message})`;
  } finally {
    redis.disconnect();
  }
  return {
    pgUrl: pgOk ? pgUrl : undefined,
    redisUrl: redisOk ? redisUrl : undefined,
    redisPid,
    description: `${pgLine}; ${redisLine}`,
    missing:
      pgOk && redisOk
        ? undefined
        : `${[pgOk ? '' : 'PostgreSQL', redisOk ? '' : 'Redis'].filter(Boolean).join(' and ')} unreachable`,
  };
}

/** Deletes every key under `prefix` (BullMQ queues, bus channels, rate-limit counters, share sessions). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Where a part stores: PGlite and the in-process adapters, or a throw-away database and Redis prefix. */
export interface Storage {
  mode: 'embedded' | 'scaled';
  pgUrl: string | undefined;
  redisUrl: string | undefined;
  prefix: string;
  close(): Promise<void>;
}

export const embeddedStorage = (): Storage => ({
  mode: 'embedded',
  pgUrl: undefined,
  redisUrl: undefined,
  prefix: 'backbeat',
  close: async () => undefined,
});

/**
 * A fresh PostgreSQL database and a Redis prefix of this run's own (`<bench>_<part>_<pid>_<random>`), both removed by
 * `close()`; or why not (the reason is printed where the part is skipped).
 */
export async function scaledStorage(services: Services, bench: string, part: string): Promise<Storage | string> {
  if (!services.pgUrl || !services.redisUrl) return services.missing ?? 'PostgreSQL or Redis unreachable';
  const created = await createBenchDatabase(services.pgUrl);
  if ('error' in created) return `PostgreSQL: ${created.error}`;
  const prefix = `bench_${bench}_${part}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const redisUrl = services.redisUrl;
  onExit(() => dropRedisPrefix(redisUrl, prefix));
  return {
    mode: 'scaled',
    pgUrl: created.url,
    redisUrl,
    prefix,
    close: async () => {
      await created.drop();
      await dropRedisPrefix(redisUrl, prefix);
    },
  };
}

import { sql } from 'drizzle-orm';
import { queryRows, type Database } from './db.ts';

/**
 * Named leases in the `cache_refreshes` table, shared by every process on one database: "one of us does this now".
 * A lease is taken with one atomic upsert (of any number of concurrent callers, one wins), released by its owner, and
 * lapses on its own after `leaseMs` when its holder died. Trending refreshes its document under one; Matches computes
 * a track under one (`match:{releaseId}:{trackIndex}`).
 */

/** Takes `key` for `owner` until `leaseMs` from now, unless another owner holds an unexpired lease. */
export async function claimLease(db: Database, key: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await queryRows<{ owner: string }>(
    db,
    sql`INSERT INTO cache_refreshes AS r (key, owner, lease_until, started_at)
        VALUES (${key}, ${owner}, clock_timestamp() + ${leaseMs} * interval '1 millisecond', clock_timestamp())
        ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
          started_at = EXCLUDED.started_at
        WHERE r.lease_until IS NULL OR r.lease_until < clock_timestamp()
        RETURNING owner`,
  );
  return rows.length === 1;
}

/**
 * Ends `owner`'s lease (a no-op when it no longer holds it) and counts the run. `retryAfterMs` (after a failure)
 * records when the next attempt should be made; null clears it.
 */
export async function releaseLease(
  db: Database,
  key: string,
  owner: string,
  retryAfterMs: number | null = null,
): Promise<void> {
  const retryAt =
    retryAfterMs === null ? sql`NULL` : sql`clock_timestamp() + ${retryAfterMs} * interval '1 millisecond'`;
  await db.execute(
    sql`UPDATE cache_refreshes SET owner = NULL, lease_until = NULL, finished_at = clock_timestamp(),
          refreshes = refreshes + 1, retry_at = ${retryAt}
        WHERE key = ${key} AND owner = ${owner}`,
  );
}

/** Whether someone holds an unexpired lease of `key`, and until when failures hold new attempts back. */
export async function leaseState(db: Database, key: string): Promise<{ held: boolean; retryAt: Date | null }> {
  const [row] = await queryRows<{ held: boolean; retry_at: Date | string | null }>(
    db,
    sql`SELECT (lease_until IS NOT NULL AND lease_until >= clock_timestamp()) AS held, retry_at
        FROM cache_refreshes WHERE key = ${key}`,
  );
  return { held: row?.held === true, retryAt: row?.retry_at ? new Date(row.retry_at) : null };
}

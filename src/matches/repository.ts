import { sql, type SQL } from 'drizzle-orm';
import type { Release } from '../domain/audio.ts';
import { queryRows, type Database } from '../infra/db.ts';
import type { CandidateView, Platform, TrackStatus } from './contract.ts';

/** A `track_matches` row (seed 003), camel-cased. */
export interface MatchRow {
  releaseId: number;
  trackIndex: number;
  platform: Platform;
  matchUrl: string;
  confidence: number;
  approved: boolean;
  verifiedBy: string | null;
  verifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A `track_match_details` row. */
export interface DetailsRow {
  releaseId: number;
  trackIndex: number;
  status: TrackStatus;
  chosen: CandidateView | null;
  runnerUp: CandidateView | null;
  candidates: CandidateView[];
  settledBy: 'release_videos' | 'search' | 'admin' | null;
  lastError: string | null;
  updatedAt: Date;
}

/** What one computation (or an admin) decides for a track. */
export interface TrackOutcome {
  status: TrackStatus;
  /** The match to store in `track_matches` (approved or awaiting review); null for no_match and deferred. */
  match: {
    platform: Platform;
    matchUrl: string;
    confidence: number;
    approved: boolean;
    verifiedBy: string | null;
  } | null;
  chosen: CandidateView | null;
  runnerUp: CandidateView | null;
  candidates: CandidateView[];
  settledBy: DetailsRow['settledBy'];
  lastError?: string | null;
}

interface RawMatch {
  release_id: string | number;
  track_index: number;
  platform: Platform;
  match_url: string;
  confidence: number;
  approved: boolean;
  verified_by: string | null;
  verified_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface RawDetails {
  release_id: string | number;
  track_index: number;
  status: TrackStatus;
  breakdown: CandidateView | null;
  runner_up: CandidateView | null;
  candidates: CandidateView[];
  settled_by: DetailsRow['settledBy'];
  last_error: string | null;
  updated_at: Date | string;
}

const toMatch = (r: RawMatch): MatchRow => ({
  releaseId: Number(r.release_id),
  trackIndex: Number(r.track_index),
  platform: r.platform,
  matchUrl: r.match_url,
  confidence: Number(r.confidence),
  approved: r.approved,
  verifiedBy: r.verified_by,
  verifiedAt: r.verified_at === null ? null : new Date(r.verified_at),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const toDetails = (r: RawDetails): DetailsRow => ({
  releaseId: Number(r.release_id),
  trackIndex: Number(r.track_index),
  status: r.status,
  chosen: r.breakdown,
  runnerUp: r.runner_up,
  candidates: r.candidates,
  settledBy: r.settled_by,
  lastError: r.last_error,
  updatedAt: new Date(r.updated_at),
});

/**
 * Everything of the Matches job that touches the database: seed 003's `track_matches` (tier 2), the details the
 * seed's table has no column for, rejected candidates, cached Discogs releases and the seed's maintenance queries.
 */
export class MatchesRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #rows<T>(query: SQL, db: Database = this.#db): Promise<T[]> {
    return queryRows<T>(db, query);
  }

  /** Runs `work` holding a lock on one track for the transaction (across processes), with a scoped repository. */
  async withTrackLock<T>(
    releaseId: number,
    trackIndex: number,
    work: (tx: MatchesRepository) => Promise<T>,
  ): Promise<T> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      // Two 32-bit keys: the release id's low bits and the track; collisions only serialise unrelated tracks.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${releaseId % 2_147_483_647}::int, ${trackIndex}::int)`);
      return work(new MatchesRepository(tx));
    });
  }

  async getMatch(releaseId: number, trackIndex: number): Promise<MatchRow | undefined> {
    const [row] = await this.#rows<RawMatch>(
      sql`SELECT * FROM track_matches WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`,
    );
    return row ? toMatch(row) : undefined;
  }

  async matchesOf(releaseId: number): Promise<Map<number, MatchRow>> {
    const rows = await this.#rows<RawMatch>(sql`SELECT * FROM track_matches WHERE release_id = ${releaseId}`);
    return new Map(rows.map((r) => [Number(r.track_index), toMatch(r)]));
  }

  async getDetails(releaseId: number, trackIndex: number): Promise<DetailsRow | undefined> {
    const [row] = await this.#rows<RawDetails>(
      sql`SELECT * FROM track_match_details WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`,
    );
    return row ? toDetails(row) : undefined;
  }

  async detailsOf(releaseId: number): Promise<Map<number, DetailsRow>> {
    const rows = await this.#rows<RawDetails>(sql`SELECT * FROM track_match_details WHERE release_id = ${releaseId}`);
    return new Map(rows.map((r) => [Number(r.track_index), toDetails(r)]));
  }

  /** Stores one track's outcome: its `track_matches` row (or none) and its details, in one transaction. */
  async storeOutcome(releaseId: number, trackIndex: number, outcome: TrackOutcome): Promise<MatchRow | undefined> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      let stored: MatchRow | undefined;
      if (outcome.match) {
        const m = outcome.match;
        const [row] = await this.#rows<RawMatch>(
          sql`INSERT INTO track_matches AS t (release_id, track_index, platform, match_url, confidence, approved,
                verified_by, verified_at, created_at, updated_at)
              VALUES (${releaseId}, ${trackIndex}, ${m.platform}, ${m.matchUrl}, ${m.confidence}, ${m.approved},
                ${m.verifiedBy}, CASE WHEN ${m.approved} THEN now() END, now(), now())
              ON CONFLICT (release_id, track_index) DO UPDATE SET platform = EXCLUDED.platform,
                match_url = EXCLUDED.match_url, confidence = EXCLUDED.confidence, approved = EXCLUDED.approved,
                verified_by = EXCLUDED.verified_by, verified_at = EXCLUDED.verified_at, updated_at = now()
              RETURNING *`,
          tx,
        );
        stored = row ? toMatch(row) : undefined;
      } else {
        await tx.execute(
          sql`DELETE FROM track_matches WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`,
        );
      }
      await tx.execute(
        sql`INSERT INTO track_match_details AS d (release_id, track_index, status, breakdown, runner_up, candidates,
              settled_by, last_error, updated_at)
            VALUES (${releaseId}, ${trackIndex}, ${outcome.status}, ${json(outcome.chosen)}, ${json(outcome.runnerUp)},
              ${JSON.stringify(outcome.candidates)}::jsonb, ${outcome.settledBy}, ${outcome.lastError ?? null}, now())
            ON CONFLICT (release_id, track_index) DO UPDATE SET status = EXCLUDED.status,
              breakdown = EXCLUDED.breakdown, runner_up = EXCLUDED.runner_up, candidates = EXCLUDED.candidates,
              settled_by = EXCLUDED.settled_by, last_error = EXCLUDED.last_error, updated_at = now()`,
      );
      return stored;
    });
  }

  /** Forgets one track (its match, details and rejections stay: rejected candidates are never proposed again). */
  async clear(releaseId: number, trackIndex: number): Promise<void> {
    await this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      await tx.execute(sql`DELETE FROM track_matches WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`);
      await tx.execute(
        sql`DELETE FROM track_match_details WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`,
      );
    });
  }

  async clearRelease(releaseId: number): Promise<number> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const rows = await this.#rows<{ track_index: number }>(
        sql`DELETE FROM track_matches WHERE release_id = ${releaseId} RETURNING track_index`,
        tx,
      );
      await tx.execute(sql`DELETE FROM track_match_details WHERE release_id = ${releaseId}`);
      return rows.length;
    });
  }

  async addRejection(
    releaseId: number,
    trackIndex: number,
    rejection: { matchUrl: string; platform: Platform; rejectedBy: string | null },
  ): Promise<void> {
    await this.#db.execute(
      sql`INSERT INTO track_match_rejections (release_id, track_index, match_url, platform, rejected_by)
          VALUES (${releaseId}, ${trackIndex}, ${rejection.matchUrl}, ${rejection.platform}, ${rejection.rejectedBy})
          ON CONFLICT DO NOTHING`,
    );
  }

  async rejectedUrls(releaseId: number, trackIndex: number): Promise<Set<string>> {
    const rows = await this.#rows<{ match_url: string }>(
      sql`SELECT match_url FROM track_match_rejections WHERE release_id = ${releaseId} AND track_index = ${trackIndex}`,
    );
    return new Set(rows.map((r) => r.match_url));
  }

  /** Tracks awaiting review, most confident first. */
  async reviewQueue(limit: number): Promise<{ match: MatchRow | undefined; details: DetailsRow }[]> {
    const rows = await this.#rows<RawDetails & { m_platform: Platform | null } & Partial<Record<string, unknown>>>(
      sql`SELECT d.*, m.platform AS m_platform, m.match_url AS m_match_url, m.confidence AS m_confidence,
            m.approved AS m_approved, m.verified_by AS m_verified_by, m.verified_at AS m_verified_at,
            m.created_at AS m_created_at, m.updated_at AS m_updated_at
          FROM track_match_details d
          LEFT JOIN track_matches m ON m.release_id = d.release_id AND m.track_index = d.track_index
          WHERE d.status = 'needs_review'
          ORDER BY m.confidence DESC NULLS LAST, d.updated_at, d.release_id, d.track_index
          LIMIT ${limit}`,
    );
    return rows.map((r) => ({
      details: toDetails(r),
      match:
        r.m_platform === null
          ? undefined
          : toMatch({
              release_id: r.release_id,
              track_index: r.track_index,
              platform: r.m_platform,
              match_url: r.m_match_url as string,
              confidence: r.m_confidence as number,
              approved: r.m_approved as boolean,
              verified_by: r.m_verified_by as string | null,
              verified_at: r.m_verified_at as Date | null,
              created_at: r.m_created_at as Date,
              updated_at: r.m_updated_at as Date,
            }),
    }));
  }

  /** Seed 003's statistics query, per platform. */
  async platformStats(): Promise<
    { platform: string; totalMatches: number; avgConfidence: number | null; approvedCount: number }[]
  > {
    const rows = await this.#rows<{
      platform: string;
      total_matches: number | string;
      avg_confidence: number | string | null;
      approved_count: number | string;
    }>(
      sql`SELECT platform, COUNT(*) AS total_matches, AVG(confidence) AS avg_confidence,
            COUNT(*) FILTER (WHERE approved = true) AS approved_count
          FROM track_matches GROUP BY platform ORDER BY platform`,
    );
    return rows.map((r) => ({
      platform: r.platform,
      totalMatches: Number(r.total_matches),
      avgConfidence: r.avg_confidence === null ? null : Math.round(Number(r.avg_confidence) * 1000) / 1000,
      approvedCount: Number(r.approved_count),
    }));
  }

  async statusCounts(): Promise<Record<string, number>> {
    const rows = await this.#rows<{ status: string; n: number | string }>(
      sql`SELECT status, count(*) AS n FROM track_match_details GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Seed 003's maintenance: unapproved matches older than `days` are removed (with their details). */
  async cleanupUnapproved(days: number): Promise<number> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const rows = await this.#rows<{ release_id: string | number; track_index: number }>(
        sql`DELETE FROM track_matches WHERE approved = false AND created_at < now() - ${days} * interval '1 day'
            RETURNING release_id, track_index`,
        tx,
      );
      for (const r of rows) {
        await tx.execute(
          sql`DELETE FROM track_match_details WHERE release_id = ${r.release_id} AND track_index = ${r.track_index}`,
        );
      }
      return rows.length;
    });
  }

  /** Tracks a platform's empty bucket deferred, oldest first. */
  async deferredTracks(limit: number): Promise<{ releaseId: number; trackIndex: number }[]> {
    const rows = await this.#rows<{ release_id: string | number; track_index: number }>(
      sql`SELECT release_id, track_index FROM track_match_details WHERE status = 'deferred'
          ORDER BY updated_at, release_id, track_index LIMIT ${limit}`,
    );
    return rows.map((r) => ({ releaseId: Number(r.release_id), trackIndex: Number(r.track_index) }));
  }

  async getRelease(id: number): Promise<Release | undefined> {
    const [row] = await this.#rows<{ release: Release }>(sql`SELECT release FROM discogs_releases WHERE id = ${id}`);
    return row?.release;
  }

  async saveRelease(release: Release): Promise<void> {
    await this.#db.execute(
      sql`INSERT INTO discogs_releases (id, release, fetched_at) VALUES (${release.id}, ${JSON.stringify(release)}::jsonb, now())
          ON CONFLICT (id) DO UPDATE SET release = EXCLUDED.release, fetched_at = now()`,
    );
  }
}

const json = (value: unknown) =>
  value === null || value === undefined ? sql`NULL` : sql`${JSON.stringify(value)}::jsonb`;

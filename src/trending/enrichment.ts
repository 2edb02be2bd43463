import type { Album, MusicBrainzCandidate } from '../domain/album.ts';
import type { Logger } from '../infra/logger.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { Bus } from '../ports/bus.ts';
import type { Queue } from '../ports/queue.ts';
import { chooseMusicBrainzMatch } from './mb-match.ts';
import { presentMatch } from './present.ts';
import { storedMatch, type TrendingRepository } from './repository.ts';

/** The queue job that searches MusicBrainz for one album. */
export const ENRICH_JOB = 'trending.musicbrainz';

/** The deterministic job id of an album's search: queuing it twice while it waits or runs is a no-op. */
export const enrichJobId = (albumId: string) => `musicbrainz:${albumId}`;

/** What enrichment needs of MusicBrainz: the candidates for one album. */
export type CandidateSearch = (album: Album) => Promise<readonly MusicBrainzCandidate[]>;

export interface EnricherOptions {
  repository: TrendingRepository;
  search: CandidateSearch;
  queue: Queue;
  bus: Bus;
  logger: Logger;
  /** `cache_data.key` whose `metadata.mbMatches` mirrors the outcomes. */
  cacheKey: string;
  /** Searches that failed (not counting "slow down" answers) before the album is marked `failed`. */
  maxAttempts: number;
}

export type EnrichOutcome = 'matched' | 'no_match' | 'failed' | 'retry' | 'already_decided';

/**
 * MusicBrainz enrichment: one queue job per album (deterministic id), queued newest release first.
 *
 * Exactly-once per album, across crashes: the outcome row (`musicbrainz_matches`) is the source of truth. A job first
 * reads it and does nothing for an album already decided, so a job that runs again (a stalled BullMQ job taken over,
 * an album queued again after a restart) never searches twice; and every album still `queued` is queued again when a
 * worker starts, so none is skipped when an in-memory queue died with its process. The only search that can repeat
 * is one in flight at the moment its process was killed, whose answer never reached the database.
 *
 * Pacing is the `musicbrainz` bucket's (one token per request, shared by every process through the database); a
 * refused token or a 503 is a rate-limit error, which the queue answers by pausing the job name, not by spending an
 * attempt.
 */
export class Enricher {
  readonly #repo: TrendingRepository;
  readonly #search: CandidateSearch;
  readonly #queue: Queue;
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #cacheKey: string;
  readonly #maxAttempts: number;

  constructor(options: EnricherOptions) {
    this.#repo = options.repository;
    this.#search = options.search;
    this.#queue = options.queue;
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#cacheKey = options.cacheKey;
    this.#maxAttempts = options.maxAttempts;
  }

  /** Queues a search for each album, in the order given (newest first). */
  async enqueue(albumIds: readonly string[]): Promise<void> {
    for (const albumId of albumIds) await this.#queue.add(ENRICH_JOB, { albumId }, { jobId: enrichJobId(albumId) });
  }

  /** Queues every album still without a decision (at worker start, so nothing is skipped after a crash). */
  async enqueuePending(): Promise<number> {
    const ids = await this.#repo.pendingAlbumIds();
    await this.enqueue(ids);
    return ids.length;
  }

  /** The job: searches MusicBrainz for one album and stores the outcome, unless it already has one. */
  async enrich(albumId: string): Promise<EnrichOutcome> {
    const current = await this.#repo.getMatch(albumId);
    if (!current || current.status !== 'queued') return 'already_decided';
    const album = await this.#repo.getAlbum(albumId);
    if (!album) return 'already_decided';

    let candidates: readonly MusicBrainzCandidate[];
    try {
      candidates = await this.#search(album);
    } catch (err) {
      // Our bucket refused: nothing was sent. The queue waits the bucket's time and runs the job again.
      if (err instanceof RateLimitedError) throw err;
      if (err instanceof UpstreamRateLimitedError) {
        await this.#repo.logRequest(albumId, String(err.status));
        throw err;
      }
      await this.#repo.logRequest(albumId, 'error');
      const message = err instanceof Error ? err.message : String(err);
      const attempts = await this.#repo.countAttempt(albumId, message);
      const permanent = err instanceof UpstreamError && !err.retryable;
      if (!permanent && attempts < this.#maxAttempts) {
        this.#logger.warn({ event: 'musicbrainz_search_failed', albumId, attempts, err }, 'will retry');
        throw err;
      }
      this.#logger.warn({ event: 'musicbrainz_search_gave_up', albumId, attempts, err }, 'album marked failed');
      await this.#store(albumId, {
        status: 'failed',
        releaseGroupId: null,
        releaseId: null,
        confidence: null,
        mbScore: null,
        reason: `MusicBrainz search failed ${attempts} time${attempts === 1 ? '' : 's'}`,
        lastError: message,
      });
      return 'failed';
    }
    await this.#repo.logRequest(albumId, 'ok');

    const decision = chooseMusicBrainzMatch(album, candidates);
    const chosen = decision.status === 'matched' ? decision.candidate : null;
    await this.#store(albumId, {
      status: chosen ? 'matched' : 'no_match',
      releaseGroupId: chosen?.releaseGroupId ?? null,
      releaseId: chosen?.releaseId ?? null,
      confidence: decision.confidence,
      mbScore: decision.mbScore,
      reason: decision.reason,
    });
    return chosen ? 'matched' : 'no_match';
  }

  async #store(albumId: string, decision: Parameters<TrendingRepository['decide']>[1]): Promise<void> {
    const row = await this.#repo.decide(albumId, decision, this.#cacheKey);
    if (!row) return; // decided meanwhile by another run: its event went out
    const match = presentMatch(storedMatch(row));
    if (!match) return;
    this.#logger.info(
      { event: 'musicbrainz_decided', albumId, status: row.status, releaseGroupId: row.releaseGroupId },
      'album enriched',
    );
    await this.#bus
      .publish('musicbrainz_match', { albumId, match })
      .catch((err: unknown) => this.#logger.warn({ event: 'musicbrainz_publish_failed', albumId, err }));
  }
}

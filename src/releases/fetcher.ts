import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RateLimitedError, UpstreamFailure, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Bus } from '../ports/bus.ts';
import { UnrecoverableJobError } from '../ports/queue.ts';
import { albumKey } from './album-key.ts';
import { fingerprint } from './fingerprint.ts';
import type { MapResult, ReleaseInput } from '../domain/music.ts';
import type { ReleaseEvent, RunError, RunSummary } from './contract.ts';
import type { Presenter } from './present.ts';
import type { EventRow, ReleasesRepository, RunRow, SongRow, SongWrite } from './repository.ts';

/** One upstream source of new releases (JioSaavn today), already mapped to the domain model. */
export interface ReleaseSourceAdapter {
  readonly name: string;
  fetchPage(request: { language: string; page: number; size: number }): Promise<MapResult & { lastPage: boolean }>;
}

export type { RunSummary };

/**
 * Pure: how a finished run ends its queue job. A run that fetched something (`succeeded`, `partial`) completes the
 * job: what failed is recorded on the run and the next tick tries again. A run that fetched nothing fails it the way
 * the queue understands (`classifyJobError`): rate limited → the job waits out the longest `retryAfterMs` and runs
 * again without using an attempt; only permanent upstream errors (4xx, blocked) → unrecoverable; anything else → a
 * transient failure.
 */
export function runFailure(summary: RunSummary): Error | undefined {
  if (summary.status !== 'failed') return undefined;
  const limited = summary.errors.filter((e) => e.code === 'rate_limited');
  if (limited.length > 0) {
    const retryAfterMs = Math.max(...limited.map((e) => e.retryAfterMs ?? 0));
    return new RateLimitedError(limited[0]!.source, { reason: 'paused', retryAfterMs, attempts: 0 });
  }
  const detail = summary.errors.map((e) => `${e.source}${e.language ? `/${e.language}` : ''}: ${e.code}`).join('; ');
  const message = `fetch run ${summary.runId} failed (${detail || 'no detail'})`;
  const permanent = summary.errors.length > 0 && summary.errors.every((e) => PERMANENT_CODES.has(e.code));
  return permanent ? new UnrecoverableJobError(message) : new Error(message);
}

/** Run error codes (upstream error kinds) that another attempt cannot fix. */
const PERMANENT_CODES: ReadonlySet<string> = new Set(['client', 'blocked']);

/** Pure: a mapped upstream item as the repository writes it (its album key and fingerprint computed). */
export function toSongWrite(item: ReleaseInput): SongWrite {
  return {
    source: item.source,
    externalId: item.externalId,
    title: item.title,
    artists: item.artists,
    album: item.album.name,
    albumKey: albumKey(item),
    albumExternalId: item.album.externalId,
    language: item.language,
    releaseDate: item.releaseDate,
    imageUrl: item.imageUrl,
    url: item.url,
    durationSeconds: item.durationSeconds,
    kind: item.kind,
    metadata: item.raw,
    fingerprint: fingerprint(item),
  };
}

export function summarize(run: RunRow): RunSummary {
  return {
    runId: run.id,
    status: run.status,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    fetched: run.fetched,
    newSongs: run.newSongs,
    newAlbums: run.newAlbums,
    updated: run.updated,
    rateLimited: run.rateLimited,
    errors: run.errors,
  };
}

export interface FetcherOptions {
  repository: ReleasesRepository;
  sources: readonly ReleaseSourceAdapter[];
  bus: Bus;
  logger: Logger;
  languages: readonly string[];
  pages: number;
  pageSize: number;
  /** Builds the pushed/persisted release JSON of a song. */
  present: Presenter;
  clock?: () => Date;
  /**
   * How often a running run renews its lease (default 2 s), and after how long without a renewal it counts as dead
   * and is taken over by the next trigger (default 10 s).
   */
  heartbeatMs?: number;
  staleAfterMs?: number;
  onRunFinished?: (run: RunSummary) => void;
  /** Called after a page changed stored releases and after each run (list caches drop their pages). */
  onDataChanged?: () => Promise<void>;
}

export interface TriggerResult {
  run: RunSummary;
  /** False when a run was already in flight (in this or another process): `run` is that one. */
  started: boolean;
  /**
   * Settles with the final summary of `run`. When `run` belongs to another process the database is polled, and if
   * that process stops renewing its lease the run is taken over: `done` then settles with the run that replaced it.
   */
  done: Promise<RunSummary>;
}

type Trigger = 'schedule' | 'manual' | 'cli';

/** How often a process waiting on another process's run polls it. */
const WAIT_POLL_MS = 250;

/**
 * The fetcher job: one run walks every source × language × page under the token bucket, writes each page in one
 * transaction, and publishes that page's events after commit. At most one run is in flight across all processes
 * (the `fetch_runs` partial unique index); a trigger during a run gets that run back.
 */
export class ReleaseFetcher {
  readonly #o: Required<Omit<FetcherOptions, 'onRunFinished' | 'onDataChanged'>> &
    Pick<FetcherOptions, 'onRunFinished' | 'onDataChanged'>;
  readonly #owner = `${hostname()}:${process.pid}`;
  readonly #inFlight = new Map<string, Promise<RunSummary>>();

  constructor(options: FetcherOptions) {
    this.#o = { clock: () => new Date(), heartbeatMs: 2_000, staleAfterMs: 10_000, ...options };
  }

  /**
   * Starts a run unless one is in flight; see {@link TriggerResult}. A run of this process is joined without asking
   * the database (it is alive, whatever its last heartbeat says); a run of another process is taken over when its
   * heartbeat is older than the lease (`staleAfterMs`).
   */
  async trigger(trigger: Trigger): Promise<TriggerResult> {
    const [localId, localDone] = [...this.#inFlight][0] ?? [];
    if (localId !== undefined && localDone) {
      const current = await this.#o.repository.getRun(localId);
      if (current?.status === 'running') return { run: summarize(current), started: false, done: localDone };
    }
    const { run, started } = await this.#o.repository.startRun(
      randomUUID(),
      trigger,
      this.#owner,
      this.#o.staleAfterMs,
    );
    if (!started) {
      const local = this.#inFlight.get(run.id);
      return { run: summarize(run), started: false, done: local ?? this.waitFor(run.id, { takeOver: trigger }) };
    }
    const done = this.#execute(run).finally(() => this.#inFlight.delete(run.id));
    this.#inFlight.set(run.id, done);
    return { run: summarize(run), started: true, done };
  }

  /** The most recent runs, newest first. */
  async recent(limit: number): Promise<RunSummary[]> {
    return (await this.#o.repository.listRuns(limit)).map(summarize);
  }

  /** The stored summary of a run, or undefined. */
  async get(runId: string): Promise<RunSummary | undefined> {
    const run = await this.#o.repository.getRun(runId);
    return run ? summarize(run) : undefined;
  }

  /**
   * Resolves when the run is no longer `running` (or after `timeoutMs`, with its current state). Never waits on a
   * dead run: once its heartbeat is older than the lease, the run is marked `abandoned` and, with `takeOver`, a new
   * run is triggered (or joined) and followed instead; without it, the abandoned state is returned.
   */
  async waitFor(runId: string, options: { timeoutMs?: number; takeOver?: Trigger } = {}): Promise<RunSummary> {
    const local = this.#inFlight.get(runId);
    if (local) return local;
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const lease = await this.#o.repository.runLease(runId, this.#o.staleAfterMs);
      if (!lease) throw new Error(`unknown run ${runId}`);
      if (lease.stale) {
        const abandoned = await this.#o.repository.abandonStale(this.#o.staleAfterMs);
        this.#o.logger.warn({ event: 'fetch_run_abandoned', runId, owner: lease.run.owner, by: 'waiter', abandoned });
        if (options.takeOver) return (await this.trigger(options.takeOver)).done;
        continue; // read it again: `abandoned` now (or finished, if it renewed its lease meanwhile)
      }
      if (lease.run.status !== 'running' || Date.now() >= deadline) return summarize(lease.run);
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }

  /** Resolves when every run this process started has finished (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Publishes committed events that were never published (their process died after commit), oldest first. */
  async publishOutbox(): Promise<number> {
    const pending = await this.#o.repository.unnotifiedEvents();
    await this.#publish(pending);
    return pending.length;
  }

  async #publish(events: readonly EventRow[]): Promise<void> {
    const sent: number[] = [];
    try {
      for (const event of events) {
        const payload: ReleaseEvent = {
          eventId: event.id,
          type: event.type,
          release: event.payload,
          detectedAt: event.detectedAt.toISOString(),
        };
        await this.#o.bus.publish(event.type, payload);
        sent.push(event.id);
      }
    } catch (err) {
      // The bus is down: the events stay unnotified and the next run publishes them; SSE clients get them on replay.
      this.#o.logger.warn({
        event: 'publish_failed',
        err: (err as Error).message,
        pending: events.length - sent.length,
      });
    }
    await this.#o.repository.markNotified(sent);
  }

  async #execute(run: RunRow): Promise<RunSummary> {
    const { logger, repository } = this.#o;
    const totals = { fetched: 0, newSongs: 0, newAlbums: 0, updated: 0, rateLimited: false, errors: [] as RunError[] };
    let pagesOk = 0;
    const lease = { lost: false };
    const heartbeat = setInterval(() => {
      repository.heartbeat(run.id).then(
        (held) => {
          if (held || lease.lost) return;
          // Another process saw no renewal within the lease and took the run over: stop before the next page.
          lease.lost = true;
          logger.warn({ event: 'fetch_run_lease_lost', runId: run.id });
        },
        (err: unknown) => {
          logger.warn({ event: 'run_heartbeat_failed', runId: run.id, err: (err as Error).message });
        },
      );
    }, this.#o.heartbeatMs);
    heartbeat.unref();
    logger.info({ event: 'fetch_run_started', runId: run.id, trigger: run.trigger });
    try {
      await this.publishOutbox();
      for (const source of this.#o.sources) {
        if (lease.lost) break;
        const outcome = await this.#runSource(source, run.id, totals, lease);
        pagesOk += outcome.pagesOk;
        if (lease.lost) break; // the process that took the run over records the source's state
        const at = this.#o.clock();
        if (outcome.error) {
          await repository.recordSource(source.name, {
            ok: false,
            at,
            error: outcome.error,
            anySuccess: outcome.pagesOk > 0,
          });
        } else {
          await repository.recordSource(source.name, { ok: true, at });
        }
      }
    } catch (err) {
      totals.errors.push({ source: 'releases', code: 'internal', message: (err as Error).message });
      logger.error({ event: 'fetch_run_crashed', runId: run.id, err });
    } finally {
      clearInterval(heartbeat);
    }
    const problems = totals.errors.length > 0 || totals.rateLimited;
    const status: RunRow['status'] = !problems ? 'succeeded' : pagesOk > 0 ? 'partial' : 'failed';
    const finished = await repository.finishRun(run.id, { status, ...totals });
    if (!finished) lease.lost = true;
    await repository.analyze().catch((err: unknown) => {
      logger.warn({ event: 'analyze_failed', err: (err as Error).message });
    });
    await this.#o.onDataChanged?.();
    const summary = summarize(
      finished ?? {
        ...run,
        ...totals,
        status: lease.lost ? 'abandoned' : status,
        finishedAt: this.#o.clock(),
      },
    );
    logger.info({ event: 'fetch_run_finished', ...summary });
    this.#o.onRunFinished?.(summary);
    return summary;
  }

  /** Walks one source; stops it cleanly when the bucket is empty or the upstream asked us to wait. */
  async #runSource(
    source: ReleaseSourceAdapter,
    runId: string,
    totals: {
      fetched: number;
      newSongs: number;
      newAlbums: number;
      updated: number;
      rateLimited: boolean;
      errors: RunError[];
    },
    lease: { readonly lost: boolean },
  ): Promise<{ pagesOk: number; error?: string }> {
    const { logger } = this.#o;
    let pagesOk = 0;
    let lastError: string | undefined;
    for (const language of this.#o.languages) {
      for (let page = 1; page <= this.#o.pages; page++) {
        if (lease.lost) return { pagesOk };
        logger.info({ event: 'fetch_attempt', source: source.name, language, page });
        let result: MapResult & { lastPage: boolean };
        try {
          result = await source.fetchPage({ language, page, size: this.#o.pageSize });
        } catch (err) {
          if (err instanceof RateLimitedError || err instanceof UpstreamRateLimitedError) {
            totals.rateLimited = true;
            const retryAfterMs = err.retryAfterMs;
            logger.warn({
              event: 'fetch_rate_limited',
              source: source.name,
              language,
              page,
              retryAfterMs,
              reason: err instanceof RateLimitedError ? err.reason : 'upstream_429',
            });
            const message = err instanceof RateLimitedError ? `rate limited (${err.reason})` : 'upstream answered 429';
            totals.errors.push({
              source: source.name,
              language,
              page,
              code: 'rate_limited',
              message,
              retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)),
            });
            return { pagesOk, error: message };
          }
          const code = err instanceof UpstreamFailure && 'kind' in err ? String(err.kind) : 'error';
          const message = (err as Error).message;
          logger.warn({ event: 'fetch_failed', source: source.name, language, page, code, err: message });
          totals.errors.push({ source: source.name, language, page, code, message });
          lastError = message;
          break; // the next pages of this language would most likely fail the same way; try the next language
        }
        pagesOk++;
        totals.fetched += result.items.length;
        for (const skipped of result.skipped) {
          logger.warn({ event: 'item_skipped', source: source.name, language, page, ...skipped });
        }
        await this.#ingest(result, runId, totals);
        logger.info({ event: 'fetch_success', source: source.name, language, page, count: result.items.length });
        if (result.lastPage) break;
      }
    }
    return lastError === undefined ? { pagesOk } : { pagesOk, error: lastError };
  }

  /** One log line per song, with the fields operators grep for. */
  #logSongs(event: string, songs: readonly SongRow[]): void {
    for (const song of songs) {
      this.#o.logger.info({
        event,
        songId: song.id,
        externalId: song.externalId,
        title: song.title,
        album: song.album,
        language: song.language,
        featured: song.featured,
      });
    }
  }

  async #ingest(
    result: MapResult,
    runId: string,
    totals: { newSongs: number; newAlbums: number; updated: number },
  ): Promise<void> {
    const writes = result.items.map(toSongWrite);
    const now = this.#o.clock();
    const outcome = await this.#o.repository.ingestPage(writes, {
      runId,
      now,
      payloadOf: (song) => this.#o.present({ ...song, featured: true }, now),
    });
    if (outcome.inserted.length > 0 || outcome.updated.length > 0) await this.#o.onDataChanged?.();
    totals.newSongs += outcome.inserted.length;
    totals.newAlbums += outcome.newlyFeatured.length;
    totals.updated += outcome.updated.length;
    this.#logSongs('new_song_detected', outcome.inserted);
    this.#logSongs('new_album_featured', outcome.newlyFeatured);
    this.#logSongs('release_updated', outcome.updated);
    // Publish through the outbox rather than just this page's events: if an earlier page's publish failed (bus
    // down), its events go out first, so no client ever sees a later event before an earlier one.
    await this.publishOutbox();
  }
}

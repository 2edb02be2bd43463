import { formatSseEvent, type SseConnection, type SseHub } from '../http/sse.ts';
import type { Logger } from '../infra/logger.ts';
import type { ReleaseEvent } from './contract.ts';
import type { EventRow, ReleasesRepository } from './repository.ts';

/** The SSE frame of one stored event: `id:` is the database event id, `event:` its type, `data:` one JSON line. */
export function eventFrame(event: ReleaseEvent): Buffer {
  return formatSseEvent({ id: event.eventId, event: event.type, data: event });
}

function payloadOf(row: EventRow): ReleaseEvent {
  return { eventId: row.id, type: row.type, release: row.payload, detectedAt: row.detectedAt.toISOString() };
}

/**
 * The `GET /api/new-releases/events` stream: live events from the bus, serialized once and fanned out by the hub,
 * and gapless reconnection. A client that sends `Last-Event-ID` (header, or `?lastEventId=`) gets every event it
 * missed, in order, from the database, then live ones, with no duplicate across the seam (the hub buffers live frames
 * while the replay is read and drops those the replay covered). When it missed more than `replayLimit` events, or
 * names an id the database never had, it gets one `reset` event instead (and should refetch the list).
 *
 * The HTTP layer validates the id and opens the connection; this class only decides what to replay:
 *
 * ```ts
 * const lastEventId = parseLastEventId(request); // 400 before any byte of the stream
 * await stream.connect(stream.hub.open(request, reply), lastEventId);
 * ```
 */
export class ReleaseStream {
  readonly #hub: SseHub;
  readonly #repo: ReleasesRepository;
  readonly #replayLimit: number;
  readonly #logger: Logger;

  constructor(options: { hub: SseHub; repository: ReleasesRepository; replayLimit: number; logger: Logger }) {
    this.#hub = options.hub;
    this.#repo = options.repository;
    this.#replayLimit = options.replayLimit;
    this.#logger = options.logger;
  }

  get hub(): SseHub {
    return this.#hub;
  }

  /** Sends one event (from the bus) to every connected client. */
  broadcast(event: ReleaseEvent): void {
    this.#hub.broadcast(eventFrame(event), event.eventId);
  }

  /**
   * Replays what a client missed after `lastEventId` onto `connection` (opened just before, so live events
   * published meanwhile are buffered by the hub), then lets it go live. Never rejects: when the replay cannot be
   * read the connection is closed and the client reconnects.
   */
  async connect(connection: SseConnection, lastEventId: number | undefined): Promise<void> {
    try {
      if (lastEventId !== undefined) {
        const missed = await this.#repo.eventsAfter(lastEventId, this.#replayLimit + 1);
        const latest = missed.length > 0 ? missed.at(-1)!.id : await this.#repo.latestEventId();
        if (missed.length > this.#replayLimit || lastEventId > latest) {
          const newest = await this.#repo.latestEventId();
          const reason = lastEventId > latest ? 'unknown_event_id' : 'replay_window_exceeded';
          const frame = formatSseEvent({ id: newest, event: 'reset', data: { reason, lastEventId: newest } });
          await connection.replay([frame], newest);
        } else if (missed.length > 0) {
          await connection.replay(
            missed.map((row) => eventFrame(payloadOf(row))),
            latest,
          );
        } else {
          await connection.replay([], lastEventId);
        }
      }
      connection.goLive();
    } catch (err) {
      this.#logger.warn({ event: 'sse_replay_failed', connectionId: connection.id, err: (err as Error).message });
      connection.close();
    }
  }
}

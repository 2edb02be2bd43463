/**
 * Server-Sent Events hub for Fastify: serialize-once fan-out, a replay-then-live handshake, one shared heartbeat and a
 * drop policy for clients that cannot keep up.
 *
 * Why hand-written rather than @fastify/sse or better-sse: both format every event once per connection
 * (`reply.sse.send()` per reply; better-sse's `Channel.broadcast()` calls `session.push()` on each session), and
 * @fastify/sse runs one heartbeat timer per connection. With 10,000 listeners that is 10,000 strings and timers per
 * event. Here an event becomes one Buffer (plus one chunk-framed copy) and the same bytes are handed to every socket,
 * so a backlog on slow sockets shares memory; a socket whose user-space write buffer passes `maxBufferedBytes` is
 * destroyed instead of growing without bound (DESIGN.md, "Real-time contract").
 *
 * The response is written straight to the hijacked socket (status line, headers, then `Transfer-Encoding: chunked`
 * framing we add once per event) so a broadcast costs one `socket.write()` per connection and nothing else.
 * HTTP/1.0 peers (nginx's default `proxy_http_version`) get an unframed body delimited by connection close.
 *
 * Shutdown: register `app.addHook('preClose', () => hub.close())`. Fastify runs `preClose` before `server.close()`,
 * which waits for every connection; an `onClose` hook would run only after that wait, i.e. never.
 */
import type { Socket } from 'node:net';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** One event as the SSE wire format knows it (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  /** Becomes the client's `lastEventId` (and its `Last-Event-ID` header on reconnect). No CR, LF or NUL. */
  id?: string | number;
  /** Event type the browser dispatches (`addEventListener(type)`); absent means `message`. No CR or LF. */
  event?: string;
  /** A string is sent as is (one `data:` line per line); anything else is JSON-encoded on one line. */
  data: string | object;
  /** Reconnection delay in milliseconds the client should use from now on. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function assertSingleLine(field: 'id' | 'event', value: string): void {
  if (value.includes('\n') || value.includes('\r')) {
    throw new TypeError(`SSE ${field} must not contain CR or LF: ${JSON.stringify(value)}`);
  }
}

/**
 * Formats one event as a complete frame (terminated by the blank line). Throws a TypeError when `id` or `event`
 * contains CR/LF (which would let data forge extra fields), when `id` contains NUL (browsers ignore such ids), and a
 * RangeError when `retry` is not a non-negative integer. Multi-line string data is split into several `data:` lines
 * (CRLF, CR and LF all count as line breaks, as the parser does).
 */
export function formatSseEvent(event: SseEvent): Buffer {
  let out = '';
  if (event.id !== undefined) {
    if (typeof event.id === 'number' && !Number.isFinite(event.id)) {
      throw new TypeError(`SSE id must be a finite number: ${event.id}`);
    }
    const id = String(event.id);
    assertSingleLine('id', id);
    if (id.includes('\0')) throw new TypeError('SSE id must not contain NUL');
    out += `id: ${id}\n`;
  }
  if (event.event !== undefined) {
    assertSingleLine('event', event.event);
    out += `event: ${event.event}\n`;
  }
  if (event.retry !== undefined) {
    if (!Number.isSafeInteger(event.retry) || event.retry < 0) {
      throw new RangeError(`SSE retry must be a non-negative integer: ${event.retry}`);
    }
    out += `retry: ${event.retry}\n`;
  }
  const data = typeof event.data === 'string' ? event.data : (JSON.stringify(event.data) as string | undefined);
  if (data === undefined) throw new TypeError('SSE data is not JSON-serializable');
  for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return Buffer.from(`${out}\n`, 'utf8');
}

/** Formats a comment frame (`: text`), one comment line per line of `text`; clients ignore it. */
export function formatSseComment(text: string): Buffer {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return Buffer.from(`${out}\n`, 'utf8');
}

const ID_PATTERN = /^\d{1,16}$/;

function parseId(value: unknown): number | undefined {
  const raw = Array.isArray(value) ? (value as unknown[]).at(-1) : value;
  if (typeof raw !== 'string') return undefined;
  const trimmed = raw.trim();
  if (!ID_PATTERN.test(trimmed)) return undefined;
  const id = Number(trimmed);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The numeric id of the last event the client has, from the `Last-Event-ID` header or else the `lastEventId` query
 * parameter (a fresh `EventSource` cannot set headers, so a page passes its cached id in the URL). The header wins:
 * on automatic reconnection the browser reuses the original URL but sends the newer id in the header. Values that
 * are not non-negative safe integers are ignored.
 */
export function parseLastEventId(request: Pick<FastifyRequest, 'headers' | 'query'>): number | undefined {
  const fromHeader = parseId(request.headers['last-event-id']);
  if (fromHeader !== undefined) return fromHeader;
  const query: unknown = request.query;
  if (query === null || typeof query !== 'object') return undefined;
  return parseId((query as Record<string, unknown>).lastEventId);
}

/** Why a connection left the hub. `slow`: dropped because its write buffer passed `maxBufferedBytes`. */
export type SseCloseReason = 'client' | 'server' | 'slow';

/** `pending`: headers sent, live frames buffered until `goLive()`; `live`: receives broadcasts; `closed`: gone. */
export type SseConnectionState = 'pending' | 'live' | 'closed';

/** One client stream, as returned by {@link SseHub.open}. */
export interface SseConnection {
  /** Hub-local sequence number, for logs. */
  readonly id: number;
  readonly state: SseConnectionState;
  /** Highest event id covered by replay; broadcasts with an id at or below it are never sent to this client. */
  readonly lastReplayedId: number | undefined;
  /** Resolves (never rejects) when the connection leaves the hub. */
  readonly closed: Promise<SseCloseReason>;
  /**
   * Writes replay frames (already formatted, oldest first) while the connection is pending, and raises the
   * dedup watermark to `lastReplayedId`. May be called several times (paged replay). Resolves once the socket has
   * drained, so a large replay does not count against the live drop limit; resolves at once if the client is gone.
   * Throws when the connection is already live.
   */
  replay(frames: Iterable<Buffer>, lastReplayedId?: number): Promise<void>;
  /**
   * Ends the pending phase: writes the live frames buffered since `open()` whose id is above the replay watermark
   * (frames without an id are always written), in broadcast order, then receives broadcasts directly. Idempotent.
   */
  goLive(): void;
  /**
   * Writes one frame to this connection only (e.g. a per-client notice) once live, subject to the same watermark
   * and drop policy as a broadcast. Returns false when it was not written.
   */
  send(frame: Buffer, eventId?: number): boolean;
  /** Ends the stream gracefully; an `EventSource` reconnects after the `retry` delay. */
  close(): void;
}

/** Options of {@link SseHub.open}. */
export interface SseOpenOptions {
  /**
   * Topics this client subscribes to. A frame broadcast with a topic reaches only connections whose set contains
   * it; frames without a topic, and connections without a set, are unfiltered.
   */
  topics?: Iterable<string>;
}

/** Options of {@link SseHub.attach}: `open()` options plus the replay written before live frames. */
export interface SseAttachOptions extends SseOpenOptions {
  /** Replay frames, oldest first, written right after `retry:` and before any live frame. */
  initial?: readonly Buffer[];
  /** The id of the last replayed event (or the client's `Last-Event-ID` when nothing was replayed). */
  lastReplayedId?: number;
}

/** Constructor options of {@link SseHub}. */
export interface SseHubOptions {
  /** Interval of the shared `: ping` comment, in ms; at most 15,000 (the real-time contract). */
  heartbeatMs: number;
  /** Reconnection delay sent once per connection as `retry:`, in ms. */
  retryMs: number;
  /**
   * A live connection whose socket holds more unsent bytes than this is destroyed; a pending one is dropped when
   * the live frames buffered for it pass this size. Default 256 KiB.
   */
  maxBufferedBytes?: number;
  /** How long `close()` lets the final bytes and FIN flush before destroying the sockets left. Default 2,000 ms. */
  closeGraceMs?: number;
  logger?: Logger;
  /** Clock for connection ages in logs. Default `Date.now`. */
  now?: () => number;
}

/** Counters since the hub was created. */
export interface SseHubStats {
  /** Open connections, pending and live. */
  connections: number;
  /** Of which still pending (replay in progress). */
  pending: number;
  /** Connections destroyed because they could not keep up. */
  dropped: number;
  /** Calls to `broadcast()`. */
  broadcasts: number;
  /** Heartbeat rounds. */
  heartbeats: number;
  /** Bytes handed to sockets, HTTP framing included. */
  bytesWritten: number;
}

/** The longest heartbeat interval the real-time contract allows. */
export const MAX_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
const DEFAULT_CLOSE_GRACE_MS = 2_000;

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** Wraps a non-empty payload in one HTTP/1.1 chunk (RFC 9112 §7.1). */
function toChunk(payload: Buffer): Buffer {
  const size = Buffer.from(`${payload.length.toString(16)}\r\n`, 'latin1');
  return Buffer.concat([size, payload, CRLF], size.length + payload.length + CRLF.length);
}

const PING = formatSseComment('ping');
const PING_CHUNK = toChunk(PING);

/** Headers the hub owns; same-named headers set earlier on the reply (e.g. by a plugin) are not copied. */
const OWN_HEADERS = new Set([
  'content-type',
  'cache-control',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'x-accel-buffering',
]);

/** A broadcast frame and its chunk-framed copy: one object per broadcast, shared by every connection. */
interface Outgoing {
  readonly frame: Buffer;
  readonly chunk: Buffer;
  readonly eventId: number | undefined;
  readonly topic: string | undefined;
}

/** What a connection needs from its hub. */
interface HubLink {
  readonly maxBufferedBytes: number;
  wrote(bytes: number): void;
  left(connection: Connection, reason: SseCloseReason): void;
}

class Connection implements SseConnection {
  readonly id: number;
  readonly openedAt: number;
  readonly closed: Promise<SseCloseReason>;
  readonly #socket: Socket;
  readonly #chunked: boolean;
  readonly #topics: ReadonlySet<string> | undefined;
  readonly #link: HubLink;
  #state: SseConnectionState = 'pending';
  #watermark: number | undefined;
  #buffered: Outgoing[] | undefined = [];
  #bufferedBytes = 0;
  #droppedWithBytes = 0;
  #resolveClosed!: (reason: SseCloseReason) => void;

  constructor(
    id: number,
    openedAt: number,
    socket: Socket,
    chunked: boolean,
    topics: ReadonlySet<string> | undefined,
    link: HubLink,
  ) {
    this.id = id;
    this.openedAt = openedAt;
    this.#socket = socket;
    this.#chunked = chunked;
    this.#topics = topics;
    this.#link = link;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // We own the socket after hijack: its 'close' covers a client going away, our end() and our destroy().
    socket.once('close', () => this.#leave('client'));
  }

  get state(): SseConnectionState {
    return this.#state;
  }

  get lastReplayedId(): number | undefined {
    return this.#watermark;
  }

  async replay(frames: Iterable<Buffer>, lastReplayedId?: number): Promise<void> {
    if (this.#state === 'live') throw new Error('SseConnection.replay() after goLive()');
    if (this.#state === 'closed') return;
    if (lastReplayedId !== undefined && (this.#watermark === undefined || lastReplayedId > this.#watermark)) {
      this.#watermark = lastReplayedId;
    }
    const payload = Buffer.concat(Array.from(frames));
    if (payload.length === 0) return;
    if (this.#writeRaw(this.#chunked ? toChunk(payload) : payload)) return;
    await this.#drained();
  }

  goLive(): void {
    if (this.#state !== 'pending') return;
    const buffered = this.#buffered ?? [];
    this.#buffered = undefined;
    this.#bufferedBytes = 0;
    this.#state = 'live';
    for (const out of buffered) {
      if (this.#state !== 'live') break;
      if (this.#accepts(out.eventId)) this.#writeLive(this.#chunked ? out.chunk : out.frame);
    }
  }

  send(frame: Buffer, eventId?: number): boolean {
    if (this.#state !== 'live' || frame.length === 0 || !this.#accepts(eventId)) return false;
    return this.#writeLive(this.#chunked ? toChunk(frame) : frame);
  }

  close(): void {
    void this.end();
  }

  /** Hub fan-out path: filter, then buffer (pending) or write (live) the shared bytes. */
  offer(out: Outgoing): boolean {
    if (out.topic !== undefined && this.#topics !== undefined && !this.#topics.has(out.topic)) return false;
    if (!this.#accepts(out.eventId)) return false;
    if (this.#state === 'live') return this.#writeLive(this.#chunked ? out.chunk : out.frame);
    if (this.#state === 'closed' || this.#buffered === undefined) return false;
    this.#buffered.push(out);
    this.#bufferedBytes += out.frame.length;
    // A replay that never finishes must not hold live frames without bound either.
    if (this.#bufferedBytes > this.#link.maxBufferedBytes) this.#drop();
    return false;
  }

  /** Shared heartbeat: the same comment bytes for everyone; live connections are held to the drop limit. */
  ping(): void {
    if (this.#state === 'live') this.#writeLive(this.#chunked ? PING_CHUNK : PING);
    else if (this.#state === 'pending') this.#writeRaw(this.#chunked ? PING_CHUNK : PING);
  }

  /**
   * Graceful end: terminating chunk, then FIN. Once both are flushed the descriptor is released without waiting
   * for the client's FIN (the HTTP server socket is half-open capable); the kernel completes the TCP close.
   * Resolves when the socket has closed.
   */
  end(reason: SseCloseReason = 'server'): Promise<void> {
    const socket = this.#socket;
    if (!socket.destroyed && socket.writable) {
      socket.once('finish', () => socket.destroy());
      if (this.#chunked) socket.end(LAST_CHUNK);
      else socket.end();
    }
    this.#leave(reason);
    return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #accepts(eventId: number | undefined): boolean {
    return eventId === undefined || this.#watermark === undefined || eventId > this.#watermark;
  }

  #writeRaw(bytes: Buffer): boolean {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      this.#leave('client');
      return false;
    }
    this.#link.wrote(bytes.length);
    return socket.write(bytes);
  }

  #writeLive(bytes: Buffer): boolean {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      this.#leave('client');
      return false;
    }
    socket.write(bytes);
    this.#link.wrote(bytes.length);
    if (socket.writableLength > this.#link.maxBufferedBytes) {
      this.#drop();
      return false;
    }
    return true;
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
  }

  #drop(): void {
    this.#droppedWithBytes = Math.max(this.#socket.writableLength, this.#bufferedBytes);
    this.#leave('slow');
    this.#socket.destroy();
  }

  #leave(reason: SseCloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#buffered = undefined;
    this.#link.left(this, reason);
    this.#resolveClosed(reason);
  }

  /** Unsent bytes held when the connection was dropped as slow, for the log line. */
  get droppedWithBytes(): number {
    return this.#droppedWithBytes;
  }
}

/**
 * Fans SSE frames out to every connected client.
 *
 * Replay-then-live, without losing or duplicating events broadcast while the replay is read from the database:
 *
 * ```ts
 * app.get('/api/new-releases/events', async (request, reply) => {
 *   const conn = hub.open(request, reply); // 200 + headers + retry: now; broadcasts from here on are buffered
 *   const since = parseLastEventId(request);
 *   const rows = since === undefined ? [] : await events.after(since); // broadcasts keep arriving meanwhile
 *   await conn.replay(rows.map(toFrame), rows.at(-1)?.id ?? since);
 *   conn.goLive(); // writes buffered frames with id > last replayed id, then streams live
 * });
 * app.addHook('preClose', () => hub.close());
 * ```
 *
 * The watermark also applies after `goLive()`: a broadcast of an event the replay already contained (the bus
 * delivering it after the database read saw it) is skipped for that client. Ids are compared numerically, so they
 * must be the monotonic database event ids.
 */
export class SseHub {
  readonly #connections = new Set<Connection>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #retryFrame: Buffer;
  readonly #maxBufferedBytes: number;
  readonly #closeGraceMs: number;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #link: HubLink;
  #nextId = 1;
  #dropped = 0;
  #broadcasts = 0;
  #heartbeats = 0;
  #bytesWritten = 0;
  #closing: Promise<void> | undefined;

  constructor(options: SseHubOptions) {
    const { heartbeatMs, retryMs } = options;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0 || heartbeatMs > MAX_HEARTBEAT_MS) {
      throw new RangeError(`heartbeatMs must be in (0, ${MAX_HEARTBEAT_MS}]: ${heartbeatMs}`);
    }
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (!(this.#maxBufferedBytes > 0)) throw new RangeError('maxBufferedBytes must be positive');
    if (!Number.isSafeInteger(retryMs) || retryMs < 0)
      throw new RangeError(`retryMs must be an integer ≥ 0: ${retryMs}`);
    this.#retryFrame = Buffer.from(`retry: ${retryMs}\n\n`, 'latin1');
    this.#closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#link = {
      maxBufferedBytes: this.#maxBufferedBytes,
      wrote: (bytes) => {
        this.#bytesWritten += bytes;
      },
      left: (connection, reason) => this.#left(connection, reason),
    };
    this.#heartbeat = setInterval(() => this.#ping(), heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Open connections, pending and live. */
  get size(): number {
    return this.#connections.size;
  }

  /**
   * Takes over the reply (`reply.hijack()`), writes `200`, the SSE headers (plus headers already set on the reply,
   * e.g. CORS) and `retry:`, and registers the connection as pending: broadcasts are buffered until `goLive()`.
   * A HEAD request gets the headers only. After `close()` the stream is ended right after `retry:` so the client
   * reconnects elsewhere. Throws (before touching the socket) if the reply was already sent or hijacked.
   */
  open(request: FastifyRequest, reply: FastifyReply, options: SseOpenOptions = {}): SseConnection {
    if (reply.sent) throw new Error('SseHub.open(): the reply was already sent or hijacked');
    const raw = request.raw;
    const socket = raw.socket;
    const chunked = raw.httpVersionMajor > 1 || (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1);
    const head = Buffer.from(this.#head(reply, chunked), 'latin1');
    reply.hijack();

    const connection = new Connection(
      this.#nextId++,
      this.#now(),
      socket,
      chunked,
      options.topics === undefined ? undefined : new Set(options.topics),
      this.#link,
    );
    // The server's own timeout (Fastify `connectionTimeout`) must not cut a stream that only we write to.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    if (request.method === 'HEAD') {
      socket.write(head);
      this.#bytesWritten += head.length;
      void connection.end();
      return connection;
    }
    const retry = chunked ? toChunk(this.#retryFrame) : this.#retryFrame;
    const first = Buffer.concat([head, retry]);
    if (socket.destroyed || !socket.writable) {
      void connection.end('client');
      return connection;
    }
    this.#connections.add(connection);
    socket.write(first);
    this.#bytesWritten += first.length;
    if (this.#closing !== undefined) void connection.end();
    this.#logger?.debug({ event: 'sse.open', connectionId: connection.id, chunked }, 'SSE client connected');
    return connection;
  }

  /**
   * `open()`, then `replay(initial, lastReplayedId)`, then `goLive()` once the replay has drained. Live frames
   * broadcast meanwhile are buffered and deduplicated against `lastReplayedId`, as with the manual sequence.
   */
  attach(request: FastifyRequest, reply: FastifyReply, options: SseAttachOptions = {}): SseConnection {
    const connection = this.open(request, reply, options);
    connection.replay(options.initial ?? [], options.lastReplayedId).then(
      () => connection.goLive(),
      (error: unknown) => {
        this.#logger?.error({ event: 'sse.replay_failed', err: error }, 'SSE replay failed');
        connection.close();
      },
    );
    return connection;
  }

  /**
   * Writes `frame` (from {@link formatSseEvent}) to every live connection: the same Buffer for all HTTP/1.0 peers
   * and one chunk-framed copy, made once, for all HTTP/1.1 peers. Pending connections buffer a reference to it.
   * `eventId` (the numeric id inside the frame) drives replay dedup; `topic` restricts delivery to subscribers.
   * A connection whose socket then holds more than `maxBufferedBytes` unsent bytes is destroyed and counted in
   * `stats().dropped`. Returns the number of connections written to.
   */
  broadcast(frame: Buffer, eventId?: number, topic?: string): number {
    this.#broadcasts++;
    if (frame.length === 0 || this.#connections.size === 0) return 0;
    const out: Outgoing = { frame, chunk: toChunk(frame), eventId, topic };
    let written = 0;
    for (const connection of this.#connections) {
      if (connection.offer(out)) written++;
    }
    return written;
  }

  /** Counters since the hub was created. */
  stats(): SseHubStats {
    let pending = 0;
    for (const connection of this.#connections) if (connection.state === 'pending') pending++;
    return {
      connections: this.#connections.size,
      pending,
      dropped: this.#dropped,
      broadcasts: this.#broadcasts,
      heartbeats: this.#heartbeats,
      bytesWritten: this.#bytesWritten,
    };
  }

  /**
   * Stops the heartbeat and ends every stream gracefully (terminating chunk, then FIN); sockets still open after
   * `closeGraceMs` are destroyed. Resolves when all sockets have closed. Idempotent. Call it from a `preClose` hook.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    clearInterval(this.#heartbeat);
    const connections = [...this.#connections];
    const allClosed = Promise.all(connections.map((connection) => connection.end('server')));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#closeGraceMs);
      timer.unref();
    });
    const outcome = await Promise.race([allClosed.then(() => 'closed' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const connection of connections) connection.destroy();
      await allClosed;
    }
    this.#logger?.info({ event: 'sse.closed', connections: connections.length, outcome }, 'SSE hub closed');
  }

  #head(reply: FastifyReply, chunked: boolean): string {
    let head = 'HTTP/1.1 200 OK\r\n';
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined || OWN_HEADERS.has(name.toLowerCase())) continue;
      validateHeaderName(name);
      for (const item of Array.isArray(value) ? value : [String(value)]) {
        validateHeaderValue(name, item);
        head += `${name}: ${item}\r\n`;
      }
    }
    head +=
      'Content-Type: text/event-stream; charset=utf-8\r\n' +
      'Cache-Control: no-cache, no-transform\r\n' +
      // An HTTP/1.0 peer reads until close, so it must not be told the connection persists.
      (chunked ? 'Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n' : 'Connection: close\r\n') +
      'X-Accel-Buffering: no\r\n\r\n';
    return head;
  }

  #ping(): void {
    this.#heartbeats++;
    for (const connection of this.#connections) connection.ping();
  }

  #left(connection: Connection, reason: SseCloseReason): void {
    if (!this.#connections.delete(connection)) return;
    const durationMs = this.#now() - connection.openedAt;
    if (reason === 'slow') {
      this.#dropped++;
      this.#logger?.warn(
        { event: 'sse.dropped', connectionId: connection.id, bufferedBytes: connection.droppedWithBytes, durationMs },
        'SSE client dropped: it cannot keep up',
      );
    } else {
      this.#logger?.debug({ event: 'sse.close', connectionId: connection.id, reason, durationMs }, 'SSE client left');
    }
  }
}

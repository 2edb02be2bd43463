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
 * Raw socket framing vs writing through `reply.raw` (Node's `ServerResponse` frames each chunk: four corked writes
 * and a `nextTick` per connection), both in one process with events alternating between them (`bench/sse.ts
 * --compare transport`, 2 runs, 2-core VM shared with other work, Node 24): at 9,900 connections each, p99 delivery
 * 416 / 456 ms vs 480 / 550 ms through `reply.raw` (+15% / +21%) and 72 ms vs 105-110 ms of CPU per event (1.5x);
 * at 1,000, p99 46 / 44 ms vs 65 / 46 ms and 7.0 ms vs 11.8 ms of CPU per event (1.7x). Memory per connection is
 * the same within the noise of the measurement (3-6 KB of heap either way). `transport: 'response'` selects the
 * `reply.raw` path.
 *
 * Shutdown: register `app.addHook('preClose', () => hub.close())`. Fastify runs `preClose` before `server.close()`,
 * which waits for every connection; an `onClose` hook would run only after that wait, i.e. never.
 */
import type { Socket } from 'node:net';
import { validateHeaderName, validateHeaderValue, type ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { validationMessage } from './error-handler.ts';

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

/** A `Last-Event-ID` the hub accepts: 1 to 15 decimal digits (always a safe integer). */
const ID_PATTERN = /^[0-9]{1,15}$/;

const invalidId = (location: 'headers/last-event-id' | 'querystring/lastEventId'): AppError =>
  new AppError('BACKBEAT_ERR_VALIDATION', `${location} must be a non-negative integer`);

/**
 * `schemaErrorFormatter` for an SSE route whose querystring schema has `lastEventId` as a pattern-checked string: a
 * bad `lastEventId` gets the same message as {@link parseLastEventId} gives, other errors the app's usual wording.
 */
export function sseQueryErrorFormatter(errors: FastifySchemaValidationError[], context: string): Error {
  if (context === 'querystring' && errors.some((error) => error.instancePath === '/lastEventId')) {
    return invalidId('querystring/lastEventId');
  }
  return new AppError('BACKBEAT_ERR_VALIDATION', validationMessage(context, errors[0]));
}

function parseId(value: unknown, location: 'headers/last-event-id' | 'querystring/lastEventId'): number {
  const raw = typeof value === 'string' ? value.trim() : undefined;
  if (raw === undefined || !ID_PATTERN.test(raw)) throw invalidId(location);
  return Number(raw);
}

/**
 * The numeric id of the last event the client has, from the `Last-Event-ID` header or else the `lastEventId` query
 * parameter (a fresh `EventSource` cannot set headers, so a page passes its cached id in the URL). The header wins:
 * on automatic reconnection the browser reuses the original URL but sends the newer id in the header. An empty
 * header counts as absent (an empty id is how SSE says "none"). Throws `BACKBEAT_ERR_VALIDATION` (400) when either
 * is present and not 1 to 15 decimal digits, e.g. `headers/last-event-id must be a non-negative integer`; call it
 * before {@link SseHub.open} so a bad request gets a JSON error and no stream.
 */
export function parseLastEventId(request: Pick<FastifyRequest, 'headers' | 'query'>): number | undefined {
  const header = request.headers['last-event-id'];
  const fromHeader = header === undefined || header === '' ? undefined : parseId(header, 'headers/last-event-id');
  const query: unknown = request.query;
  const param =
    query !== null && typeof query === 'object' ? (query as Record<string, unknown>).lastEventId : undefined;
  const fromQuery = param === undefined ? undefined : parseId(param, 'querystring/lastEventId');
  return fromHeader ?? fromQuery;
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
  /** Open connections the hub accepts in total; `open()` refuses more with 503. Default 10,000. */
  maxConnections?: number;
  /**
   * Open connections the hub accepts from one client address (`request.ip`, so behind a proxy only with
   * TRUST_PROXY); `open()` refuses more with 429. Default 20.
   */
  maxPerClient?: number;
  /**
   * `socket` (default): write status line, headers and chunk framing ourselves to the hijacked socket.
   * `response`: write through Node's `ServerResponse` (`reply.raw`), which adds the chunk framing; about 1.5x the
   * CPU per event (see the top of this file).
   */
  transport?: SseTransport;
}

/** How {@link SseHub} writes a response; see {@link SseHubOptions.transport}. */
export type SseTransport = 'response' | 'socket';

/** Counters since the hub was created. */
export interface SseHubStats {
  /** Open connections, pending and live. */
  connections: number;
  /** Of which still pending (replay in progress). */
  pending: number;
  /** Connections destroyed because they could not keep up. */
  dropped: number;
  /** Streams refused because the hub was full (503) or their client held its maximum (429). */
  refused: { total: number; perClient: number };
  /** Calls to `broadcast()`. */
  broadcasts: number;
  /** Heartbeat rounds. */
  heartbeats: number;
  /** SSE bytes written (`retry:`, replay, events, heartbeats); HTTP head and chunk framing not counted. */
  bytesWritten: number;
}

/** The longest heartbeat interval the real-time contract allows. */
export const MAX_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_MAX_PER_CLIENT = 20;
/** `Retry-After` of a refused stream: streams end when their clients leave, so soon is as good a guess as any. */
const REFUSED_RETRY_AFTER_SECONDS = 10;

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** Wraps a non-empty payload in one HTTP/1.1 chunk (RFC 9112 §7.1). */
function toChunk(payload: Buffer): Buffer {
  const size = Buffer.from(`${payload.length.toString(16)}\r\n`, 'latin1');
  return Buffer.concat([size, payload, CRLF], size.length + payload.length + CRLF.length);
}

/** Body bytes shared by every connection, with their chunk-framed copy made on first use. */
class Payload {
  readonly bytes: Buffer;
  #chunk: Buffer | undefined;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  get chunk(): Buffer {
    return (this.#chunk ??= toChunk(this.bytes));
  }
}

const PING = new Payload(formatSseComment('ping'));

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

/** The response headers: those already set on the reply (validated), then the hub's own. */
function responseHeaders(reply: FastifyReply, chunked: boolean): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || OWN_HEADERS.has(name.toLowerCase())) continue;
    validateHeaderName(name);
    for (const item of Array.isArray(value) ? value : [String(value)]) {
      validateHeaderValue(name, item);
      headers.push([name, item]);
    }
  }
  headers.push(
    ['Content-Type', 'text/event-stream; charset=utf-8'],
    ['Cache-Control', 'no-cache, no-transform'],
    // An HTTP/1.0 peer reads until close, so it must not be told the connection persists.
    ['Connection', chunked ? 'keep-alive' : 'close'],
    ['X-Accel-Buffering', 'no'],
  );
  return headers;
}

/** Where a connection's bytes go once the reply is taken over. */
interface Sink {
  /** HTTP/1.1 chunked body (false: HTTP/1.0, body delimited by close). */
  readonly chunked: boolean;
  /** False once the peer is gone or the stream was ended. */
  readonly writable: boolean;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly writableLength: number;
  /** Writes the response head (once, first) then `body`, or the head alone for HEAD. */
  start(body: Payload | undefined): void;
  write(payload: Payload): boolean;
  /** Last chunk, then FIN; the descriptor is released once they are flushed. Resolves when the socket closed. */
  end(): Promise<void>;
  destroy(): void;
  /** Resolves on the next 'drain' or 'close'. */
  drained(): Promise<void>;
  onClose(listener: () => void): void;
}

/** Status line, headers and chunk framing written by us to the hijacked socket: one `socket.write()` per frame. */
class SocketSink implements Sink {
  readonly chunked: boolean;
  readonly #socket: Socket;
  readonly #head: Buffer;

  constructor(request: FastifyRequest, reply: FastifyReply) {
    const raw = request.raw;
    this.#socket = raw.socket;
    this.chunked = raw.httpVersionMajor > 1 || (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1);
    let head = 'HTTP/1.1 200 OK\r\n';
    for (const [name, value] of responseHeaders(reply, this.chunked)) head += `${name}: ${value}\r\n`;
    if (this.chunked) head += 'Transfer-Encoding: chunked\r\n';
    this.#head = Buffer.from(`${head}\r\n`, 'latin1');
    reply.hijack();
    // The server's own timeout (Fastify `connectionTimeout`) must not cut a stream that only we write to.
    this.#socket.setTimeout(0);
    this.#socket.setNoDelay(true);
  }

  get writable(): boolean {
    return !this.#socket.destroyed && this.#socket.writable;
  }

  get writableLength(): number {
    return this.#socket.writableLength;
  }

  start(body: Payload | undefined): void {
    if (!this.writable) return;
    if (body === undefined) this.#socket.write(this.#head);
    else this.#socket.write(Buffer.concat([this.#head, this.chunked ? body.chunk : body.bytes]));
  }

  write(payload: Payload): boolean {
    return this.#socket.write(this.chunked ? payload.chunk : payload.bytes);
  }

  end(): Promise<void> {
    const socket = this.#socket;
    if (!socket.destroyed && socket.writable) {
      // The HTTP server socket is half-open capable: release it without waiting for the client's FIN.
      socket.once('finish', () => socket.destroy());
      if (this.chunked) socket.end(LAST_CHUNK);
      else socket.end();
    }
    return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
  }

  destroy(): void {
    this.#socket.destroy();
  }

  drained(): Promise<void> {
    return drainedOrClosed(this.#socket);
  }

  onClose(listener: () => void): void {
    this.#socket.once('close', listener);
  }
}

/** Node's `ServerResponse` (`reply.raw`) after `reply.hijack()`: Node writes the head and the chunk framing. */
class ResponseSink implements Sink {
  readonly chunked: boolean;
  readonly #response: ServerResponse;
  readonly #socket: Socket;

  constructor(request: FastifyRequest, reply: FastifyReply) {
    const raw = request.raw;
    this.#response = reply.raw;
    this.#socket = raw.socket;
    this.chunked = raw.httpVersionMajor > 1 || (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1);
    const headers = responseHeaders(reply, this.chunked);
    reply.hijack();
    // Nothing is sent before the first write.
    this.#response.writeHead(200, headers.flat());
    this.#socket.setTimeout(0);
    this.#socket.setNoDelay(true);
  }

  get writable(): boolean {
    const response = this.#response;
    return !response.destroyed && !response.writableEnded && !this.#socket.destroyed && this.#socket.writable;
  }

  get writableLength(): number {
    return this.#response.writableLength;
  }

  start(body: Payload | undefined): void {
    // For HEAD, end() sends the head.
    if (body !== undefined && this.writable) this.#response.write(body.bytes);
  }

  write(payload: Payload): boolean {
    return this.#response.write(payload.bytes);
  }

  end(): Promise<void> {
    const socket = this.#socket;
    if (!this.#response.writableEnded && !socket.destroyed) {
      // Without this the socket would wait for a next request on the kept-alive connection.
      this.#response.once('finish', () => socket.destroy());
      this.#response.end();
    }
    return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
  }

  destroy(): void {
    this.#socket.destroy();
  }

  drained(): Promise<void> {
    return drainedOrClosed(this.#response);
  }

  onClose(listener: () => void): void {
    this.#socket.once('close', listener);
  }
}

function drainedOrClosed(emitter: Socket | ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      emitter.off('drain', done);
      emitter.off('close', done);
      resolve();
    };
    emitter.on('drain', done);
    emitter.on('close', done);
  });
}

/** A broadcast frame: one object per broadcast, shared by every connection. */
class Outgoing extends Payload {
  readonly eventId: number | undefined;
  readonly topic: string | undefined;

  constructor(frame: Buffer, eventId: number | undefined, topic: string | undefined) {
    super(frame);
    this.eventId = eventId;
    this.topic = topic;
  }
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
  /** The client address it counts against (`request.ip`). */
  readonly client: string;
  readonly closed: Promise<SseCloseReason>;
  readonly #sink: Sink;
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
    client: string,
    sink: Sink,
    topics: ReadonlySet<string> | undefined,
    link: HubLink,
  ) {
    this.id = id;
    this.openedAt = openedAt;
    this.client = client;
    this.#sink = sink;
    this.#topics = topics;
    this.#link = link;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // The socket's 'close' covers a client going away, our end() and our destroy().
    sink.onClose(() => this.#leave('client'));
  }

  get state(): SseConnectionState {
    return this.#state;
  }

  get lastReplayedId(): number | undefined {
    return this.#watermark;
  }

  get chunked(): boolean {
    return this.#sink.chunked;
  }

  async replay(frames: Iterable<Buffer>, lastReplayedId?: number): Promise<void> {
    if (this.#state === 'live') throw new Error('SseConnection.replay() after goLive()');
    if (this.#state === 'closed') return;
    if (lastReplayedId !== undefined && (this.#watermark === undefined || lastReplayedId > this.#watermark)) {
      this.#watermark = lastReplayedId;
    }
    const payload = Buffer.concat(Array.from(frames));
    if (payload.length === 0) return;
    if (this.#writeRaw(new Payload(payload))) return;
    await this.#sink.drained();
  }

  goLive(): void {
    if (this.#state !== 'pending') return;
    const buffered = this.#buffered ?? [];
    this.#buffered = undefined;
    this.#bufferedBytes = 0;
    this.#state = 'live';
    for (const out of buffered) {
      if (this.#state !== 'live') break;
      if (this.#accepts(out.eventId)) this.#writeEvent(out);
    }
  }

  send(frame: Buffer, eventId?: number): boolean {
    if (this.#state !== 'live' || frame.length === 0 || !this.#accepts(eventId)) return false;
    return this.#writeLive(new Payload(frame));
  }

  close(): void {
    void this.end();
  }

  /** Hub fan-out path: filter, then buffer (pending) or write (live) the shared bytes. */
  offer(out: Outgoing): boolean {
    if (out.topic !== undefined && this.#topics !== undefined && !this.#topics.has(out.topic)) return false;
    if (!this.#accepts(out.eventId)) return false;
    if (this.#state === 'live') return this.#writeEvent(out);
    if (this.#state === 'closed' || this.#buffered === undefined) return false;
    this.#buffered.push(out);
    this.#bufferedBytes += out.bytes.length;
    // A replay that never finishes must not hold live frames without bound either.
    if (this.#bufferedBytes > this.#link.maxBufferedBytes) this.#drop();
    return false;
  }

  /** Shared heartbeat: the same comment bytes for everyone; live connections are held to the drop limit. */
  ping(): void {
    if (this.#state === 'live') this.#writeLive(PING);
    else if (this.#state === 'pending') this.#writeRaw(PING);
  }

  /** Graceful end: terminating chunk, then FIN. Resolves when the socket has closed. */
  end(reason: SseCloseReason = 'server'): Promise<void> {
    const closed = this.#sink.end();
    this.#leave(reason);
    return closed;
  }

  destroy(): void {
    this.#sink.destroy();
  }

  #accepts(eventId: number | undefined): boolean {
    return eventId === undefined || this.#watermark === undefined || eventId > this.#watermark;
  }

  #writeRaw(payload: Payload): boolean {
    if (!this.#sink.writable) {
      this.#leave('client');
      return false;
    }
    this.#link.wrote(payload.bytes.length);
    return this.#sink.write(payload);
  }

  /**
   * Writes a live event and raises the watermark to its id: an event published twice (a process killed between
   * publishing it and marking it sent publishes it again from the outbox) reaches each client once.
   */
  #writeEvent(out: Outgoing): boolean {
    if (out.eventId !== undefined) this.#watermark = out.eventId;
    return this.#writeLive(out);
  }

  #writeLive(payload: Payload): boolean {
    const sink = this.#sink;
    if (!sink.writable) {
      this.#leave('client');
      return false;
    }
    sink.write(payload);
    this.#link.wrote(payload.bytes.length);
    if (sink.writableLength > this.#link.maxBufferedBytes) {
      this.#drop();
      return false;
    }
    return true;
  }

  #drop(): void {
    this.#droppedWithBytes = Math.max(this.#sink.writableLength, this.#bufferedBytes);
    this.#leave('slow');
    this.#sink.destroy();
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
 *   const since = parseLastEventId(request); // a bad id throws: 400, no stream
 *   const conn = hub.open(request, reply); // 200 + headers + retry: now; broadcasts from here on are buffered
 *   const rows = since === undefined ? [] : await events.after(since); // broadcasts keep arriving meanwhile
 *   await conn.replay(rows.map(toFrame), rows.at(-1)?.id ?? since);
 *   conn.goLive(); // writes buffered frames with id > last replayed id, then streams live
 * });
 * app.addHook('preClose', () => hub.close());
 * ```
 *
 * The watermark also applies after `goLive()`: a broadcast of an event the replay already contained (the bus
 * delivering it after the database read saw it) is skipped for that client, and so is an event broadcast again after
 * the client got it (each live event raises the watermark). Ids are compared numerically, so they must be the
 * monotonic database event ids.
 */
export class SseHub {
  readonly #connections = new Set<Connection>();
  /** Open connections per client address. */
  readonly #perClient = new Map<string, number>();
  readonly #maxConnections: number;
  readonly #maxPerClient: number;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #retryFrame: Payload;
  readonly #transport: SseTransport;
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
  #refused: { total: number; perClient: number };

  constructor(options: SseHubOptions) {
    const { heartbeatMs, retryMs } = options;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0 || heartbeatMs > MAX_HEARTBEAT_MS) {
      throw new RangeError(`heartbeatMs must be in (0, ${MAX_HEARTBEAT_MS}]: ${heartbeatMs}`);
    }
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (!(this.#maxBufferedBytes > 0)) throw new RangeError('maxBufferedBytes must be positive');
    if (!Number.isSafeInteger(retryMs) || retryMs < 0)
      throw new RangeError(`retryMs must be an integer ≥ 0: ${retryMs}`);
    this.#retryFrame = new Payload(Buffer.from(`retry: ${retryMs}\n\n`, 'latin1'));
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#maxPerClient = options.maxPerClient ?? DEFAULT_MAX_PER_CLIENT;
    if (!(this.#maxConnections >= 1) || !(this.#maxPerClient >= 1)) {
      throw new RangeError('maxConnections and maxPerClient must be at least 1');
    }
    this.#refused = { total: 0, perClient: 0 };
    this.#transport = options.transport ?? 'socket';
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
   * reconnects elsewhere. Throws (before touching the socket) if the reply was already sent or hijacked, and an
   * {@link AppError} answered as JSON when the hub is full: `BACKBEAT_ERR_RATE_LIMITED` (429) when this client
   * address already holds `maxPerClient` streams, `BACKBEAT_ERR_UNAVAILABLE` (503) when the hub holds
   * `maxConnections`; both with `Retry-After`.
   */
  open(request: FastifyRequest, reply: FastifyReply, options: SseOpenOptions = {}): SseConnection {
    if (reply.sent) throw new Error('SseHub.open(): the reply was already sent or hijacked');
    const client = request.ip;
    if (request.method !== 'HEAD') this.#admit(client, reply);
    const sink = this.#transport === 'socket' ? new SocketSink(request, reply) : new ResponseSink(request, reply);
    const connection = new Connection(
      this.#nextId++,
      this.#now(),
      client,
      sink,
      options.topics === undefined ? undefined : new Set(options.topics),
      this.#link,
    );
    if (request.method === 'HEAD') {
      sink.start(undefined);
      void connection.end();
      return connection;
    }
    if (!sink.writable) {
      void connection.end('client');
      return connection;
    }
    this.#connections.add(connection);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    sink.start(this.#retryFrame);
    this.#bytesWritten += this.#retryFrame.bytes.length;
    if (this.#closing !== undefined) void connection.end();
    this.#logger?.debug(
      { event: 'sse.open', connectionId: connection.id, chunked: sink.chunked },
      'SSE client connected',
    );
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
    const out = new Outgoing(frame, eventId, topic);
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
      refused: { ...this.#refused },
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

  #ping(): void {
    this.#heartbeats++;
    for (const connection of this.#connections) connection.ping();
  }

  /** Refuses a new stream when the hub or this client is at its limit (see {@link open}). */
  #admit(client: string, reply: FastifyReply): void {
    const fromClient = this.#perClient.get(client) ?? 0;
    if (fromClient < this.#maxPerClient && this.#connections.size < this.#maxConnections) return;
    void reply.header('retry-after', String(REFUSED_RETRY_AFTER_SECONDS));
    if (fromClient >= this.#maxPerClient) {
      this.#refused.perClient++;
      this.#logger?.debug({ event: 'sse.refused', reason: 'per_client', client }, 'SSE client refused');
      throw new AppError(
        'BACKBEAT_ERR_RATE_LIMITED',
        `Too many open event streams from this client (at most ${this.#maxPerClient})`,
      );
    }
    this.#refused.total++;
    this.#logger?.warn(
      { event: 'sse.refused', reason: 'full', connections: this.#connections.size },
      'SSE client refused: the server holds its maximum of streams',
    );
    throw new AppError(
      'BACKBEAT_ERR_UNAVAILABLE',
      `This server holds its maximum of ${this.#maxConnections} event streams; retry later`,
    );
  }

  #left(connection: Connection, reason: SseCloseReason): void {
    if (!this.#connections.delete(connection)) return;
    const count = (this.#perClient.get(connection.client) ?? 1) - 1;
    if (count > 0) this.#perClient.set(connection.client, count);
    else this.#perClient.delete(connection.client);
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

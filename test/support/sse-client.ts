/**
 * A minimal Server-Sent Events client for tests, over node:http (no EventSource library), so a test sees exactly
 * what went over the wire: every frame in order, comments and `retry:` frames included, each with its raw text.
 *
 * Parsing follows https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation:
 * lines end with CRLF, LF or CR; a line starting with `:` is a comment; `field: value` loses one leading space;
 * a blank line ends the frame. Unlike a browser, every frame is recorded, not only those with data.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** One frame: the fields it carried (the last value wins, `data` lines are joined with LF) and its raw text. */
export interface SseFrame {
  id?: string;
  event?: string;
  /** Undefined when the frame had no `data:` line. */
  data?: string;
  /** The `retry:` value, when it was a valid integer. */
  retry?: number;
  /** Comment lines without the leading `:` (and its following space). */
  comments: string[];
  /** The frame exactly as received, terminating blank line included. */
  raw: string;
  /** Milliseconds since the connection opened. */
  at: number;
}

export interface SseConnectOptions {
  /** Sent as the `Last-Event-ID` header. */
  lastEventId?: string | number;
  headers?: Record<string, string>;
  /** How long to wait for the response headers (default 5,000 ms). */
  timeoutMs?: number;
}

export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every frame received so far, in order. */
  readonly frames: readonly SseFrame[];
  /** Frames with data (what a browser would dispatch as events). */
  readonly events: readonly SseFrame[];
  /** Resolves when the server ends the stream or the connection is closed. */
  readonly ended: Promise<void>;
  readonly isEnded: boolean;
  /**
   * Resolves with a snapshot of the frames once `predicate` holds for them (checked now and after each frame);
   * rejects after `timeoutMs` (default 5,000 ms) or when the stream ends first, naming what was received.
   */
  waitFor(predicate: (frames: readonly SseFrame[]) => boolean, timeoutMs?: number): Promise<SseFrame[]>;
  /** Waits until at least `count` frames with data have arrived and returns them all. */
  waitForEvents(count: number, timeoutMs?: number): Promise<SseFrame[]>;
  /** Closes the connection (a client going away). Idempotent. */
  close(): void;
}

const LINE = /\r\n|\r|\n/;

export function parseFrame(raw: string, at = 0): SseFrame {
  const frame: SseFrame = { comments: [], raw, at };
  const data: string[] = [];
  for (const line of raw.split(LINE)) {
    if (line === '') continue;
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).replace(/^ /, ''));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') frame.event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) frame.id = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) frame.retry = Number(value);
    }
  }
  if (data.length > 0) frame.data = data.join('\n');
  return frame;
}

/** Opens an SSE stream; resolves once the response headers arrived (whatever the status). */
export function connectSse(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const opened = Date.now();

  return new Promise<SseClient>((resolve, reject) => {
    const req = request(url, { headers, agent: false });
    const timer = setTimeout(() => {
      req.destroy(new Error(`SSE: no response from ${url} within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      resolve(new Client(req, res, opened));
    });
    req.end();
  });
}

type Waiter = () => void;

class Client implements SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly frames: SseFrame[] = [];
  readonly ended: Promise<void>;
  #ended = false;
  #buffer = '';
  /** Raw text of the frame being received. */
  #pending = '';
  readonly #waiters = new Set<Waiter>();
  readonly #req: ReturnType<typeof request>;
  readonly #res: IncomingMessage;
  readonly #opened: number;

  constructor(req: ReturnType<typeof request>, res: IncomingMessage, opened: number) {
    this.#req = req;
    this.#res = res;
    this.#opened = opened;
    this.status = res.statusCode ?? 0;
    this.headers = res.headers;
    res.setEncoding('utf8');
    let markEnded!: () => void;
    this.ended = new Promise((r) => (markEnded = r));
    const end = () => {
      if (this.#ended) return;
      this.#ended = true;
      markEnded();
      this.#notify();
    };
    res.on('data', (chunk: string) => this.#push(chunk));
    res.once('end', end);
    res.once('close', end);
    res.once('error', end);
    req.once('error', end);
    req.once('close', end);
  }

  get events(): SseFrame[] {
    return this.frames.filter((f) => f.data !== undefined);
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  waitFor(predicate: (frames: readonly SseFrame[]) => boolean, timeoutMs = 5000): Promise<SseFrame[]> {
    if (predicate(this.frames)) return Promise.resolve([...this.frames]);
    return new Promise<SseFrame[]>((resolve, reject) => {
      const describe = () =>
        `${this.frames.length} frame(s): ${JSON.stringify(this.frames.map((f) => f.raw.trim()).slice(-10))}`;
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`SSE waitFor timed out after ${timeoutMs} ms with ${describe()}`));
      }, timeoutMs);
      const check: Waiter = () => {
        if (predicate(this.frames)) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve([...this.frames]);
        } else if (this.#ended) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          reject(new Error(`SSE stream ended before the condition held, with ${describe()}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  async waitForEvents(count: number, timeoutMs = 5000): Promise<SseFrame[]> {
    await this.waitFor((frames) => frames.filter((f) => f.data !== undefined).length >= count, timeoutMs);
    return this.events;
  }

  close(): void {
    this.#res.destroy();
    this.#req.destroy();
  }

  /** Cuts the text received so far into lines; a blank line completes the frame whose lines precede it. */
  #push(chunk: string): void {
    this.#buffer += chunk;
    let added = false;
    for (;;) {
      const cr = this.#buffer.indexOf('\r');
      const lf = this.#buffer.indexOf('\n');
      const at = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (at === -1) break;
      // A CR at the very end may be the first half of a CRLF still in transit.
      if (at === cr && at === this.#buffer.length - 1) break;
      const width = at === cr && this.#buffer[at + 1] === '\n' ? 2 : 1;
      const line = this.#buffer.slice(0, at);
      this.#pending += this.#buffer.slice(0, at + width);
      this.#buffer = this.#buffer.slice(at + width);
      if (line !== '') continue;
      if (this.#pending.length > width) {
        this.frames.push(parseFrame(this.#pending, Date.now() - this.#opened));
        added = true;
      }
      this.#pending = '';
    }
    if (added) this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/**
 * The reusable part of the sandbox: request counters per upstream endpoint, fault injection, and the `/__sandbox`
 * control routes. Each emulation registers its upstream routes with `config: { sandbox: { target, endpoint } }`;
 * a hook on those routes counts every request and applies matching faults before the emulation's handler runs, so
 * counting and faults behave the same for every upstream.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Route config that puts an upstream route under the framework (counting + faults). */
export interface SandboxRouteConfig {
  /** The emulation's name, e.g. `jiosaavn`. */
  target: string;
  /** The endpoint name, e.g. `content.getAlbums`; a function when one path serves several endpoints. */
  endpoint: string | ((request: FastifyRequest) => string);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    sandbox?: SandboxRouteConfig;
  }
}

/** Fault kinds every emulation supports. Emulations may add their own quirk kinds (see {@link Emulation.quirks}). */
export const GENERIC_FAULT_KINDS = ['status', 'rate_limit', 'delay', 'malformed_json', 'html', 'empty_body'] as const;

/** What a client asks for at `POST /__sandbox/faults` (or `sandbox.faults.add()`). */
export interface FaultSpec {
  /** An emulation name, or `*` for all of them. */
  target: string;
  /** Only this endpoint (e.g. `content.getAlbums` or `jiosaavn:content.getAlbums`); all endpoints when absent. */
  endpoint?: string;
  /** A generic kind ({@link GENERIC_FAULT_KINDS}) or a quirk kind of the target, e.g. JioSaavn's `empty_json`. */
  kind: string;
  /** HTTP status: required range 400–599 for `status` (default 503); 200–599 for `html`, `empty_body` and quirks (default 200). */
  status?: number;
  /** `Retry-After` seconds: for `rate_limit` (default 1) and `status`. */
  retryAfterSeconds?: number;
  /** Added latency for `delay` (default 1000, at most 120000). */
  delayMs?: number;
  /** How many matching requests it hits, then it disappears. Unlimited (until cleared) when absent. */
  times?: number;
  /** A quirk kind's variant (e.g. JioSaavn `empty_json`: `object`, `array`, `no_results`). */
  variant?: string;
}

/** An active fault. */
export interface Fault extends FaultSpec {
  id: string;
  /** Requests it will still hit; `null` = unlimited. */
  remaining: number | null;
  /** Requests it has hit so far. */
  hits: number;
}

/** A complete HTTP answer a fault sends instead of the emulation's. */
export interface FaultResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** A provider-specific fault kind (e.g. JioSaavn's WAF "empty JSON"). */
export interface QuirkKind {
  description: string;
  /** Allowed `variant` values; the first is the default. */
  variants?: readonly string[];
  /** Builds the answer for a request to `endpoint` hit by `fault`. */
  respond(fault: Fault, endpoint: string, request: FastifyRequest): FaultResponse;
}

/** One documented control route, listed at `GET /__sandbox`. */
export interface ControlRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  description: string;
  exampleBody?: unknown;
}

/** What the sandbox tells each emulation when it registers. */
export interface EmulationContext {
  /**
   * The base URL clients reach the sandbox at (e.g. `http://127.0.0.1:5099`), once known: the configured public URL,
   * else the address the server listens on; undefined before that. Emulations build links to their own pages, covers
   * and media from it, at answer time.
   */
  publicUrl(): string | undefined;
}

/** An upstream emulation plugged into the framework. */
export interface Emulation {
  /** Fault target and counter prefix, e.g. `jiosaavn`. */
  readonly name: string;
  readonly description: string;
  /** Endpoint names its routes report (fault `endpoint` values are checked against them). */
  readonly endpoints: readonly string[];
  readonly quirks?: Readonly<Record<string, QuirkKind>>;
  readonly controls?: readonly ControlRoute[];
  /** Registers the upstream routes (with `config.sandbox`) and the emulation's own control routes. */
  register(app: FastifyInstance, context: EmulationContext): void;
  /** Back to the seeded initial state. */
  reset(): void;
  /** Stops timers. */
  close?(): void;
  /** How this upstream renders an error status (used by `status` and `rate_limit` faults). JSON by default. */
  errorResponse?(status: number): FaultResponse;
  /** Figures of its own (e.g. pacing), served under `emulations.<name>` at `GET /__sandbox/stats`. */
  stats?(): Record<string, unknown>;
  /** Zeroes those figures; called with the counters' reset (`POST /__sandbox/stats/reset`). */
  resetStats?(): void;
}

/** Counter snapshot, as served at `GET /__sandbox/stats`. */
export interface SandboxStats {
  requests: Record<string, number>;
  total: number;
}

/** What `GET /__sandbox/stats` serves: the counters, and the figures of emulations that keep their own. */
export interface SandboxStatsView extends SandboxStats {
  /** Present when at least one emulation keeps figures of its own. */
  emulations?: Record<string, Record<string, unknown>>;
}

/** Thrown for an invalid fault spec; the HTTP layer answers 400. */
export class SandboxInputError extends Error {
  override readonly name = 'SandboxInputError';
}

/** Thrown when a control names something that does not exist; the HTTP layer answers 404. */
export class SandboxNotFoundError extends Error {
  override readonly name = 'SandboxNotFoundError';
}

/** Request counts per `target:endpoint` key. */
export class RequestCounters {
  #counts = new Map<string, number>();

  /** Adds one request to `key`. */
  increment(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Requests counted for `key` (0 when none). */
  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** All counts (keys sorted) and their total. */
  snapshot(): SandboxStats {
    const requests: Record<string, number> = {};
    let total = 0;
    for (const key of [...this.#counts.keys()].sort()) {
      const count = this.#counts.get(key) ?? 0;
      requests[key] = count;
      total += count;
    }
    return { requests, total };
  }

  /** Forgets every count. */
  reset(): void {
    this.#counts.clear();
  }
}

const SPEC_KEYS = new Set(['target', 'endpoint', 'kind', 'status', 'retryAfterSeconds', 'delayMs', 'times', 'variant']);

/** The faults that apply to one request: delays first, then at most one fault that answers. */
export interface FaultMatch {
  delays: Fault[];
  answer: Fault | undefined;
}

/**
 * Active faults. `add` validates a spec against the registered emulations; `take` finds the faults matching a
 * request and consumes one use of each (a fault whose `times` runs out disappears). Faults apply oldest first.
 */
export class FaultStore {
  readonly #emulations: () => readonly Emulation[];
  #faults: Fault[] = [];
  #nextId = 1;

  constructor(emulations: () => readonly Emulation[]) {
    this.#emulations = emulations;
  }

  /** Validates `input` and activates it. Throws {@link SandboxInputError} with a readable message when invalid. */
  add(input: unknown): Fault {
    const spec = this.#validate(input);
    const fault: Fault = { id: `f${this.#nextId++}`, ...spec, remaining: spec.times ?? null, hits: 0 };
    this.#faults.push(fault);
    return { ...fault };
  }

  /** Copies of the active faults, oldest first. */
  list(): Fault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  /** Removes one fault; false when no fault has that id. */
  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((fault) => fault.id !== id);
    return this.#faults.length !== before;
  }

  /** Removes every fault and returns how many there were. */
  clear(): number {
    const count = this.#faults.length;
    this.#faults = [];
    return count;
  }

  /** The faults hitting a request to `target`/`endpoint`; each returned fault has one use consumed. */
  take(target: string, endpoint: string): FaultMatch {
    const match: FaultMatch = { delays: [], answer: undefined };
    const emulation = this.#emulations().find((candidate) => candidate.name === target);
    for (const fault of this.#faults) {
      if (fault.target !== '*' && fault.target !== target) continue;
      if (fault.endpoint !== undefined && fault.endpoint !== endpoint) continue;
      const isGeneric = (GENERIC_FAULT_KINDS as readonly string[]).includes(fault.kind);
      // A `*` fault of a quirk kind only hits emulations that define that quirk.
      if (!isGeneric && emulation?.quirks?.[fault.kind] === undefined) continue;
      if (fault.kind === 'delay') match.delays.push(fault);
      else if (match.answer === undefined) match.answer = fault;
      else continue;
      fault.hits++;
      if (fault.remaining !== null) fault.remaining--;
    }
    this.#faults = this.#faults.filter((fault) => fault.remaining === null || fault.remaining > 0);
    return match;
  }

  #validate(input: unknown): FaultSpec {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new SandboxInputError('The fault must be a JSON object');
    }
    const body = input as Record<string, unknown>;
    for (const key of Object.keys(body)) {
      if (!SPEC_KEYS.has(key)) throw new SandboxInputError(`Unknown fault property "${key}"`);
    }
    const emulations = this.#emulations();
    const { target, kind } = body;
    if (typeof target !== 'string' || (target !== '*' && !emulations.some((e) => e.name === target))) {
      throw new SandboxInputError(`"target" must be "*" or one of: ${emulations.map((e) => e.name).join(', ')}`);
    }
    const scope = target === '*' ? emulations : emulations.filter((e) => e.name === target);
    const quirkKinds = new Set(scope.flatMap((e) => Object.keys(e.quirks ?? {})));
    const isGeneric = (GENERIC_FAULT_KINDS as readonly string[]).includes(kind as string);
    if (typeof kind !== 'string' || (!isGeneric && !quirkKinds.has(kind))) {
      throw new SandboxInputError(`"kind" must be one of: ${[...GENERIC_FAULT_KINDS, ...quirkKinds].join(', ')}`);
    }
    const spec: FaultSpec = { target, kind };

    if (body.endpoint !== undefined) {
      if (typeof body.endpoint !== 'string') throw new SandboxInputError('"endpoint" must be a string');
      let endpoint = body.endpoint;
      const prefixed = scope.find((e) => endpoint.startsWith(`${e.name}:`));
      if (prefixed !== undefined) endpoint = endpoint.slice(prefixed.name.length + 1);
      const known = new Set(scope.flatMap((e) => e.endpoints));
      if (!known.has(endpoint)) {
        throw new SandboxInputError(`"endpoint" must be one of: ${[...known].join(', ')}`);
      }
      spec.endpoint = endpoint;
    }

    const allowed = (field: string, kinds: readonly string[]) => {
      if (body[field] !== undefined && !kinds.includes(kind)) {
        throw new SandboxInputError(`"${field}" does not apply to kind "${kind}"`);
      }
    };
    const quirks = [...quirkKinds];
    allowed('status', ['status', 'html', 'empty_body', ...quirks]);
    allowed('retryAfterSeconds', ['status', 'rate_limit']);
    allowed('delayMs', ['delay']);
    allowed('variant', quirks);

    if (kind === 'status') spec.status = integerIn(body.status ?? 503, 'status', 400, 599);
    else if (body.status !== undefined) spec.status = integerIn(body.status, 'status', 200, 599);
    if (kind === 'rate_limit')
      spec.retryAfterSeconds = integerIn(body.retryAfterSeconds ?? 1, 'retryAfterSeconds', 0, 86_400);
    else if (body.retryAfterSeconds !== undefined) {
      spec.retryAfterSeconds = integerIn(body.retryAfterSeconds, 'retryAfterSeconds', 0, 86_400);
    }
    if (kind === 'delay') spec.delayMs = integerIn(body.delayMs ?? 1000, 'delayMs', 0, 120_000);
    if (body.times !== undefined) spec.times = integerIn(body.times, 'times', 1, 1_000_000);
    if (!isGeneric) {
      const variants = scope.flatMap((e) => e.quirks?.[kind]?.variants ?? []);
      if (body.variant !== undefined) {
        if (typeof body.variant !== 'string' || !variants.includes(body.variant)) {
          throw new SandboxInputError(`"variant" must be one of: ${variants.join(', ')}`);
        }
        spec.variant = body.variant;
      }
    }
    return spec;
  }
}

function integerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SandboxInputError(`"${name}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A JSON answer for a fault or a default error body. */
export function jsonResponse(status: number, value: unknown, headers?: Record<string, string>): FaultResponse {
  return {
    status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(value),
    ...(headers ? { headers } : {}),
  };
}

/** The body a WAF or CDN edge sends instead of the API's answer. */
export const WAF_HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body>\n<h1>Access Denied</h1>\n' +
  "<p>You don't have permission to access this resource on this server.</p>\n" +
  '<p>Reference&#32;&#35;18&#46;5e0a2c17&#46;1732180000&#46;2b1f3e</p>\n</body></html>\n';

/** Resolves after `ms`, or at once when `signal` aborts (a closing sandbox does not wait for injected delays). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Wires counting, faults and the generic `/__sandbox` control routes into `app`. Create it before registering any
 * route, then {@link SandboxFramework.register} each emulation.
 */
export class SandboxFramework {
  readonly counters = new RequestCounters();
  readonly faults: FaultStore;
  readonly #app: FastifyInstance;
  readonly #emulations: Emulation[] = [];
  readonly #closing = new AbortController();
  readonly #malformed = new WeakSet<FastifyRequest>();
  readonly #context: EmulationContext;

  constructor(app: FastifyInstance, context: EmulationContext = { publicUrl: () => undefined }) {
    this.#app = app;
    this.#context = context;
    this.faults = new FaultStore(() => this.#emulations);
    this.#installParsersAndErrors();
    this.#installHooks();
    this.#installControls();
  }

  /** Registered emulations, in registration order. */
  get emulations(): readonly Emulation[] {
    return this.#emulations;
  }

  /** Adds an emulation: registers its routes; its name becomes a fault target. Names must be unique. */
  register(emulation: Emulation): void {
    if (this.#emulations.some((existing) => existing.name === emulation.name)) {
      throw new Error(`Sandbox emulation "${emulation.name}" is registered twice`);
    }
    this.#emulations.push(emulation);
    emulation.register(this.#app, this.#context);
  }

  /** Resets every emulation to its seed, the counters and the faults. */
  reset(): void {
    for (const emulation of this.#emulations) emulation.reset();
    this.counters.reset();
    this.faults.clear();
  }

  /** The counters plus each emulation's own figures (see {@link Emulation.stats}). */
  stats(): SandboxStatsView {
    const view: SandboxStatsView = this.counters.snapshot();
    const own = this.#emulations.filter((emulation) => emulation.stats !== undefined);
    if (own.length > 0) {
      view.emulations = Object.fromEntries(own.map((emulation) => [emulation.name, emulation.stats?.() ?? {}]));
    }
    return view;
  }

  /** Zeroes the counters and each emulation's own figures. */
  resetStats(): void {
    this.counters.reset();
    for (const emulation of this.#emulations) emulation.resetStats?.();
  }

  /** Stops emulation timers and releases requests held by `delay` faults. */
  close(): void {
    this.#closing.abort();
    for (const emulation of this.#emulations) emulation.close?.();
  }

  #installParsersAndErrors(): void {
    const app = this.#app;
    // Control clients often POST without a body; treat an empty JSON body as "no options" instead of a 400.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new SandboxInputError('The request body is not valid JSON'), undefined);
      }
    });
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof SandboxInputError) return sendError(reply, 400, 'SANDBOX_BAD_REQUEST', error.message);
      if (error instanceof SandboxNotFoundError) return sendError(reply, 404, 'SANDBOX_NOT_FOUND', error.message);
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendError(reply, status, 'SANDBOX_BAD_REQUEST', (error as Error).message);
      }
      reply.log.error({ err: error }, 'sandbox handler failed');
      return sendError(reply, 500, 'SANDBOX_INTERNAL', 'The sandbox failed to answer');
    });
    app.setNotFoundHandler((request, reply) =>
      sendError(reply, 404, 'SANDBOX_NOT_FOUND', `No sandbox route ${request.method} ${request.url.split('?')[0]}`),
    );
  }

  #installHooks(): void {
    const app = this.#app;
    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config.sandbox;
      if (config === undefined) return;
      const endpoint = typeof config.endpoint === 'function' ? config.endpoint(request) : config.endpoint;
      this.counters.increment(`${config.target}:${endpoint}`);
      const { delays, answer } = this.faults.take(config.target, endpoint);
      for (const delay of delays) await pause(delay.delayMs ?? 0, this.#closing.signal);
      if (answer === undefined) return;
      if (answer.kind === 'malformed_json') {
        this.#malformed.add(request);
        return;
      }
      const response = this.#respond(answer, config.target, endpoint, request);
      reply.code(response.status).header('content-type', response.contentType);
      for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
      return reply.send(response.body);
    });
    app.addHook('onSend', async (request, _reply, payload) => {
      if (!this.#malformed.has(request) || typeof payload !== 'string') return payload;
      return truncateJson(payload);
    });
  }

  #respond(fault: Fault, target: string, endpoint: string, request: FastifyRequest): FaultResponse {
    const emulation = this.#emulations.find((candidate) => candidate.name === target);
    const errorResponse = (status: number) => emulation?.errorResponse?.(status) ?? defaultErrorResponse(status);
    const withRetryAfter = (response: FaultResponse): FaultResponse =>
      fault.retryAfterSeconds === undefined
        ? response
        : { ...response, headers: { ...response.headers, 'retry-after': String(fault.retryAfterSeconds) } };
    switch (fault.kind) {
      case 'status':
        return withRetryAfter(errorResponse(fault.status ?? 503));
      case 'rate_limit':
        return withRetryAfter(errorResponse(429));
      case 'html':
        return { status: fault.status ?? 200, contentType: 'text/html; charset=utf-8', body: WAF_HTML_PAGE };
      case 'empty_body':
        return { status: fault.status ?? 200, contentType: 'application/json; charset=utf-8', body: '' };
      default: {
        const quirk = emulation?.quirks?.[fault.kind];
        // FaultStore.take only matches quirk kinds the emulation defines, so `quirk` is always set here.
        if (quirk === undefined) return defaultErrorResponse(500);
        return quirk.respond(fault, endpoint, request);
      }
    }
  }

  #installControls(): void {
    const app = this.#app;
    app.get('/__sandbox', async () => ({
      name: 'backbeat-sandbox',
      description: 'Offline emulations of the upstream music APIs, with request counters and fault injection.',
      faultKinds: GENERIC_FAULT_KINDS,
      emulations: this.#emulations.map((emulation) => ({
        name: emulation.name,
        description: emulation.description,
        endpoints: emulation.endpoints.map((endpoint) => `${emulation.name}:${endpoint}`),
        quirkKinds: Object.entries(emulation.quirks ?? {}).map(([kind, quirk]) => ({
          kind,
          description: quirk.description,
          variants: quirk.variants ?? [],
        })),
        controls: emulation.controls ?? [],
      })),
      controls: genericControls(this.#emulations[0]),
    }));
    app.get('/__sandbox/stats', async () => this.stats());
    app.post('/__sandbox/stats/reset', async () => {
      this.resetStats();
      return this.stats();
    });
    app.get('/__sandbox/faults', async () => ({ faults: this.faults.list() }));
    app.post('/__sandbox/faults', async (request, reply) => reply.code(201).send(this.faults.add(request.body)));
    app.delete('/__sandbox/faults', async () => ({ cleared: this.faults.clear() }));
    app.delete<{ Params: { id: string } }>('/__sandbox/faults/:id', async (request, reply) => {
      if (!this.faults.remove(request.params.id)) throw new SandboxNotFoundError(`No fault ${request.params.id}`);
      return reply.code(204).send();
    });
    app.post('/__sandbox/reset', async () => {
      this.reset();
      return { reset: true };
    });
  }
}

/** The generic control routes; the fault example names the first emulation and its first endpoint. */
function genericControls(example: Emulation | undefined): ControlRoute[] {
  return [
    { method: 'GET', path: '/__sandbox', description: 'This index' },
    {
      method: 'GET',
      path: '/__sandbox/stats',
      description: "Request counts per endpoint and emulations' own figures: { requests, total, emulations? }",
    },
    {
      method: 'POST',
      path: '/__sandbox/stats/reset',
      description: "Zero the request counters and emulations' figures",
    },
    { method: 'GET', path: '/__sandbox/faults', description: 'Active faults' },
    {
      method: 'POST',
      path: '/__sandbox/faults',
      description: 'Inject a fault; answers 201 with the fault and its id',
      exampleBody: {
        target: example?.name ?? '*',
        ...(example?.endpoints[0] !== undefined ? { endpoint: example.endpoints[0] } : {}),
        kind: 'rate_limit',
        retryAfterSeconds: 2,
        times: 1,
      },
    },
    { method: 'DELETE', path: '/__sandbox/faults', description: 'Clear every fault' },
    { method: 'DELETE', path: '/__sandbox/faults/:id', description: 'Clear one fault (204; 404 when unknown)' },
    { method: 'POST', path: '/__sandbox/reset', description: 'Catalogs back to the seed; counters and faults cleared' },
  ];
}

function defaultErrorResponse(status: number): FaultResponse {
  return jsonResponse(status, { error: { status, message: STATUS_CODES[status] ?? 'Error' } });
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { code, message } });
}

/** Cuts a JSON text short so it no longer parses (a dropped connection mid-body, as proxies produce). */
export function truncateJson(text: string): string {
  const cut = text.slice(0, Math.max(1, Math.floor(text.length * 0.6)));
  try {
    JSON.parse(cut);
    return `${cut}{"`;
  } catch {
    return cut;
  }
}

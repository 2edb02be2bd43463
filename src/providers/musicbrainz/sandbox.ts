/**
 * MusicBrainz emulation: `GET /ws/2/release-group?query=…` and `GET /ws/2/release?query=…` searches in the real JSON
 * shapes (UPSTREAMS.md §3), over the MusicBrainz side of the sandbox's chart catalog (`src/sandbox/chart-catalog.ts`):
 * the release groups of the albums the Spotify emulation lists, their decoys (live albums, compilations, same-titled
 * groups by other artists, the artists' other albums) and unrelated filler.
 *
 * Queries are read as Lucene, as MusicBrainz reads them: `field:term`, `field:"a phrase"`, bare terms, `AND` / `OR` /
 * `NOT` / `&&` / `||` / `+` / `-`, parentheses, `field:(a b)`, `^boost`, `term~` (fuzzy), `*` and `?` wildcards,
 * `[a TO b]` ranges, backslash escapes. The default operator is OR. Text is folded (case, accents) and split into
 * words; Japanese and Chinese characters are one word each. A phrase matches by word overlap rather than word order,
 * so a partial title still finds partial matches, as MusicBrainz' fuzzy ranking does. Unescaped special characters
 * never fail a query: a stray one is skipped. Scores are MusicBrainz-like: each clause scores the share of its words
 * found (rarer words weigh more), a title made of nothing but query words ranks above one with extra words, and the
 * answer is normalised so that the best hit scores 100. Equal scores list the older group first.
 *
 * Like the real service it refuses anonymous clients (403 without a User-Agent, or with an HTTP library's default
 * one) and enforces its rate limit: a request arriving less than `minIntervalMs` (default 1000) after the previous
 * one is answered 503. It keeps what a test needs to check a client's pacing: the smallest gap seen between two
 * requests, the number of 503s, and a log of every request.
 */
import type { MusicBrainzErrorBody } from './api-types.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  chartCatalog,
  type MbCredit,
  type MbRelease,
  type MbReleaseGroup,
  type MbSecondaryType,
} from '../../sandbox/chart-catalog.ts';
import { jsonResponse, type ControlRoute, type Emulation, type FaultResponse } from '../../sandbox/framework.ts';
import { derivedToken } from '../../sandbox/random.ts';

const NAME = 'musicbrainz';
/** The searches the emulation answers (counter and fault endpoint names). */
export const MUSICBRAINZ_ENDPOINTS = ['release-group', 'release'] as const;
export type MusicBrainzEndpoint = (typeof MUSICBRAINZ_ENDPOINTS)[number];

/** The body of MusicBrainz' 503 when a client exceeds the rate limit (as AzuraCast and Mixxx logged it). */
export const MUSICBRAINZ_RATE_LIMIT_MESSAGE =
  'Your requests are exceeding the allowable rate limit. Please see http://wiki.musicbrainz.org/XMLWebService for more information.';
const HELP = 'For usage, please see: https://musicbrainz.org/development/mmd';
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
/** Requests kept in the query log (oldest dropped first). */
const QUERY_LOG_SIZE = 1000;
/** Weight of the title-precision bonus: a title with no words beyond the query's ranks above one with extra words. */
const PRECISION_WEIGHT = 0.3;

/**
 * User-Agents that only name an HTTP library, not an application: MusicBrainz blocks clients that send them as it
 * blocks clients that send none. (`lightMyRequest` is what Fastify's `inject()` sends when a test sets none.)
 */
const ANONYMOUS_AGENTS =
  /^(node|undici|node-fetch|axios|got|python-requests|python-urllib|aiohttp|go-http-client|java|okhttp|lightmyrequest)\b/i;

const TYPE_IDS: Readonly<Record<string, string>> = {
  Album: 'f529b476-6e62-324f-b0aa-1f3e33d313fc',
  Single: 'd6038452-8ee0-3f68-affc-2de9a1ede0b9',
  EP: '6d0c5bf6-7a33-3420-a519-44fc63eedebf',
  Live: '6fd474e2-6b58-3102-9d17-d6f7eb7da0a0',
  Compilation: 'dd2a21e1-0c00-3729-a7a0-de60b84eb5d1',
};
const OFFICIAL_STATUS_ID = '4e304316-386d-3409-af2e-78857eec5cfe';
const AREA_NAMES: Readonly<Record<string, string>> = {
  XW: '[Worldwide]',
  US: 'United States',
  GB: 'United Kingdom',
  DE: 'Germany',
  SE: 'Sweden',
  JP: 'Japan',
  KR: 'South Korea',
  RU: 'Russia',
  EG: 'Egypt',
};

/** Options for {@link MusicBrainzEmulation}. */
export interface MusicBrainzOptions {
  /** Catalog seed: the same one the Spotify emulation uses, so its albums are the ones searched for. */
  seed: number;
  /**
   * The clock request arrivals are measured on (ms, monotonic). Default: `performance.now()` at the moment Fastify
   * received the request. Tests inject a fake one to place requests at exact gaps.
   */
  now?: () => number;
  /** A request arriving sooner than this after the previous one is answered 503 (default 1000; 0 disables). */
  minIntervalMs?: number;
}

/** What `stats()` and `GET /__sandbox/musicbrainz/stats` report (since the last reset). */
// A type alias, not an interface: the framework takes emulation figures as `Record<string, unknown>`.
export type MusicBrainzStats = {
  /** Requests to the search endpoints, refused ones included. */
  requests: number;
  /** The smallest gap between two consecutive requests, in ms; null until there were two. */
  minGapMs: number | null;
  /** Requests answered 503 for arriving too soon. */
  throttled: number;
  /** Requests refused 403 for their User-Agent. */
  blocked: number;
  /** The configured minimum interval. */
  minIntervalMs: number;
};

/** One logged request. */
export interface MusicBrainzQuery {
  /** Arrival (ISO, wall clock). */
  at: string;
  endpoint: MusicBrainzEndpoint;
  /** The Lucene `query` parameter as received; null when absent. */
  query: string | null;
  /** Path and query string. */
  url: string;
  status: number;
  /** Time since the previous request (ms); null for the first one. */
  gapMs: number | null;
}

/**
 * The MusicBrainz emulation. Construct it and register it with a `SandboxFramework` (see `src/providers/sandboxes.ts`).
 */
export class MusicBrainzEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'MusicBrainz WS/2 search: GET /ws/2/release-group and /ws/2/release (Lucene query, fmt=json), with its ' +
    'User-Agent rule and 1 request/second rate limit (503)';
  readonly endpoints = MUSICBRAINZ_ENDPOINTS;
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'GET',
      path: '/__sandbox/musicbrainz/stats',
      description: 'Pacing figures: { requests, minGapMs, throttled, blocked, minIntervalMs }',
    },
    {
      method: 'GET',
      path: '/__sandbox/musicbrainz/queries',
      description: 'The request log: { queries: [{ at, endpoint, query, url, status, gapMs }] }, oldest first',
    },
  ];

  readonly #seed: number;
  readonly #clock: (() => number) | undefined;
  readonly #minIntervalMs: number;
  #index: SearchIndex | undefined;
  /** Arrival of the latest request on the pacing clock. */
  #previous: number | undefined;
  /** True until a request arrives after a stats reset: its gap to the request before the reset is not a stat. */
  #fresh = true;
  #requests = 0;
  #minGap: number | null = null;
  #throttled = 0;
  #blocked = 0;
  #log: MusicBrainzQuery[] = [];
  readonly #arrivals = new WeakMap<FastifyRequest, Arrival>();

  constructor(options: MusicBrainzOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#minIntervalMs = Math.max(0, options.minIntervalMs ?? 1000);
  }

  /** Forgets the pacing state (the previous request's time), the stats and the log. */
  reset(): void {
    this.#previous = undefined;
    this.resetStats();
  }

  /** Zeroes the stats and empties the log; the rate limit still measures from the previous request. */
  resetStats(): void {
    this.#fresh = true;
    this.#requests = 0;
    this.#minGap = null;
    this.#throttled = 0;
    this.#blocked = 0;
    this.#log = [];
  }

  stats(): MusicBrainzStats {
    return {
      requests: this.#requests,
      minGapMs: this.#minGap === null ? null : roundMs(this.#minGap),
      throttled: this.#throttled,
      blocked: this.#blocked,
      minIntervalMs: this.#minIntervalMs,
    };
  }

  /** Copies of the logged requests, oldest first. */
  queries(): MusicBrainzQuery[] {
    return this.#log.map((entry) => ({ ...entry }));
  }

  /** MusicBrainz' error envelope; its 503 is the rate-limit message. */
  errorResponse(status: number): FaultResponse {
    if (status === 503) return jsonResponse(503, { error: MUSICBRAINZ_RATE_LIMIT_MESSAGE });
    const body: MusicBrainzErrorBody = { error: ERROR_MESSAGES[status] ?? 'Error', help: HELP };
    return jsonResponse(status, body);
  }

  register(app: FastifyInstance): void {
    for (const endpoint of MUSICBRAINZ_ENDPOINTS) {
      app.get(
        `/ws/2/${endpoint}`,
        {
          config: { sandbox: { target: NAME, endpoint } },
          // Fastify takes the arrival time of routes with onResponse hooks, so requests held by a delay fault and
          // requests a fault answered are logged at the time they arrived.
          onResponse: async (request, reply) => this.#logged(request, reply, endpoint),
        },
        async (request, reply) => this.#search(request, reply, endpoint),
      );
    }
    app.get('/__sandbox/musicbrainz/stats', async () => this.stats());
    app.get('/__sandbox/musicbrainz/queries', async () => ({ queries: this.queries() }));
  }

  /** Search answers over the catalog (tests use it to see what a query finds without pacing). */
  search(endpoint: MusicBrainzEndpoint, query: string, limit = DEFAULT_LIMIT, offset = 0): SearchAnswer {
    this.#index ??= new SearchIndex(this.#seed);
    return this.#index.search(endpoint, query, limit, offset);
  }

  async #search(request: FastifyRequest, reply: FastifyReply, endpoint: MusicBrainzEndpoint): Promise<unknown> {
    const { gap } = this.#arrive(request, reply);
    if (gap !== null && gap < this.#minIntervalMs) {
      this.#throttled++;
      return reply.code(503).send({ error: MUSICBRAINZ_RATE_LIMIT_MESSAGE });
    }
    const agent = request.headers['user-agent']?.trim() ?? '';
    if (agent === '' || ANONYMOUS_AGENTS.test(agent)) {
      this.#blocked++;
      return reply.code(403).send({
        error:
          'Requests without a meaningful User-Agent are blocked. Identify your application, e.g. ' +
          '"MyApp/1.2.0 ( https://example.org/contact )".',
      });
    }
    const query = request.query as Record<string, string | string[] | undefined>;
    const fmt = first(query.fmt);
    const acceptsJson = (request.headers.accept ?? '').includes('application/json');
    if (fmt !== undefined ? fmt !== 'json' : !acceptsJson) {
      return reply.code(400).send({ error: 'This sandbox answers JSON only: add fmt=json.', help: HELP });
    }
    const text = first(query.query);
    if (text === undefined || text.trim() === '') {
      return reply.code(400).send({ error: 'The query parameter is required.', help: HELP });
    }
    const limit = integerParam(first(query.limit), DEFAULT_LIMIT);
    const offset = integerParam(first(query.offset), 0);
    if (limit === undefined || offset === undefined) {
      return reply.code(400).send({ error: 'Invalid limit or offset: they must be whole numbers.', help: HELP });
    }
    const answer = this.search(endpoint, text, Math.min(MAX_LIMIT, Math.max(1, limit)), Math.max(0, offset));
    return { created: new Date().toISOString(), ...answer };
  }

  /** Notes a request's arrival once (from the handler, or when a fault answered, from the response hook). */
  #arrive(request: FastifyRequest, reply: FastifyReply): Arrival {
    const known = this.#arrivals.get(request);
    if (known !== undefined) return known;
    const elapsed = reply.elapsedTime;
    const time = this.#clock !== undefined ? this.#clock() : performance.now() - elapsed;
    const previous = this.#previous;
    // Requests held by a delay fault reach this point late: a gap is the distance between arrivals either way.
    const gap = previous === undefined ? null : Math.abs(time - previous);
    this.#previous = previous === undefined ? time : Math.max(previous, time);
    this.#requests++;
    if (gap !== null && !this.#fresh) this.#minGap = this.#minGap === null ? gap : Math.min(this.#minGap, gap);
    this.#fresh = false;
    const arrival: Arrival = {
      gap: gap === null ? null : roundMs(gap),
      at: new Date(Date.now() - elapsed).toISOString(),
    };
    this.#arrivals.set(request, arrival);
    return arrival;
  }

  #logged(request: FastifyRequest, reply: FastifyReply, endpoint: MusicBrainzEndpoint): void {
    const arrival = this.#arrive(request, reply);
    const query = first((request.query as Record<string, string | string[] | undefined>).query);
    this.#log.push({
      at: arrival.at,
      endpoint,
      query: query ?? null,
      url: request.url,
      status: reply.statusCode,
      gapMs: arrival.gap,
    });
    if (this.#log.length > QUERY_LOG_SIZE) this.#log.splice(0, this.#log.length - QUERY_LOG_SIZE);
  }
}

interface Arrival {
  /** Distance to the previous request's arrival (ms), null for the first. */
  gap: number | null;
  /** Arrival, ISO wall clock. */
  at: string;
}

const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** Milliseconds to the microsecond, for readable figures. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A whole number from a query parameter; `fallback` when absent; undefined when not a number. */
function integerParam(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

// ------------------------------------------------------------------ text analysis

/** Japanese and Chinese characters: one word each, as Lucene's standard tokenizer splits ideographs. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Case- and accent-folded text: `Beyoncé` and `BEYONCE` fold alike; other scripts keep their marks. */
export function foldText(text: string): string {
  return text
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC')
    .toLowerCase();
}

/** The words of `text` as the index sees them (folded; apostrophes dropped inside words; ideographs one by one). */
export function searchWords(text: string): string[] {
  const words: string[] = [];
  for (const match of foldText(text).matchAll(WORD)) {
    const word = match[0].replace(/['’]/g, '');
    if (!CJK.test(word)) {
      words.push(word);
      continue;
    }
    let run = '';
    for (const char of word) {
      if (CJK.test(char)) {
        if (run !== '') words.push(run);
        run = '';
        words.push(char);
      } else run += char;
    }
    if (run !== '') words.push(run);
  }
  return words;
}

// ------------------------------------------------------------------ Lucene queries

type Occur = 'must' | 'should' | 'must_not';

interface Term {
  /** The folded word (for a wildcard term, its pattern text). */
  readonly word: string;
  readonly pattern?: RegExp;
  readonly maxEdits?: number;
}

/** A parsed Lucene query. */
export type LuceneQuery =
  | { kind: 'bool'; clauses: { occur: Occur; query: LuceneQuery }[]; boost: number }
  | { kind: 'text'; field: string | undefined; raw: string; terms: Term[]; boost: number }
  | { kind: 'range'; field: string | undefined; lower: string; upper: string; boost: number };

type BoolQuery = Extract<LuceneQuery, { kind: 'bool' }>;

interface TermChar {
  readonly char: string;
  readonly escaped: boolean;
}

/** Characters that end a bare term unless escaped. */
const TERM_STOPS = new Set(['(', ')', '"', ':', '^', '~']);

/**
 * Parses a Lucene query the way MusicBrainz' search reads it (default operator OR). Never throws: malformed input
 * (unbalanced quotes or parentheses, stray operators, unescaped special characters) parses to what it can.
 */
export function parseLucene(input: string): LuceneQuery {
  return new LuceneParser(input).parse();
}

class LuceneParser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): BoolQuery {
    return this.#bool(undefined, 0);
  }

  #bool(field: string | undefined, depth: number): BoolQuery {
    const clauses: BoolQuery['clauses'] = [];
    let conjunction: 'and' | 'or' | undefined;
    for (;;) {
      this.#spaces();
      const char = this.#peek();
      if (char === undefined) break;
      if (char === ')') {
        if (depth > 0) break;
        this.#at++; // a stray closing parenthesis
        continue;
      }
      if (this.#keyword('AND') || this.#symbol('&&')) {
        conjunction = 'and';
        continue;
      }
      if (this.#keyword('OR') || this.#symbol('||')) {
        conjunction = 'or';
        continue;
      }
      let modifier: 'required' | 'prohibited' | undefined;
      if (this.#keyword('NOT')) modifier = 'prohibited';
      else if ((char === '+' || char === '-' || char === '!') && this.#attached()) {
        modifier = char === '+' ? 'required' : 'prohibited';
        this.#at++;
      }
      const query = this.#primary(field, depth);
      // A clause that analyses to nothing (`&`, a lone `-`) disappears; a pending AND still applies to the next one.
      if (query === undefined) continue;
      addClause(clauses, conjunction, modifier, query);
      conjunction = undefined;
    }
    return { kind: 'bool', clauses, boost: 1 };
  }

  #primary(field: string | undefined, depth: number): LuceneQuery | undefined {
    this.#spaces();
    const char = this.#peek();
    if (char === undefined) return undefined;
    if (char === '(') {
      this.#at++;
      const inner = this.#bool(field, depth + 1);
      if (this.#peek() === ')') this.#at++;
      inner.boost = this.#suffixes().boost;
      return inner.clauses.length > 0 ? inner : undefined;
    }
    if (char === '"') {
      const phrase = this.#phrase();
      const { boost } = this.#suffixes();
      return textQuery(field, phrase, undefined, boost);
    }
    if (char === '[' || char === '{') {
      const range = this.#range(field);
      if (range !== undefined) return range;
    }
    const term = this.#term();
    if (term.length === 0) {
      this.#at++; // a character that cannot start a term (`:`, `^`, `~`): skip it
      return undefined;
    }
    if (this.#peek() === ':') {
      this.#at++;
      const name = term.map((part) => part.char).join('');
      return this.#primary(name.toLowerCase(), depth);
    }
    const { boost, maxEdits } = this.#suffixes();
    return textQuery(field, term, maxEdits, boost);
  }

  /** A bare term up to whitespace or an unescaped stop character; `\x` is the literal `x`. */
  #term(): TermChar[] {
    const chars: TermChar[] = [];
    for (;;) {
      const char = this.#peek();
      if (char === undefined || /\s/.test(char) || TERM_STOPS.has(char)) break;
      this.#at++;
      if (char === '\\') {
        const next = this.#peek();
        if (next === undefined) break;
        this.#at++;
        chars.push({ char: next, escaped: true });
      } else chars.push({ char, escaped: false });
    }
    return chars;
  }

  /** A quoted phrase (the opening quote at the cursor); an unterminated one runs to the end. */
  #phrase(): string {
    this.#at++;
    let text = '';
    for (;;) {
      const char = this.#peek();
      if (char === undefined) break;
      this.#at++;
      if (char === '"') break;
      if (char === '\\') {
        const next = this.#peek();
        if (next === undefined) break;
        this.#at++;
        text += next;
      } else text += char;
    }
    return text;
  }

  /** `[a TO b]` or `{a TO b}`; undefined (cursor unchanged) when the text is not a range. */
  #range(field: string | undefined): LuceneQuery | undefined {
    const start = this.#at;
    const close = this.#text.slice(start).search(/[\]}]/);
    if (close < 0) return undefined;
    const body = this.#text.slice(start + 1, start + close);
    const bounds = body.split(/\s+TO\s+/);
    if (bounds.length !== 2) return undefined;
    this.#at = start + close + 1;
    const clean = (bound: string) => bound.trim().replace(/^"|"$/g, '').replace(/\\(.)/g, '$1').toLowerCase();
    const { boost } = this.#suffixes();
    return { kind: 'range', field, lower: clean(bounds[0] ?? '*'), upper: clean(bounds[1] ?? '*'), boost };
  }

  /** `~n` (fuzzy edits; proximity on phrases, which word overlap makes moot) and `^n` (boost), in either order. */
  #suffixes(): { boost: number; maxEdits: number | undefined } {
    let boost = 1;
    let maxEdits: number | undefined;
    for (let round = 0; round < 2; round++) {
      const char = this.#peek();
      if (char !== '^' && char !== '~') break;
      this.#at++;
      const number = /^\d+(?:\.\d+)?/.exec(this.#text.slice(this.#at))?.[0];
      if (number !== undefined) this.#at += number.length;
      if (char === '^') boost = number === undefined ? 1 : Number(number);
      else maxEdits = Math.min(2, number === undefined ? 2 : Math.round(Number(number)));
    }
    return { boost, maxEdits };
  }

  /** Consumes `word` when it stands alone (an operator must be followed by whitespace, `(`, `"` or the end). */
  #keyword(word: string): boolean {
    if (!this.#text.startsWith(word, this.#at)) return false;
    const after = this.#text[this.#at + word.length];
    if (after !== undefined && !/[\s("]/.test(after)) return false;
    this.#at += word.length;
    return true;
  }

  #symbol(symbol: string): boolean {
    if (!this.#text.startsWith(symbol, this.#at)) return false;
    this.#at += symbol.length;
    return true;
  }

  /** Whether the character after the cursor starts a clause (a `+`/`-`/`!` modifier must touch its clause). */
  #attached(): boolean {
    const next = this.#text[this.#at + 1];
    return next !== undefined && !/\s/.test(next);
  }

  #spaces(): void {
    while (/\s/.test(this.#peek() ?? '')) this.#at++;
  }

  #peek(): string | undefined {
    return this.#text[this.#at];
  }
}

/** Lucene's rule: `AND` makes both neighbours required; `+` requires, `-`/`NOT` prohibits; otherwise optional. */
function addClause(
  clauses: BoolQuery['clauses'],
  conjunction: 'and' | 'or' | undefined,
  modifier: 'required' | 'prohibited' | undefined,
  query: LuceneQuery,
): void {
  const last = clauses.at(-1);
  if (last !== undefined && conjunction === 'and' && last.occur === 'should') last.occur = 'must';
  const occur: Occur =
    modifier === 'prohibited' ? 'must_not' : modifier === 'required' || conjunction === 'and' ? 'must' : 'should';
  clauses.push({ occur, query });
}

/** A text clause: its words, with unescaped `*` / `?` as wildcards; undefined when it has no words. */
function textQuery(
  field: string | undefined,
  input: string | TermChar[],
  maxEdits: number | undefined,
  boost: number,
): LuceneQuery | undefined {
  const chars: TermChar[] = typeof input === 'string' ? [...input].map((char) => ({ char, escaped: true })) : input;
  const raw = chars.map((part) => part.char).join('');
  // Wildcards become private-use markers, so the word splitter keeps them inside their word.
  const marked = chars
    .map((part) => (part.escaped ? part.char : part.char === '*' ? '\uE000' : part.char === '?' ? '\uE001' : part.char))
    .join('');
  const terms: Term[] = [];
  for (const piece of foldText(marked).split(/[^\p{L}\p{N}\p{M}'’\uE000\uE001]+/u)) {
    if (piece === '') continue;
    if (/[\uE000\uE001]/.test(piece)) {
      const source = piece
        .replace(/['’]/g, '')
        .split('')
        .map((char) =>
          char === '\uE000' ? '[\\p{L}\\p{N}\\p{M}]*' : char === '\uE001' ? '[\\p{L}\\p{N}\\p{M}]' : escapeRegExp(char),
        )
        .join('');
      terms.push({ word: piece, pattern: new RegExp(`^${source}$`, 'u') });
      continue;
    }
    for (const word of searchWords(piece)) terms.push(maxEdits === undefined ? { word } : { word, maxEdits });
  }
  if (terms.length === 0) return undefined;
  return { kind: 'text', field, raw: raw.trim().toLowerCase(), terms, boost };
}

function escapeRegExp(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char;
}

/** Levenshtein distance, stopping early once it exceeds `limit`. */
function withinEdits(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return false;
    previous = current;
  }
  return (previous[b.length] ?? Number.POSITIVE_INFINITY) <= limit;
}

// ------------------------------------------------------------------ the index

type FieldKind = 'text' | 'keyword' | 'id' | 'date';

interface Field {
  readonly kind: FieldKind;
  /** Words (text, keyword) or lower-cased values (id, date). */
  readonly values: ReadonlySet<string>;
}

interface Doc {
  readonly fields: ReadonlyMap<string, Field>;
  /** The distinct words of the document's own title (a group's or a release's), for the precision bonus. */
  readonly titleWords: readonly string[];
  /** For equal scores: older first. */
  readonly date: string;
  readonly title: string;
  readonly group: MbReleaseGroup;
  readonly release: MbRelease | undefined;
}

/** MusicBrainz field names per index; `''` is the default field (bare terms): the title and the artist credit. */
const GROUP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': ['releasegroup', 'artist'],
  releasegroup: ['releasegroup'],
  releasegroupaccent: ['releasegroup'],
  release: ['release'],
  artist: ['artist'],
  artistname: ['artistname'],
  creditname: ['creditname'],
  arid: ['arid'],
  rgid: ['rgid'],
  reid: ['reid'],
  primarytype: ['primarytype'],
  secondarytype: ['secondarytype'],
  type: ['primarytype', 'secondarytype'],
  status: ['status'],
  firstreleasedate: ['firstreleasedate'],
  comment: ['comment'],
};
const RELEASE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': ['release', 'artist'],
  release: ['release'],
  releaseaccent: ['release'],
  releasegroup: ['releasegroup'],
  artist: ['artist'],
  artistname: ['artistname'],
  creditname: ['creditname'],
  arid: ['arid'],
  rgid: ['rgid'],
  reid: ['reid'],
  primarytype: ['primarytype'],
  secondarytype: ['secondarytype'],
  type: ['primarytype', 'secondarytype'],
  status: ['status'],
  date: ['date'],
  country: ['country'],
  format: ['format'],
  tracks: ['tracks'],
  lang: ['lang'],
  script: ['script'],
  comment: ['comment'],
};

/** One page of search results, in the answer's shape (`created` is added by the route). */
export type SearchAnswer =
  | { count: number; offset: number; 'release-groups': unknown[] }
  | { count: number; offset: number; releases: unknown[] };

/** The searchable catalog: a release-group index and a release index, with word weights (rarer words weigh more). */
class SearchIndex {
  readonly #groups: readonly Doc[];
  readonly #releases: readonly Doc[];
  readonly #weights: ReadonlyMap<string, number>;
  readonly #unknownWeight: number;

  constructor(seed: number) {
    const groups = chartCatalog(seed).releaseGroups;
    this.#groups = groups.map((group) => groupDoc(group));
    this.#releases = groups.flatMap((group) => group.releases.map((release) => releaseDoc(group, release)));
    const frequencies = new Map<string, number>();
    for (const doc of [...this.#groups, ...this.#releases]) {
      const words = new Set<string>();
      for (const field of doc.fields.values())
        if (field.kind === 'text') for (const word of field.values) words.add(word);
      for (const word of words) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
    }
    const total = this.#groups.length + this.#releases.length;
    this.#weights = new Map([...frequencies].map(([word, count]) => [word, Math.log(1 + total / (1 + count))]));
    this.#unknownWeight = Math.log(1 + total);
  }

  search(endpoint: MusicBrainzEndpoint, text: string, limit: number, offset: number): SearchAnswer {
    const query = parseLucene(text);
    const fields = endpoint === 'release-group' ? GROUP_FIELDS : RELEASE_FIELDS;
    const queryWords = new Set(positiveWords(query));
    const hits: { doc: Doc; raw: number }[] = [];
    for (const doc of endpoint === 'release-group' ? this.#groups : this.#releases) {
      const score = this.#evaluate(query, doc, fields);
      if (score === undefined) continue;
      hits.push({ doc, raw: score + PRECISION_WEIGHT * this.#precision(doc, queryWords) });
    }
    hits.sort(
      (a, b) =>
        b.raw - a.raw ||
        a.doc.date.localeCompare(b.doc.date) ||
        a.doc.title.localeCompare(b.doc.title) ||
        a.doc.group.id.localeCompare(b.doc.group.id),
    );
    const best = hits[0]?.raw ?? 1;
    const page = hits.slice(offset, offset + limit).map(({ doc, raw }) => ({
      doc,
      score: Math.max(1, Math.round((100 * raw) / best)),
    }));
    if (endpoint === 'release-group') {
      return {
        count: hits.length,
        offset,
        'release-groups': page.map(({ doc, score }) => groupJson(doc.group, score)),
      };
    }
    return {
      count: hits.length,
      offset,
      releases: page.map(({ doc, score }) => releaseJson(doc.group, doc.release as MbRelease, score)),
    };
  }

  /** The clause's score for `doc`, or undefined when it does not match. */
  #evaluate(query: LuceneQuery, doc: Doc, names: Readonly<Record<string, readonly string[]>>): number | undefined {
    switch (query.kind) {
      case 'bool': {
        let score = 0;
        let required = false;
        let matchedOptional = false;
        for (const clause of query.clauses) {
          const result = this.#evaluate(clause.query, doc, names);
          if (clause.occur === 'must_not') {
            if (result !== undefined) return undefined;
          } else if (clause.occur === 'must') {
            if (result === undefined) return undefined;
            required = true;
            score += result;
          } else if (result !== undefined) {
            matchedOptional = true;
            score += result;
          }
        }
        return required || matchedOptional ? score * query.boost : undefined;
      }
      case 'text': {
        const fields = resolveFields(query.field, doc, names);
        if (fields.length === 0) return undefined;
        const kind = fields[0]?.kind ?? 'text';
        if (kind === 'id') return fields.some((field) => field.values.has(query.raw)) ? query.boost : undefined;
        if (kind === 'date') {
          const match = fields.some((field) => [...field.values].some((value) => value.startsWith(query.raw)));
          return match ? query.boost : undefined;
        }
        let total = 0;
        let found = 0;
        for (const term of query.terms) {
          const weight = kind === 'keyword' ? 1 : this.#weight(term);
          total += weight;
          if (fields.some((field) => termMatches(term, field.values))) found += weight;
        }
        return found > 0 ? (query.boost * found) / total : undefined;
      }
      case 'range': {
        const fields = resolveFields(query.field, doc, names);
        const inRange = (value: string) =>
          (query.lower === '*' || value >= query.lower) && (query.upper === '*' || value <= query.upper);
        const match = fields.some((field) => [...field.values].some(inRange));
        return match ? query.boost : undefined;
      }
    }
  }

  /** The weighted share of the document's title words that the query contains. */
  #precision(doc: Doc, queryWords: ReadonlySet<string>): number {
    let total = 0;
    let found = 0;
    for (const word of doc.titleWords) {
      const weight = this.#weights.get(word) ?? this.#unknownWeight;
      total += weight;
      if (queryWords.has(word)) found += weight;
    }
    return total === 0 ? 0 : found / total;
  }

  #weight(term: Term): number {
    if (term.pattern !== undefined) return this.#unknownWeight / 2;
    return this.#weights.get(term.word) ?? this.#unknownWeight;
  }
}

function resolveFields(
  field: string | undefined,
  doc: Doc,
  names: Readonly<Record<string, readonly string[]>>,
): Field[] {
  // `*:…` searches every text field (`*:*` matches everything).
  if (field === '*') return [...doc.fields.values()].filter((value) => value.kind === 'text');
  return (names[field ?? ''] ?? []).flatMap((key) => {
    const value = doc.fields.get(key);
    return value === undefined ? [] : [value];
  });
}

function termMatches(term: Term, values: ReadonlySet<string>): boolean {
  if (term.pattern !== undefined) {
    const pattern = term.pattern;
    return [...values].some((value) => pattern.test(value));
  }
  if (values.has(term.word)) return true;
  const edits = term.maxEdits;
  if (edits === undefined || edits === 0 || term.word.length <= edits) return false;
  return [...values].some((value) => withinEdits(term.word, value, edits));
}

/** The words of every clause that is not prohibited (what a title should consist of to rank first). */
function positiveWords(query: LuceneQuery): string[] {
  switch (query.kind) {
    case 'bool':
      return query.clauses.filter((clause) => clause.occur !== 'must_not').flatMap((c) => positiveWords(c.query));
    case 'text':
      return query.terms.filter((term) => term.pattern === undefined).map((term) => term.word);
    case 'range':
      return [];
  }
}

function textField(value: string): Field {
  return { kind: 'text', values: new Set(searchWords(value)) };
}

function keyword(values: readonly string[]): Field {
  return { kind: 'keyword', values: new Set(values.flatMap((value) => searchWords(value))) };
}

function ids(values: readonly string[]): Field {
  return { kind: 'id', values: new Set(values.map((value) => value.toLowerCase())) };
}

function creditText(credits: readonly MbCredit[]): string {
  return credits.map((credit) => `${credit.name}${credit.joinphrase}`).join('');
}

function sharedFields(group: MbReleaseGroup): [string, Field][] {
  return [
    ['releasegroup', textField(group.title)],
    ['artist', textField(creditText(group.credits))],
    ['artistname', textField(group.credits.map((credit) => credit.artist.name).join(' '))],
    ['creditname', textField(group.credits.map((credit) => credit.name).join(' '))],
    ['arid', ids(group.credits.map((credit) => credit.artist.id))],
    ['rgid', ids([group.id])],
    ['primarytype', keyword([group.primaryType])],
    ['secondarytype', keyword(group.secondaryTypes)],
    ['status', keyword(['official'])],
    ['comment', textField(group.disambiguation)],
  ];
}

function groupDoc(group: MbReleaseGroup): Doc {
  return {
    fields: new Map([
      ...sharedFields(group),
      ['release', textField(group.releases.map((release) => release.title).join(' \n '))],
      ['reid', ids(group.releases.map((release) => release.id))],
      ['firstreleasedate', { kind: 'date', values: new Set([group.firstReleaseDate]) }],
    ]),
    titleWords: [...new Set(searchWords(group.title))],
    date: group.firstReleaseDate,
    title: group.title,
    group,
    release: undefined,
  };
}

function releaseDoc(group: MbReleaseGroup, release: MbRelease): Doc {
  return {
    fields: new Map([
      ...sharedFields(group),
      ['release', textField(release.title)],
      ['reid', ids([release.id])],
      ['date', { kind: 'date', values: new Set([release.date]) }],
      ['country', keyword([release.country])],
      ['format', keyword([release.format])],
      ['tracks', keyword([String(release.trackCount)])],
      ['lang', keyword([release.language])],
      ['script', keyword([release.script])],
    ]),
    titleWords: [...new Set(searchWords(release.title))],
    date: release.date,
    title: release.title,
    group,
    release,
  };
}

// ------------------------------------------------------------------ answer shapes

/** `type-id` is the most specific type: the last secondary type when there is one, else the primary type. */
function typeId(group: MbReleaseGroup): string | undefined {
  const secondary = group.secondaryTypes.at(-1);
  return TYPE_IDS[secondary ?? group.primaryType];
}

function secondaryTypes(types: readonly MbSecondaryType[]): Record<string, unknown> {
  if (types.length === 0) return {};
  return { 'secondary-types': [...types], 'secondary-type-ids': types.map((type) => TYPE_IDS[type]) };
}

function artistCreditJson(credits: readonly MbCredit[]): unknown[] {
  return credits.map((credit) => ({
    name: credit.name,
    ...(credit.joinphrase !== '' ? { joinphrase: credit.joinphrase } : {}),
    artist: {
      id: credit.artist.id,
      name: credit.artist.name,
      'sort-name': credit.artist.sortName,
      ...(credit.artist.disambiguation !== '' ? { disambiguation: credit.artist.disambiguation } : {}),
    },
  }));
}

function groupJson(group: MbReleaseGroup, score: number): unknown {
  return {
    id: group.id,
    'type-id': typeId(group),
    score,
    'primary-type-id': TYPE_IDS[group.primaryType],
    count: group.releases.length,
    title: group.title,
    'first-release-date': group.firstReleaseDate,
    'primary-type': group.primaryType,
    ...secondaryTypes(group.secondaryTypes),
    'artist-credit': artistCreditJson(group.credits),
    releases: group.releases.map((release) => ({
      id: release.id,
      'status-id': OFFICIAL_STATUS_ID,
      title: release.title,
      status: release.status,
    })),
  };
}

function releaseJson(group: MbReleaseGroup, release: MbRelease, score: number): unknown {
  return {
    id: release.id,
    score,
    'status-id': OFFICIAL_STATUS_ID,
    count: 1,
    title: release.title,
    status: release.status,
    'text-representation': { language: release.language, script: release.script },
    'artist-credit': artistCreditJson(group.credits),
    'release-group': {
      id: group.id,
      'type-id': typeId(group),
      'primary-type-id': TYPE_IDS[group.primaryType],
      title: group.title,
      'primary-type': group.primaryType,
      ...(group.secondaryTypes.length > 0 ? { 'secondary-types': [...group.secondaryTypes] } : {}),
    },
    date: release.date,
    country: release.country,
    'release-events': [{ date: release.date, area: areaJson(release.country) }],
    'track-count': release.trackCount,
    media: [{ format: release.format, 'disc-count': 0, 'track-count': release.trackCount }],
  };
}

function areaJson(country: string): unknown {
  const name = AREA_NAMES[country] ?? country;
  // Area ids are fixed per country (not per seed): every sandbox names an area the same way.
  return {
    id: uuidFromHex(derivedToken(0, `musicbrainz:area:${country}`, '0123456789abcdef', 32)),
    name,
    'sort-name': name,
    'iso-3166-1-codes': [country],
  };
}

function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Fuzzes every operation of `/api/openapi.json` (read from the running app, so a route added later is fuzzed without
 * touching this file) with valid and hostile requests, in every storage mode, and asserts for every answer: no 5xx,
 * errors exactly `{ error: { code: BACKBEAT_ERR_*, message, details? } }`, 2xx bodies valid against the document, and
 * no write to the database by a batch of rejected requests.
 *
 * FUZZ_RUNS=<n> multiplies the number of requests (default ≈ 5,600 per mode); FUZZ_SEED=<n> replays a run (the seed
 * is printed with the summary and by fast-check on failure); FUZZ_COLLECT=1 keeps going after a violation and prints
 * every distinct one at the end.
 */
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requestArbitrary,
  strayRequestArbitrary,
  type AuthPool,
  type FuzzRequest,
  type Harvest,
} from '../support/fuzz-arbitraries.ts';
import { corpusRequests } from '../support/fuzz-corpus.ts';
import { checkAnswer, describeRequest, FuzzStats, settle, snapshot, type FuzzAnswer } from '../support/fuzz-oracle.ts';
import { operationsOf, SchemaValidators, type FuzzOperation, type OpenApiDocument } from '../support/fuzz-openapi.ts';
import { SANDBOX_DISCOGS_CONSUMER_KEY, SANDBOX_DISCOGS_CONSUMER_SECRET } from '../../src/providers/discogs/sandbox.ts';
import { MODES } from '../support/services.ts';
import {
  ADMIN_TOKEN,
  adminHeaders,
  JWT_SECRET,
  openTestDb,
  SPOTIFY_ENV,
  startStack,
  type Stack,
  type TestDb,
} from '../support/stack.ts';

/** The Share host secret of the fuzzed app. */
const SHARE_TOKEN = 'fuzz-share-token-0123';
const SCALE = Number(process.env.FUZZ_RUNS ?? '1') || 1;
const REQUESTS_PER_MODE = Math.round(6000 * SCALE);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const COLLECT = process.env.FUZZ_COLLECT === '1';
const BATCH = 12;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Reads that may write on their own once their input is valid: a call to Spotify or Discogs takes a token from its
 * bucket (a release Discogs does not have still cost one: 404), a stale cache read or a sync refreshes the trending
 * document, and a release's audio-match lookup computes and stores matches. Two writes spend a Discogs token even
 * when they answer an error (404, 429, 502): queuing a release's background match (the release is looked up first)
 * and connecting a Discogs account (a request token is asked for). A batch where one of them passed validation skips
 * the "wrote nothing" check.
 */
const WRITING_READS = new Set([
  'GET /api/spotify/trending',
  'GET /api/spotify/sync',
  'GET /api/cache/trending',
  'GET /api/admin/releases/{releaseId}/audio-match',
  'POST /api/admin/releases/{releaseId}/match',
  'POST /api/admin/discogs/connect',
]);
/** An answer slower than this is a hang (the suite must never wait on a stream). */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Operations whose accepted request starts expensive work (a fetch run against the sandbox): once this many were
 * accepted, every later request to them that carries the admin token is sent with a wrong one instead.
 */
const VALID_REQUEST_BUDGET: Readonly<Record<string, number>> = {
  'POST /api/new-releases/fetch': 3,
  'POST /api/admin/trending/sync': 3,
  'GET /api/admin/releases/{releaseId}/audio-match': 3,
  'POST /api/admin/releases/{releaseId}/tracks/{trackId}/match': 3,
  'POST /api/admin/releases/{releaseId}/match': 3,
  'POST /api/admin/discogs/connect': 3,
};

interface KnownDefect {
  id: string;
  /** True for a request this known, not yet fixed defect covers: it is sent and reported, not failed on. */
  matches(request: FuzzRequest): boolean;
}

/** Defects not fixed yet, one line each: requests they match are sent and counted, not failed on. */
const KNOWN_DEFECTS: readonly KnownDefect[] = [];

/** Requests and 5xx answers of every mode of this run, printed once at the end. */
const totals: { mode: string; requests: number; fiveXx: number; knownFiveXx: number }[] = [];
afterAll(() => {
  const requests = totals.reduce((sum, t) => sum + t.requests, 0);
  const fiveXx = totals.reduce((sum, t) => sum + t.fiveXx, 0);
  const modes = totals.map((t) => `${t.mode} ${t.requests}`).join(', ');
  const known = totals.reduce((sum, t) => sum + t.knownFiveXx, 0);
  console.log(`fuzz total: ${requests} requests (${modes}), ${fiveXx} answers 5xx (${known} of them KNOWN_DEFECTS)`);
});

describe.each(MODES)('OpenAPI fuzz (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  let doc: OpenApiDocument;
  let validators: SchemaValidators;
  let ops: FuzzOperation[];
  let auth: AuthPool;
  const harvest: Harvest = new Map();
  const stats = new FuzzStats();

  beforeAll(async () => {
    db = await openTestDb(mode, 'fuzz');
    // No scheduled fetch may start while batches are checked for writes.
    // Trending on (against the sandbox), so its routes are fuzzed on their real paths; enrichment off (it would only
    // pace MusicBrainz searches in the background).
    stack = await startStack({
      db,
      // Discogs accounts can be connected (sealed under a test key, with the sandbox's app credentials).
      env: {
        FETCH_CRON: '0 0 1 1 *',
        ...SPOTIFY_ENV,
        ENABLE_MUSICBRAINZ_ENRICHMENT: 'false',
        ENCRYPTION_KEY: 'f0'.repeat(32),
        DISCOGS_CONSUMER_KEY: SANDBOX_DISCOGS_CONSUMER_KEY,
        DISCOGS_CONSUMER_SECRET: SANDBOX_DISCOGS_CONSUMER_SECRET,
        BEARER_TOKEN: SHARE_TOKEN,
      },
    });
    const res = await stack.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDocument>();
    validators = new SchemaValidators();
    ops = operationsOf(doc);
    auth = await authPool();
    // Data to look up: one real fetch run, then every parameterless GET (integer queries at their minimum, so list
    // answers carry a cursor) harvested for ids, names and cursors.
    const run = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(run.statusCode).toBe(200);
    for (const op of ops.filter((o) => o.method === 'GET' && o.pathParams.length === 0 && !o.streams)) {
      const query = op.queryParams
        .filter((p) => p.schema?.type === 'integer' && typeof p.schema.minimum === 'number')
        .map((p) => `${p.name}=${String(p.schema?.minimum)}`)
        .join('&');
      for (const url of [op.path, `${op.path}?${query}`]) {
        const answer = await stack.app.inject({ url, headers: adminHeaders });
        if (answer.statusCode < 300) harvestFrom(answer.body);
      }
    }
  });

  afterAll(async () => {
    await stack?.close();
    await db?.close();
  });

  async function authPool(): Promise<AuthPool> {
    const guest = await stack.app.inject({ method: 'POST', url: '/api/auth/guest' });
    expect(guest.statusCode).toBe(201);
    const token = guest.json<{ token: string }>().token;
    const key = new TextEncoder().encode(JWT_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const signed = (claims: Record<string, unknown>, sub: string | undefined, exp: number | undefined, k = key) => {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('backbeat')
        .setIssuedAt(now);
      if (sub !== undefined) jwt = jwt.setSubject(sub);
      if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
      return jwt.sign(k);
    };
    const bearer = (t: string) => `Bearer ${t}`;
    return {
      admin: ADMIN_TOKEN,
      guest: token,
      share: SHARE_TOKEN,
      hostile: {
        wrongAdmin: bearer('test-admin-token-9876543210'),
        adminPlusOne: bearer(`${ADMIN_TOKEN}x`),
        adminMinusOne: bearer(ADMIN_TOKEN.slice(0, -1)),
        adminNul: bearer(`${ADMIN_TOKEN}\u0000`),
        basic: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
        bearerOnly: 'Bearer',
        bearerSpace: 'Bearer ',
        tokenWithoutScheme: ADMIN_TOKEN,
        long: bearer('a'.repeat(10_240)),
        control: 'Bearer \u0001\u0002\u001f',
        threeDots: bearer('a.b.c'),
        tamperedGuest: bearer(`${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`),
        guestTwice: `${bearer(token)}, ${bearer(token)}`,
        algNone: bearer(new UnsecuredJWT({ role: 'guest' }).setSubject('guest_x').setIssuer('backbeat').encode()),
        wrongSecret: bearer(await signed({ role: 'guest' }, 'guest_x', now + 3600, new TextEncoder().encode('nope'))),
        expired: bearer(await signed({ role: 'guest' }, 'guest_x', now - 3600)),
        noExp: bearer(await signed({ role: 'guest' }, 'guest_noexp', undefined)),
        noSub: bearer(await signed({ role: 'guest' }, undefined, now + 3600)),
        nulSub: bearer(await signed({ role: 'guest' }, 'guest_\u0000x', now + 3600)),
        longSub: bearer(await signed({ role: 'guest' }, `guest_${'x'.repeat(10_240)}`, now + 3600)),
        hugeExp: bearer(await signed({ role: 'guest' }, 'guest_far', 1e15)),
      },
    };
  }

  function harvestFrom(body: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    const walk = (value: unknown, key: string | undefined, depth: number): void => {
      if (depth > 6 || value === null || value === undefined) return;
      if (Array.isArray(value)) {
        for (const item of value.slice(0, 50)) walk(item, key, depth + 1);
      } else if (typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
      } else if (key && (typeof value === 'string' || typeof value === 'number') && String(value).length <= 400) {
        let set = harvest.get(key);
        if (!set) harvest.set(key, (set = new Set()));
        if (set.size < 300) set.add(String(value));
      }
    };
    walk(parsed, undefined, 0);
  }

  const budgetUsed = new Map<string, number>();

  /** Sends one request; undefined when the request cannot even be built (light-my-request refuses it). */
  async function send(request: FuzzRequest): Promise<FuzzAnswer | 'timeout' | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = stack.app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
      const timeout = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), ANSWER_TIMEOUT_MS)),
      );
      const res = await Promise.race([answer, timeout]);
      if (res === 'timeout') return res;
      return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
    } catch {
      stats.unsendable += 1;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The request with its credentials named (`<admin>`, `<guest>`, `<hostile:noExp>`), for reproductions. */
  function named(request: FuzzRequest): FuzzRequest {
    const value = request.headers.authorization;
    if (value === undefined) return request;
    const names: Record<string, string> = { [`Bearer ${auth.admin}`]: '<admin>', [`Bearer ${auth.guest}`]: '<guest>' };
    for (const [name, v] of Object.entries(auth.hostile)) names[v] = `<hostile:${name}>`;
    const name = names[value];
    return name ? { ...request, headers: { ...request.headers, authorization: name } } : request;
  }

  function knownDefect(request: FuzzRequest): string | undefined {
    return KNOWN_DEFECTS.find((d) => d.matches(request))?.id;
  }

  /** Waits until no whole-release match job (started by an accepted request) is waiting or running. */
  async function matchJobsDone(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const counts = await stack.container.queue.counts('matches.release');
      if (counts.waiting + counts.active === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends a batch; throws on the first violation unless collecting. */
  async function runBatch(batch: FuzzRequest[]): Promise<void> {
    await stack.container.trending.service.drain();
    await matchJobsDone();
    await settle(db.handle);
    const before = await snapshot(db.handle);
    let checkWrites = true;
    const writes: { request: FuzzRequest; status: number }[] = [];
    for (const original of batch) {
      let request = original;
      const budget = VALID_REQUEST_BUDGET[request.op];
      const carriesAdmin = request.headers.authorization?.includes(auth.admin) === true;
      if (budget !== undefined && carriesAdmin && (budgetUsed.get(request.op) ?? 0) >= budget) {
        request = {
          ...request,
          headers: { ...request.headers, authorization: 'Bearer not-the-admin-token' },
          valid: false,
        };
      }
      const answer = await send(request);
      if (answer === undefined) continue;
      const known = knownDefect(request);
      if (known) {
        const hits = stats.knownHits.get(known) ?? { sent: 0, failed: 0 };
        stats.knownHits.set(known, hits);
        hits.sent += 1;
      }
      if (answer === 'timeout') {
        stats.violations.push({ request, status: 0, body: '', problems: ['no answer within 10 s'], known });
        if (!known && !COLLECT) throw new Error(`no answer: ${describeRequest(named(request))}`);
        continue;
      }
      stats.record(request, answer.status);
      if (!READS.has(request.method)) writes.push({ request, status: answer.status });
      if (WRITING_READS.has(request.op) && answer.status !== 400 && answer.status !== 401 && answer.status !== 403) {
        checkWrites = false;
      }
      if (answer.status < 400) {
        if (!READS.has(request.method)) checkWrites = false;
        if (budget !== undefined) budgetUsed.set(request.op, (budgetUsed.get(request.op) ?? 0) + 1);
        harvestFrom(answer.body);
      }
      if (request.valid && answer.status === 400) stats.validRefused.push(describeRequest(named(request), answer));
      const problems = checkAnswer(
        doc,
        validators,
        ops.find((o) => o.key === request.op),
        request.method,
        answer,
      );
      if (problems.length === 0) continue;
      if (known) (stats.knownHits.get(known) as { failed: number }).failed += 1;
      stats.violations.push({ request, status: answer.status, body: answer.body.slice(0, 400), problems, known });
      if (!known && !COLLECT) throw new Error(`${problems.join('; ')}: ${describeRequest(named(request), answer)}`);
    }
    if (!checkWrites) return;
    await stack.container.trending.service.drain();
    await matchJobsDone();
    await settle(db.handle);
    const after = await snapshot(db.handle);
    stats.writeChecks += 1;
    if (after !== before) {
      const culprit = writes.find((w) => w.status >= 500) ?? writes[0];
      const problem = `a batch of rejected requests wrote to the database: ${before} → ${after}`;
      stats.violations.push({
        request: culprit?.request ?? batch[0]!,
        status: culprit?.status ?? 0,
        body: '',
        problems: [problem],
        known: undefined,
      });
      const sent = writes.map((w) => `${w.status} ${describeRequest(named(w.request))}`).join('\n');
      if (!COLLECT) throw new Error(`${problem}\nwrite requests of the batch:\n${sent}`);
    }
  }

  it(
    'answers every operation of the document without a 5xx, in the documented shapes, writing nothing when it refuses',
    async () => {
      const fuzzed = ops.filter((op) => !op.streams || op.queryParams.length > 0);
      const perOperation = Math.ceil(REQUESTS_PER_MODE / (fuzzed.length + 1));
      const numRuns = Math.max(3, Math.round(perOperation / ((BATCH + 1) / 2)));
      try {
        // First the corpus of requests that broke the service before, then the generated ones.
        // Song ids are the small serial ids (album ids from the upstream are long).
        const ids = [...(harvest.get('id') ?? [])].filter((v) => /^[1-9][0-9]*$/.test(v)).map(Number);
        const songId = String(ids.length ? Math.min(...ids) : 1);
        const corpus = corpusRequests(auth, songId);
        for (let i = 0; i < corpus.length; i += BATCH) await runBatch(corpus.slice(i, i + BATCH));
        for (const [index, op] of fuzzed.entries()) {
          const arbitrary = fc.array(requestArbitrary(op, validators, auth, harvest), {
            minLength: 1,
            maxLength: BATCH,
          });
          await fc.assert(
            fc.asyncProperty(arbitrary, (batch) => runBatch(batch)),
            { numRuns, seed: SEED + index, endOnFailure: COLLECT },
          );
        }
        const stray = strayRequestArbitrary(fuzzed.filter((op) => !op.streams).map((op) => op.path));
        await fc.assert(
          fc.asyncProperty(fc.array(stray, { minLength: 1, maxLength: BATCH }), (batch) => runBatch(batch)),
          { numRuns, seed: SEED - 1, endOnFailure: COLLECT },
        );
      } finally {
        const knownFiveXx = stats.violations.filter((v) => v.known && v.status >= 500).length;
        totals.push({ mode, requests: stats.requests, fiveXx: stats.fiveXx, knownFiveXx });
        const budgets = [...budgetUsed.entries()].map(([op, n]) => `${op}: ${n} accepted`).join(', ');
        console.log(`${stats.summary(mode, SEED)}${budgets ? `\n  budgeted: ${budgets}` : ''}`);
        const distinct = new Map<string, string[]>();
        for (const v of stats.violations) {
          const key = `${v.known ? `[known ${v.known}] ` : ''}${v.request.op} → ${v.status}: ${v.problems.join('; ').slice(0, 120)}`;
          const examples = distinct.get(key) ?? [];
          distinct.set(key, examples);
          examples.push(describeRequest(named(v.request), v));
        }
        for (const [key, examples] of distinct) {
          const shortest = [...new Set(examples)].sort((a, b) => a.length - b.length).slice(0, 4);
          console.log(`violation (${mode}) ${key} ×${examples.length}\n    ${shortest.join('\n    ')}`);
        }
      }
      expect(stats.violations.filter((v) => !v.known).map((v) => describeRequest(named(v.request), v))).toEqual([]);
      expect(stats.requests).toBeGreaterThan(REQUESTS_PER_MODE * 0.8);
    },
    120_000 * SCALE,
  );
});

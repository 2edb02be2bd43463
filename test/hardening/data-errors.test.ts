import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Release } from '../../src/releases/contract.ts';
import type { Presenter } from '../../src/releases/present.ts';
import type { ReleasesRepository, SongRow, SourceRow } from '../../src/releases/repository.ts';
import { ReleasesService, encodeCursor, publicError, publicRunSummary } from '../../src/releases/service.ts';
import { MODES } from '../support/services.ts';
import { adminHeaders, type Stack, type TestDb, useTestStack } from '../support/stack.ts';

/** What the fuzzing found in `sources[].lastError`: a database error with its SQL. */
const RAW_SQL =
  'Failed query: INSERT INTO songs (source, external_id, title) VALUES ($1, $2, $3) ON CONFLICT DO UPDATE ' +
  'params: jiosaavn,123,x — invalid byte sequence for encoding "UTF8": 0x00 at /app/src/releases/repository.ts:412';

/** Text that must never appear in a public answer. */
const LEAKS = /Failed query|INSERT INTO|params:|repository\.ts|UTF8/;

const INTERNAL = 'Internal error (details are in the server log)';

describe('publicError: a fixed catalog of codes and messages', () => {
  it.each([
    ['jiosaavn: upstream answered 503', 'upstream_server', 'JioSaavn answered 503'],
    ['jiosaavn: upstream answered 404', 'upstream_client', 'JioSaavn answered 404'],
    ['jiosaavn: upstream answered 429', 'upstream_rate_limited', 'JioSaavn answered 429 (too many requests)'],
    ['upstream answered 429', 'upstream_rate_limited', 'JioSaavn answered 429 (too many requests)'],
    ['jiosaavn: no answer within 10000 ms', 'upstream_timeout', 'JioSaavn did not answer in time'],
    [
      'jiosaavn: request failed (connect ECONNREFUSED 10.1.2.3:443)',
      'upstream_network',
      'JioSaavn could not be reached',
    ],
    [
      'jiosaavn: HTML page where JSON was expected',
      'upstream_malformed',
      'JioSaavn answered with an HTML page where JSON was expected',
    ],
    ['jiosaavn: body is not valid JSON', 'upstream_malformed', 'JioSaavn answered with a body that is not valid JSON'],
    ['jiosaavn: blocked (empty JSON object)', 'upstream_blocked', 'JioSaavn blocked the request (empty JSON object)'],
    [
      'jiosaavn: blocked (error field: <script>alert(1)</script>)',
      'upstream_blocked',
      'JioSaavn blocked the request (an error answer)',
    ],
    ['rate limited (empty)', 'rate_limited', 'Our request budget for JioSaavn is used up'],
    ['rate limited (paused)', 'rate_limited', 'JioSaavn asked us to wait'],
    [RAW_SQL, 'internal', INTERNAL],
    ['TypeError: Cannot read properties of undefined\n    at /app/src/x.ts:1:2', 'internal', INTERNAL],
    ['jiosaavn: upstream answered 503 and SELECT 1', 'internal', INTERNAL],
  ])('%j → %s', (raw, code, message) => {
    const shown = publicError('jiosaavn', raw);
    expect(shown).toEqual({ code, message });
    expect(shown.message).not.toMatch(LEAKS);
  });

  it('a run summary keeps upstream messages for admins and hides internal ones', () => {
    const summary = publicRunSummary({
      runId: randomUUID(),
      status: 'failed' as const,
      trigger: 'manual',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      fetched: 0,
      newSongs: 0,
      newAlbums: 0,
      updated: 0,
      rateLimited: false,
      errors: [
        { source: 'jiosaavn', language: 'hindi', page: 1, code: 'server', message: 'jiosaavn: upstream answered 503' },
        { source: 'releases', code: 'internal', message: RAW_SQL },
      ],
    });
    expect(summary.errors.map((e) => e.message)).toEqual([
      'jiosaavn: upstream answered 503',
      'Internal error (details are in the server log)',
    ]);
  });
});

describe.each(MODES)('public answers never carry raw error text (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(mode, 'data_errors', (opened) => {
    ({ db, stack } = opened);
  });
  beforeEach(async () => {
    await stack.container.releases.service.invalidate();
  });

  async function degrade(lastError: string) {
    await db.handle.db.execute(sql`
      INSERT INTO source_state (name, status, last_success_at, last_attempt_at, last_error, last_error_at)
      VALUES ('jiosaavn', 'degraded', NULL, now(), ${lastError}, now())`);
  }

  it('a stored SQL error shows as { lastError: safe message, lastErrorCode: internal } in lists and health', async () => {
    await degrade(RAW_SQL);
    const list = await stack.app.inject({ url: '/api/new-releases' });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toMatch(LEAKS);
    expect(list.json<{ sources: unknown[] }>().sources).toEqual([
      {
        name: 'jiosaavn',
        status: 'degraded',
        lastSuccessAt: null,
        lastError: 'Internal error (details are in the server log)',
        lastErrorCode: 'internal',
      },
    ]);

    const health = await stack.app.inject({ url: '/api/health' });
    expect(health.body).not.toMatch(LEAKS);
    expect(health.json<{ checks: Record<string, unknown> }>().checks.jiosaavn).toMatchObject({
      status: 'degraded',
      lastError: 'Internal error (details are in the server log)',
      lastErrorCode: 'internal',
    });
  });

  it('an upstream failure shows its catalog code and message', async () => {
    await degrade('jiosaavn: upstream answered 503');
    const list = await stack.app.inject({ url: '/api/new-releases' });
    expect(list.json<{ sources: unknown[] }>().sources).toEqual([
      expect.objectContaining({ lastError: 'JioSaavn answered 503', lastErrorCode: 'upstream_server' }),
    ]);
  });

  it('run summaries in the admin API hide internal error text', async () => {
    const runId = randomUUID();
    const errors = [
      { source: 'jiosaavn', language: 'hindi', page: 1, code: 'server', message: 'jiosaavn: upstream answered 503' },
      { source: 'releases', code: 'internal', message: RAW_SQL },
    ];
    await db.handle.db.execute(sql`
      INSERT INTO fetch_runs (id, status, trigger, owner, finished_at, errors)
      VALUES (${runId}, 'failed', 'manual', 'test', now(), ${JSON.stringify(errors)}::jsonb)`);
    for (const url of [`/api/new-releases/runs/${runId}`, '/api/new-releases/runs']) {
      const res = await stack.app.inject({ url, headers: adminHeaders });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toMatch(LEAKS);
      expect(res.body).toContain('jiosaavn: upstream answered 503');
    }
    // The database keeps the detail for operators.
    const stored = await db.handle.db.execute(sql`SELECT errors::text AS e FROM fetch_runs WHERE id = ${runId}`);
    expect(JSON.stringify(stored)).toContain('Failed query');
  });
});

describe('the list memo is bounded in bytes, not only in entries', () => {
  const bigTitle = 'x'.repeat(20_000);

  function service(memoMaxBytes: number) {
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, sortDate: '2026-11-01' }) as SongRow);
    const repository = {
      listFeatured: () => Promise.resolve(rows),
      sources: () => Promise.resolve([] as SourceRow[]),
      likedAmong: () => Promise.resolve(new Set<number>()),
    } as unknown as ReleasesRepository;
    const present: Presenter = (song) => ({ id: song.id, title: bigTitle }) as unknown as Release;
    return new ReleasesService({
      repository,
      sourceNames: ['jiosaavn'],
      present,
      recentWindowDays: 30,
      memoMaxBytes,
    });
  }

  it('distinct cursors never grow the memo past its byte bound', async () => {
    const maxBytes = 2 * 1024 * 1024;
    const releases = service(maxBytes);
    let pageBytes = 0;
    for (let id = 1; id <= 200; id++) {
      const json = await releases.listJson({ limit: 24, cursor: encodeCursor({ sortDate: '2026-11-01', id }) });
      pageBytes = json.length;
      const { bytes, entries } = releases.memoSize();
      expect(bytes).toBeLessThanOrEqual(maxBytes);
      expect(entries).toBeLessThanOrEqual(256);
    }
    // ~480 KB pages: only a handful fit, where the entry bound alone would have kept 200 (about 190 MB).
    expect(pageBytes).toBeGreaterThan(400_000);
    expect(releases.memoSize().entries).toBeLessThanOrEqual(Math.floor(maxBytes / (2 * pageBytes)));
    expect(releases.memoSize().entries).toBeGreaterThan(0);
  });

  it('the default bound is 8 MiB', async () => {
    const releases = new ReleasesService({
      repository: {
        listFeatured: () => Promise.resolve([]),
        sources: () => Promise.resolve([]),
      } as unknown as ReleasesRepository,
      sourceNames: [],
      present: (() => ({})) as unknown as Presenter,
      recentWindowDays: 30,
    });
    await releases.listJson({ limit: 24 });
    expect(releases.memoSize().entries).toBe(1);
    expect(releases.memoSize().bytes).toBeLessThan(8 * 1024 * 1024);
  });
});

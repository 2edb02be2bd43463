/**
 * The Discogs OAuth 1.0a connect flow end to end against the sandbox, in both modes: the admin starts it, the user
 * approves on the sandbox's authorise page, Discogs' redirect lands on the callback, and the account's token is
 * stored sealed; release lookups then authenticate with it (and mark it used). Failures redirect to the admin page
 * with a reason, no answer or log line carries a token, and without ENCRYPTION_KEY connecting answers 503 while the
 * rest of Matches works. Then the whole-release background job and its match_progress events over SSE.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/infra/db.ts';
import { DiscogsConnect } from '../../src/matches/connect.ts';
import type { DiscogsAccounts, MatchProgressEvent, ReleaseMatches } from '../../src/matches/contract.ts';
import { DiscogsTokenStore, OAUTH_REQUEST_TTL_MS } from '../../src/matches/token-store.ts';
import { TokenVault } from '../../src/matches/vault.ts';
import {
  DISCOGS_AUTHORIZE_PATH,
  SANDBOX_DISCOGS_CONSUMER_KEY,
  SANDBOX_DISCOGS_CONSUMER_SECRET,
} from '../../src/providers/discogs/sandbox.ts';
import {
  SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
} from '../../src/providers/soundcloud/sandbox.ts';
import { SANDBOX_YOUTUBE_API_KEY } from '../../src/providers/youtube/sandbox.ts';
import { audioCatalog } from '../../src/sandbox/audio-catalog.ts';
import { MODES } from '../support/services.ts';
import { connectSse } from '../support/sse-client.ts';
import { adminHeaders, startStack, useTestStack, type Stack, type TestDb } from '../support/stack.ts';

const SEED = 7;
const KEY_HEX = 'a1'.repeat(32);
const KEY = Buffer.from(KEY_HEX, 'hex');
const ENV = {
  ENCRYPTION_KEY: KEY_HEX,
  DISCOGS_CONSUMER_KEY: SANDBOX_DISCOGS_CONSUMER_KEY,
  DISCOGS_CONSUMER_SECRET: SANDBOX_DISCOGS_CONSUMER_SECRET,
  YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
  SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
};
const [FIRST, SECOND, THIRD] = audioCatalog(SEED).releases;

interface TokenRow {
  username: string;
  access_token: string;
  access_secret: string;
  last_used_at: Date | string | null;
}

describe.each(MODES)('Discogs connect and release jobs (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(
    mode,
    'matches_connect',
    (opened) => {
      ({ db, stack } = opened);
    },
    { env: ENV, listen: true, sandboxOptions: { seed: SEED } },
  );

  beforeEach(async () => {
    await db.handle.db.execute(
      sql`TRUNCATE discogs_tokens, discogs_oauth_requests, discogs_releases, track_matches, track_match_details,
            track_match_rejections RESTART IDENTITY`,
    );
    await stack.container.cache.deleteByPrefix('match:');
    stack.sandbox.reset();
    stack.sandbox.resetStats();
  });

  const sandboxUrl = () => stack.sandbox.url!;

  async function connect(body: object = {}, headers: Record<string, string> = {}) {
    return stack.app.inject({
      method: 'POST',
      url: '/api/admin/discogs/connect',
      headers: { ...adminHeaders, ...headers },
      payload: body,
    });
  }

  /** Step 2 as the user's browser does it: approve on the sandbox's page; answers Discogs' redirect target. */
  async function approve(authorizeUrl: string, username: string): Promise<URL> {
    const token = new URL(authorizeUrl).searchParams.get('oauth_token')!;
    const res = await fetch(`${sandboxUrl()}${DISCOGS_AUTHORIZE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ oauth_token: token, username }),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  /** Discogs' redirect, followed to our callback. */
  async function callback(target: URL | string) {
    const url = typeof target === 'string' ? target : `${target.pathname}${target.search}`;
    return stack.app.inject({ url });
  }

  async function tokenRows(): Promise<TokenRow[]> {
    return queryRows<TokenRow>(
      db.handle.db,
      sql`SELECT username, access_token, access_secret, last_used_at FROM discogs_tokens ORDER BY username`,
    );
  }

  async function accounts() {
    const res = await stack.app.inject({ url: '/api/admin/discogs/accounts', headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    return { body: res.body, items: res.json<DiscogsAccounts>().items };
  }

  async function audioMatch(releaseId: number) {
    const res = await stack.app.inject({
      url: `/api/admin/releases/${releaseId}/audio-match`,
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    return res.json<ReleaseMatches>();
  }

  it('connects an account in three steps, stores its token sealed, and release lookups then use it', async () => {
    // Before any account: lookups are anonymous (Discogs' window is 25 a minute then).
    await audioMatch(FIRST!.id);
    expect(stack.container.matches.discogs.rateLimitState()?.limit).toBe(25);

    // Step 1: the callback is built from the request's origin.
    const started = await connect({ username: 'alice' }, { host: 'music.example.org:8443' });
    expect(started.statusCode).toBe(200);
    const { authorizeUrl } = started.json<{ authorizeUrl: string }>();
    expect(Object.keys(started.json<object>())).toEqual(['authorizeUrl']);
    expect(authorizeUrl).toMatch(
      new RegExp(
        `^${sandboxUrl().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${DISCOGS_AUTHORIZE_PATH}\\?oauth_token=\\w+$`,
      ),
    );
    // The pending request keeps its secret sealed.
    const [pending] = await queryRows<{ request_secret: string; username: string }>(
      db.handle.db,
      sql`SELECT request_secret, username FROM discogs_oauth_requests`,
    );
    expect(pending?.username).toBe('alice');
    expect(pending?.request_secret).toMatch(/^v1\./);

    // Step 2: the authorise page names our callback, and approving sends the browser there.
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('http://music.example.org:8443/api/discogs/callback');
    const back = await approve(authorizeUrl, 'alice');
    expect(back.origin).toBe('http://music.example.org:8443');
    expect(back.pathname).toBe('/api/discogs/callback');
    expect(back.searchParams.get('oauth_verifier')).toEqual(expect.any(String));

    // Step 3: the callback stores the account and sends the browser to the admin page.
    const done = await callback(back);
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/admin/matches?discogs=connected&user=alice');
    expect(done.body).toBe('');
    expect(stack.sandbox.discogs.stats().accessTokens).toBe(1);
    expect(await queryRows(db.handle.db, sql`SELECT * FROM discogs_oauth_requests`)).toEqual([]);

    // Stored sealed: the raw row holds no plaintext token.
    const store = new DiscogsTokenStore({ db: db.handle.db, vault: new TokenVault({ key: KEY }) });
    const [row] = await tokenRows();
    expect(row).toMatchObject({ username: 'alice', last_used_at: null });
    expect(row!.access_token).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect(row!.access_secret).toMatch(/^v1\.[0-9a-f]{16}\./);
    let listed = await accounts();
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ username: 'alice', tokenType: 'oauth', lastUsedAt: null });
    expect(Object.keys(listed.items[0]!).sort()).toEqual([
      'createdAt',
      'lastUsedAt',
      'tokenType',
      'updatedAt',
      'username',
    ]);
    expect(Date.parse(listed.items[0]!.createdAt!)).not.toBeNaN();

    // A release lookup now authenticates with the account (60 a minute) and marks it used.
    await audioMatch(SECOND!.id);
    expect(stack.container.matches.discogs.rateLimitState()?.limit).toBe(60);
    listed = await accounts();
    expect(listed.items[0]!.lastUsedAt).not.toBeNull();
    const [used] = await tokenRows();
    expect(used!.last_used_at).not.toBeNull();

    // Opened with the key, the tokens are real; neither the rows nor the API answers show them.
    const opened = await store.get('alice');
    expect(opened!.accessToken).toMatch(/^[A-Za-z]{40}$/);
    for (const secret of [opened!.accessToken, opened!.accessSecret]) {
      expect(used!.access_token).not.toContain(secret);
      expect(used!.access_secret).not.toContain(secret);
      expect(listed.body).not.toContain(secret);
      expect(done.headers.location).not.toContain(secret);
    }
    expect(JSON.stringify(opened)).not.toContain(opened!.accessToken);

    // Disconnecting forgets the tokens: lookups go back to anonymous.
    const removed = await stack.app.inject({
      method: 'DELETE',
      url: '/api/admin/discogs/accounts/alice',
      headers: adminHeaders,
    });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ username: 'alice', removed: true });
    const again = await stack.app.inject({
      method: 'DELETE',
      url: '/api/admin/discogs/accounts/alice',
      headers: adminHeaders,
    });
    expect(again.statusCode).toBe(404);
    await audioMatch(THIRD!.id);
    expect(stack.container.matches.discogs.rateLimitState()?.limit).toBe(25);
    expect((await accounts()).items).toEqual([]);
  });

  it('connects whoever approves when no username is given, under the name Discogs reports', async () => {
    const { authorizeUrl } = (await connect()).json<{ authorizeUrl: string }>();
    const done = await callback(await approve(authorizeUrl, 'Carol.Records'));
    expect(done.headers.location).toBe('/admin/matches?discogs=connected&user=Carol.Records');
    expect((await accounts()).items.map((a) => a.username)).toEqual(['Carol.Records']);
  });

  it('redirects to the admin page with a reason when the flow cannot complete, storing nothing', async () => {
    const error = (reason: string) => `/admin/matches?discogs=error&reason=${reason}`;

    // An oauth_token we never issued.
    const unknown = await callback('/api/discogs/callback?oauth_token=nope&oauth_verifier=nope');
    expect(unknown.statusCode).toBe(302);
    expect(unknown.headers.location).toBe(error('unknown_request'));

    // A request older than 15 minutes.
    const past = new Date(Date.now() - OAUTH_REQUEST_TTL_MS - 60_000);
    const oldStore = new DiscogsTokenStore({
      db: db.handle.db,
      vault: new TokenVault({ key: KEY }),
      clock: () => past,
    });
    await oldStore.saveOAuthRequest('stale-token', 'stale-secret', 'alice');
    const stale = await callback('/api/discogs/callback?oauth_token=stale-token&oauth_verifier=x');
    expect(stale.headers.location).toBe(error('unknown_request'));

    // Without the verifier, or declined on Discogs.
    expect((await callback('/api/discogs/callback?oauth_token=abc')).headers.location).toBe(error('invalid_callback'));
    expect((await callback('/api/discogs/callback')).headers.location).toBe(error('invalid_callback'));
    expect((await callback('/api/discogs/callback?denied=abc')).headers.location).toBe(error('denied'));

    // A wrong verifier: Discogs refuses the exchange, and the request is used up.
    const first = (await connect({ username: 'alice' })).json<{ authorizeUrl: string }>();
    const back = await approve(first.authorizeUrl, 'alice');
    const token = back.searchParams.get('oauth_token')!;
    const wrong = await callback(`/api/discogs/callback?oauth_token=${token}&oauth_verifier=wrongverifier`);
    expect(wrong.headers.location).toBe(error('discogs_refused'));
    expect((await callback(back)).headers.location).toBe(error('unknown_request'));

    // Another account approved than the one the admin asked for.
    const second = (await connect({ username: 'alice' })).json<{ authorizeUrl: string }>();
    const mismatch = await callback(await approve(second.authorizeUrl, 'mallory'));
    expect(mismatch.headers.location).toBe(error('username_mismatch'));

    // Discogs failing.
    const third = (await connect({})).json<{ authorizeUrl: string }>();
    const thirdBack = await approve(third.authorizeUrl, 'alice');
    stack.sandbox.faults.add({ target: 'discogs', endpoint: 'access_token', kind: 'status', status: 500, times: 10 });
    try {
      expect((await callback(thirdBack)).headers.location).toBe(error('discogs_unavailable'));
    } finally {
      stack.sandbox.faults.clear();
    }

    expect(await tokenRows()).toEqual([]);
    expect((await accounts()).items).toEqual([]);
  });

  it('refuses bad input with 400, and Discogs refusing the app with 502', async () => {
    expect((await connect({ username: 'not a name' })).statusCode).toBe(400);
    expect((await connect({ other: 1 })).statusCode).toBe(400);
    const bare = await stack.app.inject({ method: 'POST', url: '/api/admin/discogs/connect', headers: adminHeaders });
    expect(bare.json()).toEqual({ error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'body must be object' } });
    const anonymous = await stack.app.inject({ method: 'POST', url: '/api/admin/discogs/connect', payload: {} });
    expect(anonymous.statusCode).toBe(401);
    expect((await stack.app.inject({ url: '/api/admin/discogs/accounts' })).statusCode).toBe(401);

    stack.sandbox.faults.add({ target: 'discogs', endpoint: 'request_token', kind: 'status', status: 401, times: 1 });
    try {
      const refused = await connect({});
      expect(refused.statusCode).toBe(502);
      expect(refused.json()).toMatchObject({ error: { code: 'BACKBEAT_ERR_UPSTREAM' } });
    } finally {
      stack.sandbox.faults.clear();
    }
    expect(await queryRows(db.handle.db, sql`SELECT * FROM discogs_oauth_requests`)).toEqual([]);
  });

  it('writes no token or secret in a log line', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, next) {
          lines.push(chunk.toString());
          next();
        },
      }),
    );
    const store = new DiscogsTokenStore({ db: db.handle.db, vault: new TokenVault({ key: KEY }) });
    const flow = new DiscogsConnect({
      oauth: stack.container.matches.discogs.oauth,
      store,
      consumer: { key: SANDBOX_DISCOGS_CONSUMER_KEY, secret: SANDBOX_DISCOGS_CONSUMER_SECRET },
      authorizeBase: `${sandboxUrl()}${DISCOGS_AUTHORIZE_PATH}`,
      logger,
    });
    const { authorizeUrl } = await flow.start('dave', 'http://app.test/api/discogs/callback');
    const back = await approve(authorizeUrl, 'dave');
    const requestToken = back.searchParams.get('oauth_token')!;
    const verifier = back.searchParams.get('oauth_verifier')!;
    await expect(flow.finish(requestToken, 'wrong')).rejects.toMatchObject({ reason: 'discogs_refused' });

    const { authorizeUrl: next } = await flow.start('dave', 'http://app.test/api/discogs/callback');
    const nextBack = await approve(next, 'dave');
    expect(
      await flow.finish(nextBack.searchParams.get('oauth_token')!, nextBack.searchParams.get('oauth_verifier')!),
    ).toEqual({ username: 'dave' });
    const stored = await store.get('dave');
    const log = lines.join('');
    expect(log).toContain('discogs_connected');
    expect(log).toContain('discogs_connect_failed');
    for (const secret of [
      stored!.accessToken,
      stored!.accessSecret,
      requestToken,
      verifier,
      SANDBOX_DISCOGS_CONSUMER_SECRET,
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('builds the callback from the origin the browser uses: forwarded headers count only from trusted proxies', async () => {
    const forwarded = { host: 'internal:5006', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'music.example.org' };
    const direct = (await connect({}, forwarded)).json<{ authorizeUrl: string }>();
    expect((await approve(direct.authorizeUrl, 'alice')).origin).toBe('http://internal:5006');

    const proxied = await startStack({ db, sandbox: stack.sandbox, env: { ...ENV, TRUST_PROXY: 'true' } });
    try {
      const res = await proxied.app.inject({
        method: 'POST',
        url: '/api/admin/discogs/connect',
        headers: { ...adminHeaders, ...forwarded },
        payload: {},
      });
      const back = await approve(res.json<{ authorizeUrl: string }>().authorizeUrl, 'alice');
      expect(`${back.origin}${back.pathname}`).toBe('https://music.example.org/api/discogs/callback');
    } finally {
      await proxied.close();
    }
  });

  it('without ENCRYPTION_KEY, connecting answers 503 with the reason and the rest of Matches works', async () => {
    const { ENCRYPTION_KEY: _unset, ...withoutKey } = ENV;
    const keyless = await startStack({ db, sandbox: stack.sandbox, env: withoutKey });
    try {
      const refused = await keyless.app.inject({
        method: 'POST',
        url: '/api/admin/discogs/connect',
        headers: adminHeaders,
        payload: {},
      });
      expect(refused.statusCode).toBe(503);
      const body = refused.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('BACKBEAT_ERR_UNAVAILABLE');
      expect(body.error.message).toMatch(/^Connecting Discogs accounts needs ENCRYPTION_KEY/);
      const list = await keyless.app.inject({ url: '/api/admin/discogs/accounts', headers: adminHeaders });
      expect(list.statusCode).toBe(503);
      const back = await keyless.app.inject({ url: '/api/discogs/callback?oauth_token=a&oauth_verifier=b' });
      expect(back.statusCode).toBe(302);
      expect(back.headers.location).toBe('/admin/matches?discogs=error&reason=not_configured');

      const matched = await keyless.app.inject({
        url: `/api/admin/releases/${FIRST!.id}/audio-match`,
        headers: adminHeaders,
      });
      expect(matched.statusCode).toBe(200);
      expect(matched.json<ReleaseMatches>().tracks.length).toBe(FIRST!.tracks.length);
    } finally {
      await keyless.close();
    }
  });

  it('matches a whole release in the background, pushing one match_progress event per track over SSE', async () => {
    const release = FIRST!;
    const sse = await connectSse(`${stack.url!}/api/new-releases/events`);
    try {
      const res = await stack.app.inject({
        method: 'POST',
        url: `/api/admin/releases/${release.id}/match`,
        headers: adminHeaders,
      });
      expect(res.statusCode).toBe(202);
      const statusUrl = `/api/admin/releases/${release.id}/audio-match`;
      expect(res.json()).toEqual({ releaseId: release.id, tracks: release.tracks.length, statusUrl });
      expect(res.headers.location).toBe(statusUrl);

      const total = release.tracks.length;
      const frames = await sse.waitFor(
        (all) => all.filter((f) => f.event === 'match_progress').length >= total,
        60_000,
      );
      const events = frames
        .filter((f) => f.event === 'match_progress')
        .map((f) => JSON.parse(f.data!) as MatchProgressEvent);
      expect(events.map((e) => e.done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(events.every((e) => e.releaseId === release.id && e.total === total)).toBe(true);
      expect(events.map((e) => e.trackIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      for (const event of events) {
        expect(['approved', 'needs_review', 'no_match', 'deferred']).toContain(event.status);
      }

      // Every track is decided in the tiers now: the status URL answers from them, with the same statuses.
      const after = await audioMatch(release.id);
      expect(after.tracks.map((t) => t.source).every((s) => s === 'cache' || s === 'database')).toBe(true);
      expect(after.tracks.map((t) => t.status)).toEqual(
        [...events].sort((a, b) => a.trackIndex - b.trackIndex).map((e) => e.status),
      );
    } finally {
      sse.close();
    }

    // A release Discogs does not have is a 404 at once, not a failed job.
    const missing = await stack.app.inject({
      method: 'POST',
      url: '/api/admin/releases/1/match',
      headers: adminHeaders,
    });
    expect(missing.statusCode).toBe(404);
  });
});

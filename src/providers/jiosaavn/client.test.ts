import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError } from '../../infra/upstream-errors.ts';
import { JIOSAAVN_SERVICE, JioSaavnClient } from './client.ts';

const recorded = (
  JSON.parse(
    readFileSync(
      new URL('../../../test/fixtures/jiosaavn/launch-data-new-albums-2024-12.json', import.meta.url),
      'utf8',
    ),
  ) as { new_albums: unknown[] }
).new_albums;

type Answer = (req: FastifyRequest, reply: FastifyReply) => unknown;

interface Hit {
  url: string;
  query: Record<string, string>;
  headers: FastifyRequest['headers'];
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** A stand-in for www.jiosaavn.com answering `/api.php` with the n-th scripted answer (the last repeats). */
async function startJioSaavn(script: Answer[]): Promise<{ baseUrl: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const app = Fastify();
  app.get('/api.php', (req, reply) => {
    hits.push({ url: req.url, query: req.query as Record<string, string>, headers: req.headers });
    return script[Math.min(hits.length - 1, script.length - 1)]!(req, reply);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const { port } = app.server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, hits };
}

const sendJson =
  (body: unknown, status = 200): Answer =>
  (_req, reply) =>
    reply.code(status).type('application/json').send(JSON.stringify(body));

const sendHtml =
  (body: string): Answer =>
  (_req, reply) =>
    reply.type('text/html').send(body);

function envelope(data: unknown[] = recorded.slice(0, 3), lastPage = false) {
  return { count: data.length, last_page: lastPage, data };
}

function makeClient(baseUrl: string, limiter = new FakeRateLimiter()) {
  const client = new JioSaavnClient({
    baseUrl,
    rateLimiter: limiter,
    timeoutMs: 2_000,
    sleep: async () => undefined,
  });
  return { client, limiter };
}

describe(JioSaavnClient.name, () => {
  it('asks content.getAlbums for one language page with the language cookie and an honest User-Agent', async () => {
    const body = envelope();
    const upstream = await startJioSaavn([sendJson(body)]);
    const { client, limiter } = makeClient(upstream.baseUrl);

    const page = await client.getNewReleases({ language: 'ml', page: 1, size: 50 });

    expect(page).toEqual(body);
    expect(upstream.hits).toHaveLength(1);
    const hit = upstream.hits[0]!;
    expect(hit.query).toEqual({
      __call: 'content.getAlbums',
      _format: 'json',
      _marker: '0',
      ctx: 'web6dot0',
      api_version: '4',
      n: '50',
      p: '1',
      languages: 'malayalam',
    });
    expect(hit.headers.cookie).toBe('L=malayalam; gdpr_acceptance=true; DL=english');
    expect(hit.headers['user-agent']).toBe('Backbeat/0.1 (+https://github.com/backbeat)');
    expect(limiter.takes).toEqual([{ service: JIOSAAVN_SERVICE, granted: true }]);
  });

  it.each([
    ['an empty object', {}, 'empty JSON object'],
    ['an empty array', [], 'JSON array'],
    ['an error string', { error: 'Invalid request' }, 'error field: Invalid request'],
    ['an error object', { error: { code: 'INVALID', msg: 'Bad params' } }, 'error field: INVALID: Bad params'],
    ['an envelope without data', { count: 0, last_page: true }, 'without a data array'],
    ['an envelope whose data is not an array', { count: 0, last_page: true, data: {} }, 'without a data array'],
    ['"0 results" on page 1', envelope([], true), 'no items on page 1'],
    ['a bare null', null, 'not an object'],
  ])('treats %s as a block of the source, not as "no releases"', async (_label, body, reason) => {
    const upstream = await startJioSaavn([sendJson(body)]);
    const { client, limiter } = makeClient(upstream.baseUrl);

    const err = await caught(client.getNewReleases({ language: 'hindi', page: 1, size: 50 }));

    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'blocked', status: 200, attempts: 1, retryable: false, service: 'jiosaavn' });
    expect((err as Error).message).toContain(reason);
    expect(upstream.hits).toHaveLength(1);
    expect(limiter.granted).toBe(1);
  });

  it('returns an empty later page as the natural end of the list', async () => {
    const upstream = await startJioSaavn([sendJson(envelope([], true))]);
    const { client } = makeClient(upstream.baseUrl);
    await expect(client.getNewReleases({ language: 'tamil', page: 3, size: 50 })).resolves.toEqual({
      count: 0,
      last_page: true,
      data: [],
    });
  });

  it('reports an HTML page as malformed', async () => {
    const upstream = await startJioSaavn([sendHtml('<html><body>Please enable cookies</body></html>')]);
    const { client } = makeClient(upstream.baseUrl);
    const err = await caught(client.getNewReleases({ language: 'hindi', page: 1, size: 50 }));
    expect(err).toMatchObject({ kind: 'malformed', status: 200 });
    expect(upstream.hits).toHaveLength(1);
  });

  it('takes exactly one token per request sent, retries included, and sends nothing without one', async () => {
    const upstream = await startJioSaavn([
      sendJson(envelope()),
      sendJson(envelope()),
      sendJson({ message: 'oops' }, 503),
      sendJson(envelope(recorded.slice(3, 5), true)),
    ]);
    const limiter = new FakeRateLimiter(4);
    const { client } = makeClient(upstream.baseUrl, limiter);

    await client.getNewReleases({ language: 'hindi', page: 1, size: 3 });
    await client.getNewReleases({ language: 'hindi', page: 2, size: 3 });
    await client.getNewReleases({ language: 'hindi', page: 3, size: 3 }); // one 503, then a page
    expect(upstream.hits.map((h) => h.query.p)).toEqual(['1', '2', '3', '3']);
    expect(limiter.granted).toBe(4);
    expect(limiter.tokens).toBe(0);

    const err = await caught(client.getNewReleases({ language: 'hindi', page: 4, size: 3 }));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ reason: 'empty', attempts: 0 });
    expect(upstream.hits).toHaveLength(4);
  });

  it.each([
    [{ language: 'klingon', page: 1, size: 50 }],
    [{ language: 'hindi', page: 0, size: 50 }],
    [{ language: 'hindi', page: 1.5, size: 50 }],
    [{ language: 'hindi', page: 1, size: 0 }],
  ])('refuses %j before taking a token', async (query) => {
    const upstream = await startJioSaavn([sendJson(envelope())]);
    const { client, limiter } = makeClient(upstream.baseUrl);
    await expect(client.getNewReleases(query)).rejects.toBeInstanceOf(RangeError);
    expect(limiter.takes).toEqual([]);
    expect(upstream.hits).toHaveLength(0);
  });
});

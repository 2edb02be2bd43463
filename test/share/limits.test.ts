/**
 * Share's bounds in both modes, with the settings shortened: per-session host write limits and per-client read and
 * start limits (429 with Retry-After, nothing stored), body limits (413), the seed's lifetimes (metadata, audio buffer,
 * an idle session, a stopped session's grace period) and a push listener told when its session expired; and the
 * Share figures in `/metrics`.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/share/contract.ts';
import { MODES } from '../support/services.ts';
import { openShareSocket, wsUrl } from '../support/share-client.ts';
import { type Stack, useTestStack } from '../support/stack.ts';

const TOKEN = 'share-limits-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nextId = 300_000;

describe.each(MODES)('Share limits and lifetimes (%s)', (mode) => {
  let stack: Stack;
  useTestStack(
    mode,
    'share-limits',
    (opened) => {
      stack = opened.stack;
    },
    {
      listen: true,
      env: {
        BEARER_TOKEN: TOKEN,
        SHARE_HOST_WRITES_PER_SECOND: '5',
        SHARE_READS_PER_MINUTE: '12',
        SHARE_STARTS_PER_MINUTE: '8',
        SHARE_METADATA_MAX_BYTES: '2048',
        SHARE_SESSION_TTL_S: '2',
        SHARE_METADATA_TTL_S: '1',
        SHARE_AUDIO_TTL_S: '1',
        SHARE_GRACE_S: '1',
      },
    },
  );

  const post = (url: string, payload?: object, headers: Record<string, string> = auth) =>
    stack.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
  const get = (url: string, ip = '127.0.0.1') => stack.app.inject({ url, headers: auth, remoteAddress: ip });
  const chunk = (sequenceNumber: number) => ({
    data: Buffer.from(new Float32Array(2).buffer).toString('base64'),
    sampleRate: 48000,
    channels: 1,
    timestamp: 1,
    sequenceNumber,
  });
  const start = async () => {
    const id = String(nextId++);
    expect((await post('/api/share/start', { sessionId: id })).statusCode).toBe(200);
    return id;
  };

  it('limits host writes per session, reads per client, and bodies by size', async () => {
    const [one, two] = [await start(), await start()];
    const answers = [];
    for (let seq = 1; seq <= 7; seq++) answers.push(await post(`/api/share/${one}/audio`, chunk(seq)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = answers[5]!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ success: false, code: 'BACKBEAT_ERR_RATE_LIMITED' });
    // Another session's host is not held back by this one.
    expect((await post(`/api/share/${two}/audio`, chunk(1))).statusCode).toBe(200);
    // Refused chunks were not stored.
    const stored = (await get(`/api/share/${one}/audio?since=-1`, '10.0.0.1')).json<{ sequenceNumber: number }[]>();
    expect(stored.map((c) => c.sequenceNumber)).toEqual([1, 2, 3, 4, 5]);

    // Reads: 12 a minute per client address; another address has its own budget.
    const reads = [];
    for (let i = 0; i < 13; i++) reads.push((await get(`/api/share/${two}/status`, '10.0.0.2')).statusCode);
    expect(reads.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(reads[12]).toBe(429);
    expect((await get(`/api/share/${two}/status`, '10.0.0.3')).statusCode).toBe(200);

    // Metadata bodies over SHARE_METADATA_MAX_BYTES: 413, nothing stored.
    await sleep(1100);
    const big = await post(`/api/share/${two}/metadata`, { title: 'x', thumbnailData: 'A'.repeat(4000) });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ success: false, code: 'BACKBEAT_ERR_PAYLOAD_TOO_LARGE' });
    expect((await get(`/api/share/${two}/metadata`, '10.0.0.4')).statusCode).toBe(404);
  });

  it('limits session starts per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/share/start',
        headers: auth,
        remoteAddress: '10.0.1.1',
        payload: { sessionId: String(nextId++) },
      });
      codes.push(res.statusCode);
    }
    // Earlier tests started sessions from other addresses; this one has its 8 a minute to itself.
    expect(codes).toEqual([200, 200, 200, 200]);
    for (let i = 0; i < 5; i++) {
      await stack.app.inject({
        method: 'POST',
        url: '/api/share/start',
        headers: auth,
        remoteAddress: '10.0.1.1',
        payload: { sessionId: String(nextId++) },
      });
    }
    const over = await stack.app.inject({
      method: 'POST',
      url: '/api/share/start',
      headers: auth,
      remoteAddress: '10.0.1.1',
      payload: { sessionId: String(nextId++) },
    });
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
  });

  it("keeps the seed's lifetimes: metadata, audio, an idle session, a stopped session's grace", async () => {
    const id = await start();
    await post(`/api/share/${id}/metadata`, { title: 'Short-lived' });
    await post(`/api/share/${id}/audio`, chunk(1));
    expect((await get(`/api/share/${id}/metadata`, '10.0.2.1')).statusCode).toBe(200);
    await sleep(1300);
    // Metadata and audio gone after 1 s; the session (2 s after its last activity) still there.
    expect((await get(`/api/share/${id}/metadata`, '10.0.2.1')).statusCode).toBe(404);
    expect((await get(`/api/share/${id}/audio?since=-1`, '10.0.2.1')).statusCode).toBe(204);
    expect((await get(`/api/share/${id}/status`, '10.0.2.1')).json()).toMatchObject({ isActive: true });
    await sleep(1000);
    expect((await get(`/api/share/${id}/status`, '10.0.2.1')).statusCode).toBe(404);

    // A stopped session is readable, inactive, for the grace period, then gone.
    const stopped = await start();
    await post(`/api/share/${stopped}/stop`);
    expect((await get(`/api/share/${stopped}/status`, '10.0.2.2')).json()).toMatchObject({ isActive: false });
    await sleep(1300);
    expect((await get(`/api/share/${stopped}/status`, '10.0.2.2')).statusCode).toBe(404);
  });

  it('tells a push listener its session expired, and reports Share in /metrics', async () => {
    const id = await start();
    const listener = await openShareSocket(wsUrl(stack.url!, `/api/share/${id}/listen?token=${TOKEN}`));
    await listener.until(() => listener.texts.some((t) => t.type === 'state'));
    const { code } = await listener.closed;
    expect(code).toBe(CLOSE_CODES.notFound);
    expect(listener.texts.at(-1)).toEqual({ type: 'ended', reason: 'expired' });

    const metrics = (await stack.app.inject({ url: '/metrics' })).body;
    for (const name of [
      'backbeat_share_sessions_active',
      'backbeat_share_ws_listeners',
      'backbeat_share_bytes_received_total',
      'backbeat_share_bytes_relayed_total',
      'backbeat_share_relay_latency_seconds_bucket',
      'backbeat_share_listeners_dropped_total',
    ]) {
      expect(metrics).toContain(name);
    }
  }, 15_000);
});

/**
 * The Share HTTP API end to end, in both modes: seed 004's own curl sequence (start, metadata, status, metadata read,
 * stop) answered as the seed documents, the audio buffer (ordering, the 50-chunk cap, `since`, 204, 404), listener
 * tokens and `join`, the session cap, synced-lyrics positions, codecs and accounting, and every bad input answered
 * with a 4xx in the seed's error shape that stores nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../src/share/contract.ts';
import { MODES } from '../support/services.ts';
import { type Stack, useTestStack } from '../support/stack.ts';

export const SHARE_TOKEN = 'Token';
const auth = { authorization: `Bearer ${SHARE_TOKEN}` };

let nextId = 100_000;
/** A fresh 6-digit session code per test (sessions live in the share store, not in the reset tables). */
const code = () => String(nextId++);

/** `n` float32 samples as base64 (the seed's "base64_encoded_float_array"). */
export function floats(n: number, value = 0.25): string {
  return Buffer.from(new Float32Array(n).fill(value).buffer).toString('base64');
}

describe.each(MODES)('Share API (%s)', (mode) => {
  let stack: Stack;
  useTestStack(
    mode,
    'share-api',
    (opened) => {
      stack = opened.stack;
    },
    { env: { BEARER_TOKEN: SHARE_TOKEN, MAX_SESSIONS: '6', SHARE_STARTS_PER_MINUTE: '1000' } },
  );

  const post = (url: string, payload?: unknown, headers: Record<string, string> = auth) =>
    stack.app.inject({
      method: 'POST',
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const get = (url: string, headers: Record<string, string> = auth) =>
    stack.app.inject({ method: 'GET', url, headers });
  // Sessions a test started are stopped after it, so a failed test never holds slots of the session cap.
  const started = new Set<string>();
  afterEach(async () => {
    for (const id of started) await post(`/api/share/${id}/stop`);
    started.clear();
  });
  const start = async (id: string) => {
    started.add(id);
    const res = await post('/api/share/start', { sessionId: id });
    expect(res.statusCode).toBe(200);
    return res.json<{ listenerToken: string; shareUrl: string; timestamp: number }>();
  };
  const chunk = (sequenceNumber: number, extra: Record<string, unknown> = {}) => ({
    data: floats(8),
    sampleRate: 44100,
    channels: 2,
    timestamp: 1_234_567_890_123 + sequenceNumber,
    sequenceNumber,
    ...extra,
  });

  it("answers the seed's curl sequence as the seed documents", async () => {
    const before = Date.now();
    const started = await post('/api/share/start', { sessionId: '123456' });
    expect(started.statusCode).toBe(200);
    const body = started.json<Record<string, unknown>>();
    expect(body).toMatchObject({ success: true, sessionId: '123456' });
    expect(body.timestamp).toBeGreaterThanOrEqual(before);

    const again = await post('/api/share/start', { sessionId: '123456' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ success: false, error: 'Session ID already in use' });

    const meta = await post('/api/share/123456/metadata', {
      title: 'Test Song',
      artist: 'Test Artist',
      timestamp: 1234567890123,
    });
    expect(meta.statusCode).toBe(200);
    expect(meta.json()).toEqual({ success: true, listenersNotified: 0 });

    const status = await get('/api/share/123456/status');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({
      isActive: true,
      startTime: body.timestamp,
      listenerCount: 0,
      currentMetadata: { title: 'Test Song', artist: 'Test Artist' },
    });

    const read = await get('/api/share/123456/metadata');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ title: 'Test Song', artist: 'Test Artist', timestamp: 1234567890123 });

    const stop = await post('/api/share/123456/stop');
    expect(stop.statusCode).toBe(200);
    const stopped = stop.json<{ success: boolean; sessionDuration: number; bytesTransferred: number }>();
    expect(stopped.success).toBe(true);
    expect(stopped.sessionDuration).toBeGreaterThanOrEqual(0);
    expect(stopped.bytesTransferred).toBe(0);

    // A stopped session stays readable, inactive; its code can be started again.
    expect((await get('/api/share/123456/status')).json<StatusResponse>().isActive).toBe(false);
    expect((await post('/api/share/start', { sessionId: '123456' })).statusCode).toBe(200);
    await post('/api/share/123456/stop');
  });

  it('buffers audio: ordered by sequence number, the newest 50, since, 204 and 404', async () => {
    const id = code();
    await start(id);
    for (const seq of [3, 1, 2]) {
      const res = await post(`/api/share/${id}/audio`, chunk(seq));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: true, buffered: true });
    }
    const all = await get(`/api/share/${id}/audio?since=-1`);
    expect(all.statusCode).toBe(200);
    const chunks = all.json<{ sequenceNumber: number; codec: string; data: string }[]>();
    expect(chunks.map((c) => c.sequenceNumber)).toEqual([1, 2, 3]);
    expect(chunks[0]).toEqual({ ...chunk(1), codec: 'pcm_f32' });
    expect((await get(`/api/share/${id}/audio?since=2`)).json<unknown[]>()).toHaveLength(1);

    const none = await get(`/api/share/${id}/audio?since=3`);
    expect(none.statusCode).toBe(204);
    expect(none.body).toBe('');
    // `since` defaults to -1.
    expect((await get(`/api/share/${id}/audio`)).json<unknown[]>()).toHaveLength(3);

    for (let seq = 4; seq <= 80; seq++) await post(`/api/share/${id}/audio`, chunk(seq));
    const kept = (await get(`/api/share/${id}/audio?since=-1`)).json<{ sequenceNumber: number }[]>();
    expect(kept).toHaveLength(50);
    expect(kept[0]?.sequenceNumber).toBe(31);
    expect(kept.at(-1)?.sequenceNumber).toBe(80);

    const missing = await get('/api/share/999999/audio?since=-1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'Session not found' });

    const stop = await post(`/api/share/${id}/stop`);
    // 80 chunks of 8 floats.
    expect(stop.json()).toMatchObject({ bytesTransferred: 80 * 8 * 4 });
  });

  it('passes codecs through and checks PCM lengths', async () => {
    const id = code();
    await start(id);
    const s16 = Buffer.from(new Int16Array([1, -1, 2, -2]).buffer).toString('base64');
    expect((await post(`/api/share/${id}/audio`, chunk(1, { data: s16, codec: 'pcm_s16' }))).statusCode).toBe(200);
    const opus = Buffer.from([0xfc, 0xff, 0xfe]).toString('base64');
    expect((await post(`/api/share/${id}/audio`, chunk(2, { data: opus, codec: 'opus' }))).statusCode).toBe(200);
    const back = (await get(`/api/share/${id}/audio?since=-1`)).json<{ codec: string; data: string }[]>();
    expect(back.map((c) => [c.codec, c.data])).toEqual([
      ['pcm_s16', s16],
      ['opus', opus],
    ]);
    // 3 bytes are not whole float32 stereo frames.
    const odd = await post(`/api/share/${id}/audio`, chunk(3, { data: Buffer.from([1, 2, 3]).toString('base64') }));
    expect(odd.statusCode).toBe(400);
    expect(odd.json<{ error: string }>().error).toMatch(/multiple of 8 bytes/);
    expect((await get(`/api/share/${id}/audio?since=2`)).statusCode).toBe(204);
    await post(`/api/share/${id}/stop`);
  });

  it('lets listeners in with the listener token or the bearer token, and join by code', async () => {
    const id = code();
    const { listenerToken, shareUrl } = await start(id);
    // On the origin the request came to (inject's is localhost:80).
    expect(shareUrl).toBe(`http://localhost:80/share/${id}?t=${encodeURIComponent(listenerToken)}`);
    const asListener = { authorization: `Bearer ${listenerToken}` };
    expect((await get(`/api/share/${id}/status`, asListener)).statusCode).toBe(200);
    expect((await get(`/api/share/${id}/status?token=${listenerToken}`, {})).statusCode).toBe(200);
    // A listener token is not a host token, and does not open another session.
    expect((await post(`/api/share/${id}/metadata`, { title: 'x' }, asListener)).statusCode).toBe(403);
    const other = code();
    await start(other);
    expect((await get(`/api/share/${other}/status`, asListener)).statusCode).toBe(403);
    expect((await get(`/api/share/${id}/status`, {})).statusCode).toBe(401);
    expect((await get(`/api/share/${id}/status`, { authorization: 'Bearer wrong' })).statusCode).toBe(403);

    const joined = await post(`/api/share/${id}/join`, undefined, {});
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({ listenerToken });
    expect((await post('/api/share/999998/join', undefined, {})).statusCode).toBe(404);
    await post(`/api/share/${id}/stop`);
    expect((await post(`/api/share/${id}/join`, undefined, {})).statusCode).toBe(404);
    await post(`/api/share/${other}/stop`);
  });

  it('counts pollers as listeners for a few seconds', async () => {
    const id = code();
    await start(id);
    await post(`/api/share/${id}/audio`, chunk(1));
    await get(`/api/share/${id}/audio?since=-1`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get(`/api/share/${id}/status`)).json<StatusResponse>().listenerCount).toBe(1);
    expect((await post(`/api/share/${id}/metadata`, { title: 'Now' })).json()).toEqual({
      success: true,
      listenersNotified: 1,
    });
    await post(`/api/share/${id}/stop`);
  });

  it('parses LRC lyrics once and gives the line playing and when the next starts', async () => {
    const id = code();
    await start(id);
    const lyrics = '[ti:Song]\n[00:01.00]One\n[00:03.50]Two\n[00:06.00]Three';
    await post(`/api/share/${id}/metadata`, { lyrics, hasSyncedLyrics: true, elapsedSeconds: 4 });
    const read = (await get(`/api/share/${id}/metadata`)).json<Record<string, unknown>>();
    expect(read).toMatchObject({ lyrics, hasSyncedLyrics: true, elapsedSeconds: 4, lineIndex: 1, nextLineAt: 6 });
    // Metadata merges: a progress update keeps the lyrics.
    await post(`/api/share/${id}/metadata`, { elapsedSeconds: 7 });
    expect((await get(`/api/share/${id}/metadata`)).json()).toMatchObject({ lyrics, lineIndex: 2, nextLineAt: null });
    await post(`/api/share/${id}/stop`);
  });

  it('refuses sessions past MAX_SESSIONS with a clear 429 and Retry-After', async () => {
    const ids = Array.from({ length: 6 }, code);
    for (const id of ids) started.add(id);
    const answers = await Promise.all(ids.map((id) => post('/api/share/start', { sessionId: id })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const over = await post('/api/share/start', { sessionId: code() });
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBe('30');
    expect(over.json()).toMatchObject({ success: false, error: expect.stringMatching(/MAX_SESSIONS=6/) as string });
    await post(`/api/share/${ids[0]}/stop`);
    expect((await post('/api/share/start', { sessionId: ids[0] })).statusCode).toBe(200);
    for (const id of ids) await post(`/api/share/${id}/stop`);
  });

  it('answers every bad input with a 4xx in the seed shape and stores nothing', async () => {
    const id = code();
    await start(id);
    const bad: [string, () => Promise<{ statusCode: number; json: () => unknown }>][] = [
      ['5-digit id', () => post('/api/share/start', { sessionId: '12345' })],
      ['7-digit id', () => post('/api/share/start', { sessionId: '1234567' })],
      ['letters', () => post('/api/share/start', { sessionId: '12a456' })],
      ['5-digit number id', () => post('/api/share/start', { sessionId: 12345 })],
      ['no body', () => post('/api/share/start')],
      ['extra field', () => post('/api/share/start', { sessionId: code(), admin: true })],
      ['bad path id', () => get('/api/share/12345/status')],
      ['since not a number', () => get(`/api/share/${id}/audio?since=abc`)],
      ['since below -1', () => get(`/api/share/${id}/audio?since=-2`)],
      ['since fraction', () => get(`/api/share/${id}/audio?since=1.5`)],
      ['audio without data', () => post(`/api/share/${id}/audio`, { ...chunk(1), data: undefined })],
      ['audio bad base64', () => post(`/api/share/${id}/audio`, chunk(1, { data: '!!!!' }))],
      ['audio bad codec', () => post(`/api/share/${id}/audio`, chunk(1, { codec: 'mp3' }))],
      ['audio negative seq', () => post(`/api/share/${id}/audio`, chunk(-1))],
      ['audio zero channels', () => post(`/api/share/${id}/audio`, chunk(1, { channels: 0 }))],
      ['audio rate', () => post(`/api/share/${id}/audio`, chunk(1, { sampleRate: 100 }))],
      ['metadata empty', () => post(`/api/share/${id}/metadata`, {})],
      ['metadata wrong type', () => post(`/api/share/${id}/metadata`, { title: ['a'] })],
      ['metadata bad boolean', () => post(`/api/share/${id}/metadata`, { hasSyncedLyrics: 'maybe' })],
      ['metadata unknown field', () => post(`/api/share/${id}/metadata`, { album: 'x' })],
      ['metadata negative', () => post(`/api/share/${id}/metadata`, { elapsedSeconds: -1 })],
      ['metadata control chars', () => post(`/api/share/${id}/metadata`, { title: 'a\u0000b' })],
      ['unknown session audio', () => post('/api/share/999997/audio', chunk(1))],
      ['unknown session metadata', () => post('/api/share/999997/metadata', { title: 'x' })],
      ['unknown session stop', () => post('/api/share/999997/stop')],
      ['unknown session status', () => get('/api/share/999997/status')],
      ['no metadata yet', () => get(`/api/share/${id}/metadata`)],
      ['no token', () => post(`/api/share/${id}/audio`, chunk(1), {})],
      ['wrong token', () => post(`/api/share/${id}/audio`, chunk(1), { authorization: 'Bearer nope' })],
      [
        'audio too large',
        () => post(`/api/share/${id}/audio`, chunk(1, { data: floats(80_000) })), // 320 KB > 256 KiB
      ],
      ['listen without upgrade', () => get(`/api/share/${id}/listen`)],
    ];
    for (const [name, send] of bad) {
      const res = await send();
      expect(res.statusCode, name).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, name).toBeLessThan(500);
      expect(res.json(), name).toMatchObject({ success: false, error: expect.any(String) as string });
    }
    expect((await get(`/api/share/${id}/audio?since=-1`)).statusCode).toBe(204);
    expect((await get(`/api/share/${id}/metadata`)).statusCode).toBe(404);
    expect((await get('/api/share/999997/status')).statusCode).toBe(404);
    expect((await get(`/api/share/${id}/status`)).json()).toMatchObject({ isActive: true, currentMetadata: null });
    const stop = await post(`/api/share/${id}/stop`);
    expect(stop.json()).toMatchObject({ bytesTransferred: 0 });
  });
});

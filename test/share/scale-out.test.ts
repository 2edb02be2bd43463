/**
 * Share scaled out: two `backbeat serve` processes on one PostgreSQL and one Redis. A host on one process reaches a
 * WebSocket listener on the other (metadata as JSON, audio as binary frames with the same bytes), either process
 * answers the polling API for a session started on the other, listener counts and the session cap hold across
 * processes, and stopping on one ends the listener on the other.
 *
 * Real child processes, so this needs PostgreSQL and Redis (TEST_DATABASE_URL and TEST_REDIS_URL); without them it is
 * skipped (REQUIRE_SERVICES=1 makes their absence a failure in services.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudioFrame } from '../../src/domain/audio-frame.ts';
import { CLOSE_CODES, type StatusResponse } from '../../src/share/contract.ts';
import { killHard, spawnBackbeat, started, terminate, type Child } from '../support/processes.ts';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
  type TestDatabase,
} from '../support/services.ts';
import { openShareSocket, wsUrl, type ShareSocket } from '../support/share-client.ts';
import { ADMIN_TOKEN, JWT_SECRET } from '../support/stack.ts';

const enabled = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL);
const TOKEN = 'share-scale-out-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe.skipIf(!enabled)('share scaled out: two serve processes on one Redis', () => {
  let database: TestDatabase;
  let dataDir: string;
  const prefix = uniqueName('share-scale');
  const children: Child[] = [];
  const sockets: ShareSocket[] = [];
  let a = '';
  let b = '';

  beforeAll(async () => {
    database = await createTestDatabase('share_scale');
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-share-scale-'));
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN,
      JWT_SECRET,
      BEARER_TOKEN: TOKEN,
      MAX_SESSIONS: '3',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      ENABLE_BACKGROUND_SYNC: 'false',
      SHUTDOWN_TIMEOUT_MS: '8000',
    };
    // The first process migrates the database; the second starts once it has.
    const first = spawnBackbeat('serve-a', 'serve', env);
    children.push(first);
    a = await started(first);
    const second = spawnBackbeat('serve-b', 'serve', env);
    children.push(second);
    b = await started(second);
  }, 90_000);

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await Promise.all(children.map((child) => terminate(child).catch(() => killHard(child))));
    await database?.drop();
    const redis = new Redis(TEST_REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const post = async (base: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: body === undefined ? { authorization: auth.authorization } : auth,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('relays a host on one process to a WebSocket listener on the other', async () => {
    const started = await post(a, '/api/share/start', { sessionId: '654321' });
    expect(started.status).toBe(200);
    const listenerToken = started.body.listenerToken as string;

    const listener = await openShareSocket(wsUrl(b, `/api/share/654321/listen?token=${listenerToken}`));
    sockets.push(listener);
    await listener.until(() => listener.texts.some((t) => t.type === 'state'), 10_000, 'state on B');

    // The listener on B counts on A.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${a}/api/share/654321/status`, { headers: { authorization: auth.authorization } });
          return ((await res.json()) as StatusResponse).listenerCount;
        },
        { timeout: 10_000 },
      )
      .toBe(1);

    const host = await openShareSocket(wsUrl(a, '/api/share/654321/host'), { authorization: auth.authorization });
    sockets.push(host);
    host.ws.send(JSON.stringify({ type: 'metadata', title: 'Across', artist: 'Processes' }));
    const bytes = new Uint8Array(new Float32Array([0.1, -0.2, 0.3, -0.4]).buffer);
    host.ws.send(
      encodeAudioFrame({
        codec: 'pcm_f32',
        channels: 2,
        sampleRate: 44100,
        sequenceNumber: 7,
        timestamp: 1,
        data: bytes,
      }),
    );
    await listener.until(() => listener.frames.length === 1, 10_000, 'the binary frame on B');
    expect(listener.frames[0]).toMatchObject({ sequenceNumber: 7, channels: 2, sampleRate: 44100, codec: 'pcm_f32' });
    expect(Buffer.from(listener.frames[0]!.data)).toEqual(Buffer.from(bytes));
    await listener.until(
      () => listener.texts.some((t) => t.type === 'metadata' && t.metadata.title === 'Across'),
      10_000,
      'metadata on B',
    );

    // The seed's POST on A, and its polling reads on B.
    const posted = await post(a, '/api/share/654321/audio', {
      data: Buffer.from(bytes).toString('base64'),
      sampleRate: 44100,
      channels: 2,
      timestamp: 2,
      sequenceNumber: 8,
    });
    expect(posted).toEqual({ status: 200, body: { success: true, buffered: true } });
    await listener.until(() => listener.frames.length === 2, 10_000, 'the posted chunk on B');
    const polled = await fetch(`${b}/api/share/654321/audio?since=7&token=${listenerToken}`);
    expect(((await polled.json()) as { sequenceNumber: number }[]).map((c) => c.sequenceNumber)).toEqual([8]);
    const metadata = await fetch(`${b}/api/share/654321/metadata`, { headers: { authorization: auth.authorization } });
    expect(await metadata.json()).toMatchObject({ title: 'Across', artist: 'Processes' });

    // Stopping on A ends the listener on B.
    const stopped = await post(a, '/api/share/654321/stop');
    expect(stopped.body).toMatchObject({ success: true, bytesTransferred: 32 });
    expect((await listener.closed).code).toBe(CLOSE_CODES.stopped);
  }, 60_000);

  it('holds MAX_SESSIONS across processes', async () => {
    const answers = [
      await post(a, '/api/share/start', { sessionId: '700001' }),
      await post(b, '/api/share/start', { sessionId: '700002' }),
      await post(a, '/api/share/start', { sessionId: '700003' }),
    ];
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200]);
    const over = await post(b, '/api/share/start', { sessionId: '700004' });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ success: false, error: expect.stringMatching(/MAX_SESSIONS=3/) as string });
    // The same code on the other process is in use.
    expect((await post(b, '/api/share/start', { sessionId: '700001' })).status).toBe(409);
    expect((await post(b, '/api/share/700001/stop')).status).toBe(200);
    expect((await post(b, '/api/share/start', { sessionId: '700004' })).status).toBe(200);
    for (const id of ['700002', '700003', '700004']) await post(a, `/api/share/${id}/stop`);
  }, 30_000);
});

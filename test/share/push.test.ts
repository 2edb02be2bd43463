/**
 * Share's push side in both modes, over real sockets: the listener WebSocket's `state` on join (with the buffered
 * audio), metadata as JSON text frames and audio as binary frames (the documented header and the raw bytes), the host
 * WebSocket feeding listeners and the polling API alike, listener counts, `ended` on stop, refusal without a token, and
 * a slow listener dropped (close 4008) while a fast one keeps receiving everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeAudioFrame } from '../../src/domain/audio-frame.ts';
import { CLOSE_CODES, type StatusResponse } from '../../src/share/contract.ts';
import { MODES } from '../support/services.ts';
import { openShareSocket, wsUrl, type ShareSocket } from '../support/share-client.ts';
import { type Stack, useTestStack } from '../support/stack.ts';

const TOKEN = 'share-push-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let nextId = 200_000;

describe.each(MODES)('Share push (%s)', (mode) => {
  let stack: Stack;
  useTestStack(
    mode,
    'share-push',
    (opened) => {
      stack = opened.stack;
    },
    {
      listen: true,
      env: {
        BEARER_TOKEN: TOKEN,
        SHARE_STARTS_PER_MINUTE: '1000',
        SHARE_HOST_WRITES_PER_SECOND: '100000',
        SHARE_LISTENER_QUEUE_BYTES: '65536',
      },
    },
  );
  const sockets: ShareSocket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
  });

  const post = (url: string, payload?: unknown) =>
    stack.app.inject({
      method: 'POST',
      url,
      headers: auth,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const start = async () => {
    const id = String(nextId++);
    const res = await post('/api/share/start', { sessionId: id });
    expect(res.statusCode).toBe(200);
    return { id, listenerToken: res.json<{ listenerToken: string }>().listenerToken };
  };
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const socket = await openShareSocket(wsUrl(stack.url!, path), headers);
    sockets.push(socket);
    return socket;
  };
  const pcm = (n: number, value: number) => new Uint8Array(new Float32Array(n).fill(value).buffer);

  it('sends the state and buffered audio on join, then metadata and audio as they come', async () => {
    const { id, listenerToken } = await start();
    await post(`/api/share/${id}/metadata`, { title: 'Song', artist: 'Artist', lyrics: '[00:01.00]a\n[00:02.00]b' });
    const first = pcm(4, 0.5);
    await post(`/api/share/${id}/audio`, {
      data: Buffer.from(first).toString('base64'),
      sampleRate: 48000,
      channels: 2,
      timestamp: 1000,
      sequenceNumber: 1,
    });

    const listener = await open(`/api/share/${id}/listen?token=${listenerToken}`);
    await listener.until(() => listener.frames.length === 1, 5000, 'the buffered chunk');
    const state = listener.texts[0];
    expect(state).toMatchObject({
      type: 'state',
      sessionId: id,
      isActive: true,
      metadata: { title: 'Song', artist: 'Artist' },
      lyrics: {
        synced: true,
        lines: [
          { time: 1, text: 'a' },
          { time: 2, text: 'b' },
        ],
      },
    });
    expect(listener.frames[0]).toMatchObject({ sequenceNumber: 1, sampleRate: 48000, channels: 2, codec: 'pcm_f32' });
    expect(Buffer.from(listener.frames[0]!.data)).toEqual(Buffer.from(first));

    // The POST API reaches push listeners.
    await post(`/api/share/${id}/metadata`, { elapsedSeconds: 1.5 });
    await listener.until(() => listener.texts.some((t) => t.type === 'metadata'), 5000, 'metadata');
    expect(listener.texts.find((t) => t.type === 'metadata')).toMatchObject({
      metadata: { title: 'Song', elapsedSeconds: 1.5, lineIndex: 0, nextLineAt: 2 },
      lyrics: { lineIndex: 0, nextLineAt: 2 },
    });

    // The host WebSocket reaches listeners and the polling buffer alike.
    const host = await open(`/api/share/${id}/host`, auth);
    const second = pcm(6, -0.25);
    host.ws.send(
      encodeAudioFrame({
        codec: 'pcm_s16',
        channels: 1,
        sampleRate: 22050,
        sequenceNumber: 2,
        timestamp: 2000,
        data: second,
      }),
    );
    host.ws.send(JSON.stringify({ type: 'metadata', title: 'Second song' }));
    await listener.until(() => listener.frames.length === 2, 5000, 'the host chunk');
    expect(listener.frames[1]).toMatchObject({ sequenceNumber: 2, sampleRate: 22050, channels: 1, codec: 'pcm_s16' });
    expect(Buffer.from(listener.frames[1]!.data)).toEqual(Buffer.from(second));
    await listener.until(
      () => listener.texts.some((t) => t.type === 'metadata' && t.metadata.title === 'Second song'),
      5000,
      'the host metadata',
    );
    const polled = await stack.app.inject({ url: `/api/share/${id}/audio?since=1`, headers: auth });
    expect(polled.json()).toEqual([
      {
        data: Buffer.from(second).toString('base64'),
        sampleRate: 22050,
        channels: 1,
        timestamp: 2000,
        sequenceNumber: 2,
        codec: 'pcm_s16',
      },
    ]);

    // A malformed host frame is answered, and closes the host socket.
    host.ws.send(Buffer.from([9, 9, 9]));
    const hostClose = await host.closed;
    expect(hostClose.code).toBe(CLOSE_CODES.badFrame);
    expect(host.texts.some((t) => t.type === 'error')).toBe(true);

    // Stopping ends listeners with `ended` and close code 4000.
    await post(`/api/share/${id}/stop`);
    expect((await listener.closed).code).toBe(CLOSE_CODES.stopped);
    expect(listener.texts.at(-1)).toEqual({ type: 'ended', reason: 'stopped' });
  });

  it('counts push listeners, and refuses sockets without a valid token', async () => {
    const { id, listenerToken } = await start();
    await expect(open(`/api/share/${id}/listen`)).rejects.toThrow(/401/);
    await expect(open(`/api/share/${id}/listen?token=nope`)).rejects.toThrow(/403/);
    await expect(open(`/api/share/${id}/host?token=${listenerToken}`)).rejects.toThrow(/403/);
    await expect(open(`/api/share/999990/listen?token=${TOKEN}`)).rejects.toThrow(/404/);

    const a = await open(`/api/share/${id}/listen?token=${listenerToken}`);
    const b = await open(`/api/share/${id}/listen`, { authorization: `Bearer ${listenerToken}` });
    await b.until(() => b.texts.some((t) => t.type === 'state'));
    const status = await stack.app.inject({ url: `/api/share/${id}/status`, headers: auth });
    expect(status.json<StatusResponse>().listenerCount).toBe(2);
    const notified = await post(`/api/share/${id}/metadata`, { title: 'x' });
    expect(notified.json()).toEqual({ success: true, listenersNotified: 2 });
    await a.until(() => a.texts.some((t) => t.type === 'listeners' && t.listenerCount === 2), 5000, 'count 2');

    a.close();
    await a.closed;
    await expect
      .poll(async () => {
        const res = await stack.app.inject({ url: `/api/share/${id}/status`, headers: auth });
        return res.json<StatusResponse>().listenerCount;
      })
      .toBe(1);
    await post(`/api/share/${id}/stop`);
  });

  it('drops a listener that stops reading, while a fast one keeps receiving every chunk', async () => {
    const { id, listenerToken } = await start();
    const fast = await open(`/api/share/${id}/listen?token=${listenerToken}`);
    const slow = await open(`/api/share/${id}/listen?token=${listenerToken}`);
    await slow.until(() => slow.texts.some((t) => t.type === 'state'));
    // The slow listener's client stops reading its socket: the server's queue for it grows.
    (slow.ws as WebSocket & { _socket: { pause(): void; resume(): void } })._socket.pause();

    const host = await open(`/api/share/${id}/host`, auth);
    const chunks = 600;
    const data = pcm(4096, 0.1); // 16 KB a chunk: ~10 MB in all, past any socket buffer
    for (let seq = 1; seq <= chunks; seq++) {
      host.ws.send(
        encodeAudioFrame({
          codec: 'pcm_f32',
          channels: 2,
          sampleRate: 48000,
          sequenceNumber: seq,
          timestamp: seq,
          data,
        }),
      );
      if (seq % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await fast.until(() => fast.frames.length === chunks, 30_000, `all ${chunks} chunks on the fast listener`);
    expect(fast.frames.map((f) => f.sequenceNumber)).toEqual(Array.from({ length: chunks }, (_, i) => i + 1));

    (slow.ws as WebSocket & { _socket: { resume(): void } })._socket.resume();
    const { code } = await slow.closed;
    expect(code).toBe(CLOSE_CODES.tooSlow);
    expect(slow.frames.length).toBeLessThan(chunks);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    await post(`/api/share/${id}/stop`);
  }, 60_000);
});

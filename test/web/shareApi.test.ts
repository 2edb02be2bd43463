import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../web/src/lib/api.ts';
import type { CacheStorage } from '../../web/src/lib/offlineCache.ts';
import {
  bytesToBase64,
  describeShareError,
  fetchShareStatus,
  joinShare,
  parseShareErrorBody,
  startShare,
  stopShare,
} from '../../web/src/lib/shareApi.ts';
import {
  clearShareToken,
  normalizeShareToken,
  readShareToken,
  saveShareToken,
  SHARE_TOKEN_KEY,
} from '../../web/src/lib/shareToken.ts';

function answer(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function stub(response: () => Response | Promise<Response>) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => response());
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Share API calls', () => {
  it('starts a session with the bearer token and reads the listener token and link', async () => {
    const fetchMock = stub(() =>
      answer(200, {
        success: true,
        sessionId: '123456',
        timestamp: 5,
        listenerToken: 'lt',
        shareUrl: 'http://x/share/123456?t=lt',
      }),
    );
    await expect(startShare('secret', '123456')).resolves.toEqual({
      success: true,
      sessionId: '123456',
      timestamp: 5,
      listenerToken: 'lt',
      shareUrl: 'http://x/share/123456?t=lt',
    });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/share/start');
    expect(init?.method).toBe('POST');
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer secret', 'Content-Type': 'application/json' });
    expect(JSON.parse(init?.body as string)).toEqual({ sessionId: '123456' });
  });

  it('turns the flat Share error shape into ApiError with its status and code', async () => {
    stub(() => answer(409, { success: false, error: 'Session ID already in use', code: 'BACKBEAT_ERR_CONFLICT' }));
    const err = await startShare('secret', '123456').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'BACKBEAT_ERR_CONFLICT', message: 'Session ID already in use' });
  });

  it('joins with the code alone and reads status with the listener token', async () => {
    let fetchMock = stub(() => answer(200, { listenerToken: 'lt', shareUrl: 'u' }));
    await expect(joinShare('000123')).resolves.toBe('lt');
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/share/000123/join');
    expect(fetchMock.mock.calls[0]![1]?.headers).not.toHaveProperty('Authorization');

    fetchMock = stub(() =>
      answer(200, {
        isActive: true,
        startTime: 1,
        listenerCount: 2,
        currentMetadata: { title: 'T', artist: null },
      }),
    );
    await expect(fetchShareStatus('000123', 'a+b')).resolves.toEqual({
      isActive: true,
      startTime: 1,
      listenerCount: 2,
      currentMetadata: { title: 'T', artist: null },
    });
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/share/000123/status?token=a%2Bb');
  });

  it('reads the stop answer; an unreachable server is status 0', async () => {
    stub(() => answer(200, { success: true, sessionDuration: 12.3, bytesTransferred: 4096 }));
    await expect(stopShare('s', '123456')).resolves.toEqual({
      success: true,
      sessionDuration: 12.3,
      bytesTransferred: 4096,
    });
    stub(() => Promise.reject(new TypeError('fetch failed')));
    await expect(joinShare('123456')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('refuses answers of the wrong shape', async () => {
    stub(() => answer(200, { nope: true }));
    await expect(joinShare('123456')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('reads both error shapes', () => {
    expect(parseShareErrorBody({ success: false, error: 'x', code: 'C' })).toEqual({ message: 'x', code: 'C' });
    expect(parseShareErrorBody({ error: { code: 'C', message: 'y' } })).toEqual({ message: 'y', code: 'C' });
    expect(parseShareErrorBody({ error: 'z' })).toEqual({ message: 'z', code: 'unknown' });
    expect(parseShareErrorBody('x')).toBeNull();
  });

  it('says what went wrong in words the host can act on', () => {
    const e = (status: number, message = 'detail') => new ApiError(status, 'C', message);
    expect(describeShareError(e(401), 'start')).toMatch(/share token/);
    expect(describeShareError(e(403), 'start')).toMatch(/refused this share token/);
    expect(describeShareError(e(409), 'start')).toMatch(/already in use/);
    expect(describeShareError(e(429, 'Too many sessions'), 'start')).toMatch(/Too many sessions/);
    expect(describeShareError(e(503), 'start')).toMatch(/cannot take more sessions/);
    expect(describeShareError(e(404), 'join')).toMatch(/No live session/);
    expect(describeShareError(e(403), 'status')).toMatch(/listener token/);
    expect(describeShareError(e(0), 'stop')).toMatch(/could not be reached/);
    expect(describeShareError(e(500, 'boom'), 'stop')).toBe('The server answered 500: boom.');
    expect(describeShareError(new Error('plain'), 'stop')).toBe('plain');
  });

  it('encodes bytes as base64, large ones included', () => {
    expect(bytesToBase64(new Uint8Array([1, 2, 3, 255]))).toBe(Buffer.from([1, 2, 3, 255]).toString('base64'));
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(bytesToBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });
});

describe('share token storage', () => {
  function memoryStorage(): CacheStorage & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return {
      data,
      getItem: (key) => data.get(key) ?? null,
      setItem: (key, value) => void data.set(key, value),
      removeItem: (key) => void data.delete(key),
    };
  }
  const broken: CacheStorage = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => {
      throw new Error('SecurityError');
    },
  };

  it('remembers, reads back and forgets the token', () => {
    const storage = memoryStorage();
    expect(readShareToken(storage)).toBeNull();
    expect(saveShareToken('tok', storage)).toBe(true);
    expect(storage.data.get(SHARE_TOKEN_KEY)).toBe('tok');
    expect(readShareToken(storage)).toBe('tok');
    clearShareToken(storage);
    expect(readShareToken(storage)).toBeNull();
  });

  it('never throws when storage does', () => {
    expect(readShareToken(broken)).toBeNull();
    expect(saveShareToken('tok', broken)).toBe(false);
    expect(saveShareToken('tok', null)).toBe(false);
    expect(() => clearShareToken(broken)).not.toThrow();
  });

  it('normalizes a pasted token', () => {
    expect(normalizeShareToken('  Bearer abc ')).toBe('abc');
    expect(normalizeShareToken('a b')).toBeNull();
  });
});

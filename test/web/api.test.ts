import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, fetchNewReleases, OfflineCopyError } from '../../web/src/lib/api.ts';
import { OFFLINE_COPY_HEADER } from '../../web/src/lib/swPolicy.ts';
import { release } from './fixtures.ts';

const list = { items: [release(1)], nextCursor: null, asOf: '2024-03-10T12:00:00.000Z', sources: [] };

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('fetchNewReleases', () => {
  it('returns the list the server sent', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(200, list)),
    );
    await expect(fetchNewReleases({ language: 'tamil', limit: 24 })).resolves.toEqual(list);
    expect(vi.mocked(fetch).mock.calls[0]?.[0]).toBe('/api/new-releases?language=tamil&limit=24');
  });

  it('treats the service worker’s kept copy as "offline", handing the copy over', async () => {
    const savedAt = '2024-03-10T11:00:00.000Z';
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(200, list, { [OFFLINE_COPY_HEADER]: savedAt })),
    );
    const error = await fetchNewReleases().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OfflineCopyError);
    expect(error).toMatchObject({ status: 0, isUnavailable: true, copy: { savedAt, data: list } });
  });

  it('turns error answers and unreachable servers into ApiError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        answer(403, { error: { code: 'BACKBEAT_ERR_FORBIDDEN', message: 'The admin token is not valid' } }),
      ),
    );
    const refused = await fetchNewReleases().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, code: 'BACKBEAT_ERR_FORBIDDEN', isAuthError: true });

    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    const down = await fetchNewReleases().catch((err: unknown) => err);
    expect(down).toMatchObject({ status: 0, code: 'network_error', isUnavailable: true, isAuthError: false });
  });
});

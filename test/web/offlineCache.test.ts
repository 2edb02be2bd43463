import { describe, expect, it } from 'vitest';
import {
  CACHE_KEY,
  CACHE_MAX_ITEMS,
  clearCache,
  readCache,
  writeCache,
  type CacheStorage,
} from '../../web/src/lib/offlineCache.ts';
import type { ReleaseList } from '../../web/src/lib/types.ts';
import { release } from './fixtures.ts';

function memoryStorage(initial: Record<string, string> = {}): CacheStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

const list: ReleaseList = {
  items: [release(2), release(1, { liked: true })],
  nextCursor: 'cursor-2',
  asOf: '2024-03-10T12:00:00.000Z',
  sources: [{ name: 'jiosaavn', status: 'ok', lastSuccessAt: '2024-03-10T11:58:00.000Z', lastError: null }],
};

describe('offline cache', () => {
  it('round-trips the list with its savedAt under the versioned key', () => {
    const storage = memoryStorage();
    expect(writeCache(storage, list, new Date('2024-03-10T12:00:05.000Z'))).toBe(true);
    expect(CACHE_KEY).toBe('backbeat:new-releases:v1');
    expect(storage.data.has(CACHE_KEY)).toBe(true);
    expect(readCache(storage)).toEqual({ savedAt: '2024-03-10T12:00:05.000Z', data: list });
  });

  it('accepts an ISO string as savedAt', () => {
    const storage = memoryStorage();
    writeCache(storage, list, '2024-03-10T12:01:00.000Z');
    expect(readCache(storage)?.savedAt).toBe('2024-03-10T12:01:00.000Z');
  });

  it('returns null for nothing stored, corrupt JSON, wrong shapes and missing storage', () => {
    expect(readCache(memoryStorage())).toBeNull();
    expect(readCache(memoryStorage({ [CACHE_KEY]: '{not json' }))).toBeNull();
    expect(readCache(memoryStorage({ [CACHE_KEY]: JSON.stringify({ savedAt: 'yesterday', data: list }) }))).toBeNull();
    expect(readCache(memoryStorage({ [CACHE_KEY]: JSON.stringify({ savedAt: new Date().toISOString() }) }))).toBeNull();
    expect(readCache(memoryStorage({ [CACHE_KEY]: 'null' }))).toBeNull();
    expect(readCache(null)).toBeNull();
  });

  it('never throws when storage does (quota exceeded, disabled storage)', () => {
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
    expect(writeCache(broken, list)).toBe(false);
    expect(readCache(broken)).toBeNull();
    expect(() => clearCache(broken)).not.toThrow();
    expect(writeCache(null, list)).toBe(false);
  });

  it(`keeps at most ${CACHE_MAX_ITEMS} items and then drops the cursor`, () => {
    const storage = memoryStorage();
    const many = Array.from({ length: CACHE_MAX_ITEMS + 5 }, (_, i) => release(i + 1));
    writeCache(storage, { ...list, items: many });
    const cached = readCache(storage);
    expect(cached?.data.items).toHaveLength(CACHE_MAX_ITEMS);
    expect(cached?.data.nextCursor).toBeNull();
  });

  it('clearCache removes the entry', () => {
    const storage = memoryStorage();
    writeCache(storage, list);
    clearCache(storage);
    expect(readCache(storage)).toBeNull();
  });
});

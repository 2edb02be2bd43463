import { describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN_KEY,
  clearAdminToken,
  normalizeAdminToken,
  readAdminToken,
  saveAdminToken,
} from '../../web/src/lib/adminToken.ts';
import type { CacheStorage } from '../../web/src/lib/offlineCache.ts';

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

describe('admin token storage', () => {
  it('keeps, reads and forgets the token under one key', () => {
    const storage = memoryStorage();
    expect(readAdminToken(storage)).toBeNull();
    expect(saveAdminToken('s3cret-token', storage)).toBe(true);
    expect(storage.data.get(ADMIN_TOKEN_KEY)).toBe('s3cret-token');
    expect(readAdminToken(storage)).toBe('s3cret-token');
    clearAdminToken(storage);
    expect(readAdminToken(storage)).toBeNull();
    expect(storage.data.size).toBe(0);
  });

  it('normalizes what is typed or pasted', () => {
    expect(normalizeAdminToken('  abc123  ')).toBe('abc123');
    expect(normalizeAdminToken('Bearer abc123')).toBe('abc123');
    expect(normalizeAdminToken('bearer   abc123 ')).toBe('abc123');
    expect(normalizeAdminToken('')).toBeNull();
    expect(normalizeAdminToken('   ')).toBeNull();
    expect(normalizeAdminToken('two words')).toBeNull();
  });

  it('ignores a stored value that is not a usable token', () => {
    const storage = memoryStorage();
    storage.data.set(ADMIN_TOKEN_KEY, '   ');
    expect(readAdminToken(storage)).toBeNull();
  });

  it('never throws when storage does, or is missing', () => {
    expect(saveAdminToken('x', broken)).toBe(false);
    expect(readAdminToken(broken)).toBeNull();
    expect(() => clearAdminToken(broken)).not.toThrow();
    expect(saveAdminToken('x', null)).toBe(false);
    expect(readAdminToken(null)).toBeNull();
  });
});

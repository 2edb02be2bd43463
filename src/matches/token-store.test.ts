import { inspect } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb, testConfig, type TestDb } from '../../test/support/stack.ts';
import { MODES } from '../../test/support/services.ts';
import { queryRows, type Database } from '../infra/db.ts';
import { rotateKeys } from './rotate-keys.ts';
import { DiscogsTokenStore, OAUTH_REQUEST_TTL_MS } from './token-store.ts';
import { TokenVault, VaultKeyError, VaultTamperedError, vaultKeyId } from './vault.ts';

const KEY_A = Buffer.from('a1'.repeat(32), 'hex');
const KEY_B = Buffer.from('b2'.repeat(32), 'hex');

const ALICE = {
  accessToken: 'AliceAccessToken-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  accessSecret: 'AliceAccessSecret-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  refreshToken: 'AliceRefreshToken-1122334455667788990011223344',
  tokenType: 'oauth',
  expiresAt: new Date('2026-01-01T00:00:00.000Z'),
  scope: 'identity collection',
};
const BOB = {
  accessToken: 'BobAccessToken-77665544332211009988776655443322',
  accessSecret: 'BobAccessSecret-ffeeddccbbaa99887766554433221100',
};
const REQUEST_SECRET = 'OAuthRequestSecret-5566778899aabbccddeeff001122';

/**
 * The ways a plaintext could show up in stored text: as is, as hex, and as base64/base64url at each of the three
 * byte alignments it could have inside a longer encoded value.
 */
function encodings(plaintext: string): string[] {
  const bytes = Buffer.from(plaintext, 'utf8');
  const forms = [plaintext, bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let skip = 0; skip < 3; skip += 1) {
    const whole = bytes.subarray(skip, skip + 3 * Math.floor((bytes.length - skip) / 3));
    forms.push(whole.toString('base64'), whole.toString('base64url'));
  }
  return forms;
}

function expectNoPlaintext(text: string, plaintexts: readonly string[]): void {
  for (const plaintext of plaintexts) {
    for (const form of encodings(plaintext)) expect(text).not.toContain(form);
  }
}

describe.each(MODES)('DiscogsTokenStore (%s)', (mode) => {
  let testDb: TestDb;
  let db: Database;
  let now: Date;
  const clock = () => new Date(now);
  const vaultA = new TokenVault({ key: KEY_A });
  const storeWith = (vault: TokenVault) => new DiscogsTokenStore({ db, vault, clock });

  /** Every row of both tables: `SELECT *` as JSON plus each row's text form as PostgreSQL prints it. */
  async function dumpTables(): Promise<string> {
    const parts: string[] = [];
    for (const table of ['discogs_tokens', 'discogs_oauth_requests']) {
      const rows = await queryRows<Record<string, unknown>>(db, sql`SELECT * FROM ${sql.identifier(table)}`);
      const texts = await queryRows<{ dump: string }>(db, sql`SELECT t::text AS dump FROM ${sql.identifier(table)} t`);
      parts.push(JSON.stringify(rows), ...texts.map((row) => row.dump));
    }
    return parts.join('\n');
  }

  async function sealedValues(): Promise<string[]> {
    const tokens = await queryRows<{ access_token: string; access_secret: string; refresh_token: string | null }>(
      db,
      sql`SELECT access_token, access_secret, refresh_token FROM discogs_tokens ORDER BY username`,
    );
    const requests = await queryRows<{ request_secret: string }>(
      db,
      sql`SELECT request_secret FROM discogs_oauth_requests ORDER BY request_token`,
    );
    return [
      ...tokens.flatMap((row) => [row.access_token, row.access_secret, row.refresh_token]),
      ...requests.map((row) => row.request_secret),
    ].filter((value): value is string => value !== null);
  }

  beforeAll(async () => {
    testDb = await openTestDb(mode, 'token_store');
    db = testDb.handle.db;
  });
  afterAll(async () => {
    await testDb?.close();
  });
  beforeEach(async () => {
    now = new Date('2025-03-01T12:00:00.000Z');
    await db.execute(sql`TRUNCATE discogs_tokens, discogs_oauth_requests RESTART IDENTITY`);
  });

  it('stores no token in any readable form: raw rows and their text dumps hold only sealed values', async () => {
    const store = storeWith(vaultA);
    await store.save('alice', ALICE);
    await store.save('bob', BOB);
    await store.saveOAuthRequest('request-token-1', REQUEST_SECRET, 'alice');

    const dump = await dumpTables();
    expect(dump).toContain('alice');
    expectNoPlaintext(dump, [
      ALICE.accessToken,
      ALICE.accessSecret,
      ALICE.refreshToken,
      BOB.accessToken,
      BOB.accessSecret,
      REQUEST_SECRET,
    ]);
    const values = await sealedValues();
    expect(values).toHaveLength(6);
    for (const value of values) expect(value).toMatch(/^v1\.[0-9a-f]{16}\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(new Set(values).size).toBe(6);
  });

  it('gives the tokens back opened, with the metadata, and marks the row used in the same call', async () => {
    const store = storeWith(vaultA);
    const info = await store.save('alice', ALICE);
    expect(info).toEqual({
      username: 'alice',
      tokenType: 'oauth',
      expiresAt: ALICE.expiresAt,
      scope: ALICE.scope,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    });

    now = new Date('2025-03-01T12:05:00.000Z');
    const tokens = await store.get('alice');
    expect(tokens).toEqual({ ...info, lastUsedAt: now, ...ALICE });
    const [row] = await queryRows<{ last_used_at: Date | string }>(
      db,
      sql`SELECT last_used_at FROM discogs_tokens WHERE username = 'alice'`,
    );
    expect(new Date(row!.last_used_at)).toEqual(now);

    now = new Date('2025-03-01T12:09:00.000Z');
    expect((await store.get('alice'))?.lastUsedAt).toEqual(now);
    expect(await store.get('nobody')).toBeUndefined();
  });

  it('redacts the opened tokens when they are logged or serialized', async () => {
    const store = storeWith(vaultA);
    await store.save('alice', ALICE);
    const tokens = (await store.get('alice'))!;
    expect(tokens.accessToken).toBe(ALICE.accessToken);
    const shown = `${JSON.stringify(tokens)}\n${JSON.stringify({ tokens })}\n${inspect(tokens)}\n${inspect({ tokens })}`;
    expectNoPlaintext(shown, [ALICE.accessToken, ALICE.accessSecret, ALICE.refreshToken]);
    expect(JSON.parse(JSON.stringify(tokens))).toMatchObject({ username: 'alice', accessToken: '[redacted]' });
  });

  it('replaces a connection on save (one row per username) and keeps its created_at', async () => {
    const store = storeWith(vaultA);
    await store.save('alice', ALICE);
    const created = now;
    now = new Date('2025-03-02T08:00:00.000Z');
    const info = await store.save('alice', BOB);
    expect(info).toMatchObject({
      createdAt: created,
      updatedAt: now,
      tokenType: 'oauth',
      scope: null,
      expiresAt: null,
    });
    expect(await store.get('alice')).toMatchObject({ ...BOB, refreshToken: null });
    const [count] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM discogs_tokens`);
    expect(count!.n).toBe(1);
  });

  it('answers has, list and delete without opening or showing any token', async () => {
    const store = storeWith(vaultA);
    await store.save('bob', BOB);
    await store.save('alice', ALICE);
    expect(await store.has('alice')).toBe(true);
    expect(await store.has('carol')).toBe(false);

    const listed = await store.list();
    expect(listed.map((entry) => entry.username)).toEqual(['alice', 'bob']);
    expect(listed[0]).toEqual({
      username: 'alice',
      tokenType: 'oauth',
      expiresAt: ALICE.expiresAt,
      scope: ALICE.scope,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    });
    const text = JSON.stringify(listed);
    expectNoPlaintext(text, [ALICE.accessToken, ALICE.accessSecret, ALICE.refreshToken, BOB.accessToken]);
    expect(text).not.toContain('v1.');
    // has() and list() are not uses.
    expect(listed.every((entry) => entry.lastUsedAt === null)).toBe(true);

    expect(await store.delete('alice')).toBe(true);
    expect(await store.delete('alice')).toBe(false);
    expect(await store.has('alice')).toBe(false);
    expect(await store.get('alice')).toBeUndefined();
  });

  it('refuses a tampered row on get, without showing the token', async () => {
    const store = storeWith(vaultA);
    await store.save('alice', ALICE);
    const [row] = await queryRows<{ access_secret: string }>(
      db,
      sql`SELECT access_secret FROM discogs_tokens WHERE username = 'alice'`,
    );
    // One character of the ciphertext changed ('A' <-> 'B' flips one bit of the decoded bytes).
    const parts = row!.access_secret.split('.');
    parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
    await db.execute(sql`UPDATE discogs_tokens SET access_secret = ${parts.join('.')} WHERE username = 'alice'`);

    const error = await store.get('alice').catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(VaultTamperedError);
    expect((error as Error).message).toContain('"alice"');
    expect((error as Error).message).toContain('access_secret');
    expectNoPlaintext((error as Error).message, [ALICE.accessToken, ALICE.accessSecret, ALICE.refreshToken]);
  });

  it("refuses a sealed value copied into another user's row or another column", async () => {
    const store = storeWith(vaultA);
    await store.save('alice', ALICE);
    await store.save('bob', BOB);
    // Bob's access token, authentic in itself, moved into Alice's row: it must not open as Alice's.
    await db.execute(
      sql`UPDATE discogs_tokens SET access_token = (SELECT access_token FROM discogs_tokens WHERE username = 'bob')
          WHERE username = 'alice'`,
    );
    await expect(store.get('alice')).rejects.toThrow(VaultTamperedError);
    // Within one row, the token and the secret swapped.
    await db.execute(
      sql`UPDATE discogs_tokens SET access_token = access_secret, access_secret = access_token WHERE username = 'bob'`,
    );
    await expect(store.get('bob')).rejects.toThrow(/"bob", access_token: .*failed authentication/);
  });

  it('refuses an OAuth request whose username was changed, so step 3 cannot connect another account', async () => {
    const store = storeWith(vaultA);
    await store.saveOAuthRequest('request-token-1', REQUEST_SECRET, 'alice');
    await db.execute(sql`UPDATE discogs_oauth_requests SET username = 'mallory'`);
    await expect(store.takeOAuthRequest('request-token-1')).rejects.toThrow(VaultTamperedError);
  });

  it('keeps an OAuth request until it is taken, once, with its secret sealed', async () => {
    const store = storeWith(vaultA);
    await store.saveOAuthRequest('request-token-1', REQUEST_SECRET, 'alice');
    const [row] = await queryRows<{ request_secret: string }>(
      db,
      sql`SELECT request_secret FROM discogs_oauth_requests`,
    );
    expect(vaultA.keyIdOf(row!.request_secret)).toBe(vaultA.keyId);

    now = new Date(now.getTime() + 60_000);
    expect(await store.takeOAuthRequest('request-token-1')).toEqual({
      username: 'alice',
      secret: REQUEST_SECRET,
      createdAt: new Date('2025-03-01T12:00:00.000Z'),
    });
    expect(await store.takeOAuthRequest('request-token-1')).toBeUndefined();
    expect(await store.takeOAuthRequest('never-issued')).toBeUndefined();
    const [count] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM discogs_oauth_requests`);
    expect(count!.n).toBe(0);
  });

  it('refuses and removes OAuth requests older than 15 minutes', async () => {
    const store = storeWith(vaultA);
    await store.saveOAuthRequest('stale', REQUEST_SECRET, 'alice');
    await store.saveOAuthRequest('abandoned', REQUEST_SECRET, 'bob');
    now = new Date(now.getTime() + OAUTH_REQUEST_TTL_MS);
    await store.saveOAuthRequest('fresh', REQUEST_SECRET, 'carol');
    // Exactly 15 minutes old is still valid; one millisecond more is not.
    now = new Date(now.getTime() + 1);
    expect(await store.takeOAuthRequest('stale')).toBeUndefined();
    const left = await queryRows<{ request_token: string }>(
      db,
      sql`SELECT request_token FROM discogs_oauth_requests ORDER BY request_token`,
    );
    // The stale one was taken and refused; the other expired one was swept on the way.
    expect(left.map((r) => r.request_token)).toEqual(['fresh']);
    expect((await store.takeOAuthRequest('fresh'))?.username).toBe('carol');
  });

  describe('rotate', () => {
    async function seedUnderA(): Promise<void> {
      const store = storeWith(vaultA);
      await store.save('alice', ALICE);
      await store.save('bob', BOB);
      await store.saveOAuthRequest('request-token-1', REQUEST_SECRET, 'alice');
    }

    it('re-seals every value from key A to key B, after which only key B opens them', async () => {
      await seedUnderA();
      const progress: [number, number][] = [];
      const rotating = storeWith(new TokenVault({ key: KEY_B, previousKeys: [KEY_A] }));
      const before = await queryRows<{ updated_at: Date | string }>(
        db,
        sql`SELECT updated_at FROM discogs_tokens ORDER BY username`,
      );
      expect(await rotating.rotate((done, total) => progress.push([done, total]))).toEqual({
        rotated: 3,
        alreadyCurrent: 0,
      });
      expect(progress).toEqual([
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
      ]);

      const values = await sealedValues();
      expect(values).toHaveLength(6);
      for (const value of values) expect(vaultA.keyIdOf(value)).toBe(vaultKeyId(KEY_B));
      expectNoPlaintext(await dumpTables(), [ALICE.accessToken, ALICE.accessSecret, BOB.accessToken, REQUEST_SECRET]);
      const after = await queryRows<{ updated_at: Date | string }>(
        db,
        sql`SELECT updated_at FROM discogs_tokens ORDER BY username`,
      );
      expect(after).toEqual(before);

      const onlyB = storeWith(new TokenVault({ key: KEY_B }));
      expect(await onlyB.get('alice')).toMatchObject(ALICE);
      expect(await onlyB.get('bob')).toMatchObject({ ...BOB, refreshToken: null });
      expect((await onlyB.takeOAuthRequest('request-token-1'))?.secret).toBe(REQUEST_SECRET);

      const onlyA = storeWith(vaultA);
      const error = await onlyA.get('alice').catch((caught: unknown) => caught as Error);
      expect(error).toBeInstanceOf(VaultKeyError);
      expect((error as Error).message).toContain(vaultKeyId(KEY_B));
      expect((error as Error).message).toContain('ENCRYPTION_KEY_PREVIOUS');

      expect(await rotating.rotate()).toEqual({ rotated: 0, alreadyCurrent: 2 });
    });

    it('counts rows already under the current key and re-seals only the others', async () => {
      await seedUnderA();
      const vaultB = new TokenVault({ key: KEY_B, previousKeys: [KEY_A] });
      await storeWith(vaultB).save('carol', BOB);
      const [carolBefore] = await queryRows<{ access_token: string }>(
        db,
        sql`SELECT access_token FROM discogs_tokens WHERE username = 'carol'`,
      );
      expect(await storeWith(vaultB).rotate()).toEqual({ rotated: 3, alreadyCurrent: 1 });
      const [carolAfter] = await queryRows<{ access_token: string }>(
        db,
        sql`SELECT access_token FROM discogs_tokens WHERE username = 'carol'`,
      );
      expect(carolAfter).toEqual(carolBefore);
    });

    it('changes nothing when one value cannot be opened', async () => {
      await seedUnderA();
      // A row sealed under a third key, which the rotating vault does not hold.
      const keyC = Buffer.alloc(32, 0xc3);
      await storeWith(new TokenVault({ key: keyC })).save('zed', BOB);
      const before = await sealedValues();

      const error = await storeWith(new TokenVault({ key: KEY_B, previousKeys: [KEY_A] }))
        .rotate()
        .catch((caught: unknown) => caught as Error);
      expect(error).toBeInstanceOf(VaultKeyError);
      expect((error as Error).message).toContain('"zed"');
      expect((error as Error).message).toContain(vaultKeyId(keyC));
      expect(await sealedValues()).toEqual(before);
    });

    it('drops expired OAuth requests instead of re-sealing them', async () => {
      await seedUnderA();
      now = new Date(now.getTime() + OAUTH_REQUEST_TTL_MS + 1);
      expect(await storeWith(new TokenVault({ key: KEY_B, previousKeys: [KEY_A] })).rotate()).toEqual({
        rotated: 2,
        alreadyCurrent: 0,
      });
      const [count] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM discogs_oauth_requests`);
      expect(count!.n).toBe(0);
    });
  });

  describe(rotateKeys.name, () => {
    it('rotates from ENCRYPTION_KEY_PREVIOUS to ENCRYPTION_KEY and reports the counts', async () => {
      await storeWith(vaultA).save('alice', ALICE);
      await storeWith(vaultA).saveOAuthRequest('request-token-1', REQUEST_SECRET, 'alice');
      const config = testConfig({
        ENCRYPTION_KEY: KEY_B.toString('base64'),
        ENCRYPTION_KEY_PREVIOUS: KEY_A.toString('hex'),
      });
      const progress: number[] = [];
      expect(await rotateKeys({ db, config, clock, onProgress: (done) => progress.push(done) })).toEqual({
        rotated: 2,
        alreadyCurrent: 0,
        keyId: vaultKeyId(KEY_B),
      });
      expect(progress).toEqual([0, 1, 2]);
      for (const value of await sealedValues()) expect(vaultA.keyIdOf(value)).toBe(vaultKeyId(KEY_B));
      // A second run (or one after ENCRYPTION_KEY_PREVIOUS is removed) finds nothing left to do.
      expect(await rotateKeys({ db, config: testConfig({ ENCRYPTION_KEY: KEY_B.toString('hex') }) })).toEqual({
        rotated: 0,
        alreadyCurrent: 1,
        keyId: vaultKeyId(KEY_B),
      });
    });

    it('refuses clearly, touching nothing, when ENCRYPTION_KEY is unset', async () => {
      await storeWith(vaultA).save('alice', ALICE);
      const before = await sealedValues();
      const config = testConfig({ ENCRYPTION_KEY: undefined, ENCRYPTION_KEY_PREVIOUS: KEY_A.toString('hex') });
      await expect(rotateKeys({ db, config })).rejects.toThrow(VaultKeyError);
      await expect(rotateKeys({ db, config })).rejects.toThrow(/^ENCRYPTION_KEY is not set: /);
      expect(await sealedValues()).toEqual(before);
    });

    it('names the missing key when ENCRYPTION_KEY_PREVIOUS is not the one that sealed the rows', async () => {
      await storeWith(vaultA).save('alice', ALICE);
      const before = await sealedValues();
      const config = testConfig({ ENCRYPTION_KEY: KEY_B.toString('hex') });
      await expect(rotateKeys({ db, config })).rejects.toThrow(
        new RegExp(`key ${vaultKeyId(KEY_A)} is not configured.*ENCRYPTION_KEY_PREVIOUS`),
      );
      expect(await sealedValues()).toEqual(before);
    });
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { TokenVault, VaultError, VaultFormatError, VaultKeyError, VaultTamperedError, vaultKeyId } from './vault.ts';

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);
const SECRET = 'discogs-access-token-5f2c9e';

const b64 = (buffer: Buffer) => buffer.toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

/** The five parts of a sealed value. */
function split(sealed: string): [string, string, string, string, string] {
  const parts = sealed.split('.');
  expect(parts).toHaveLength(5);
  return parts as [string, string, string, string, string];
}

/** Calls `fn` and returns what it threw (fails when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe(TokenVault.name, () => {
  it('opens what it sealed, including empty, long and non-ASCII text', () => {
    const vault = new TokenVault({ key: KEY_A });
    for (const plaintext of [SECRET, '', 'x'.repeat(10_000), 'Ünïcødé — 東京 🎧']) {
      expect(vault.open(vault.seal(plaintext))).toBe(plaintext);
    }
  });

  it('writes v1.<keyId>.<nonce>.<ciphertext>.<tag> with a 12-byte nonce and a 16-byte tag', () => {
    const vault = new TokenVault({ key: KEY_A });
    const [version, keyId, nonce, ciphertext, tag] = split(vault.seal(SECRET));
    expect(version).toBe('v1');
    expect(keyId).toBe(vault.keyId);
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(unb64(nonce)).toHaveLength(12);
    expect(unb64(ciphertext)).toHaveLength(Buffer.byteLength(SECRET));
    expect(unb64(tag)).toHaveLength(16);
  });

  it('derives the key id from SHA-256 of the context and the key, never showing the key', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('backbeat-vault-key-id'), KEY_A]))
      .digest()
      .subarray(0, 8)
      .toString('hex');
    expect(vaultKeyId(KEY_A)).toBe(expected);
    expect(new TokenVault({ key: KEY_A }).keyId).toBe(expected);
    expect(vaultKeyId(KEY_B)).not.toBe(expected);
    expect(KEY_A.toString('hex')).not.toContain(expected);
  });

  it('uses a fresh nonce for every value, so one plaintext never seals the same way twice', () => {
    const vault = new TokenVault({ key: KEY_A });
    const sealed = Array.from({ length: 200 }, () => vault.seal(SECRET));
    expect(new Set(sealed).size).toBe(200);
    expect(new Set(sealed.map((value) => split(value)[2])).size).toBe(200);
    expect(new Set(sealed.map((value) => split(value)[3])).size).toBe(200);
  });

  it('keeps the plaintext out of the sealed text in every common encoding', () => {
    const vault = new TokenVault({ key: KEY_A });
    const sealed = vault.seal(SECRET);
    const bytes = Buffer.from(SECRET);
    for (const form of [SECRET, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
      expect(sealed).not.toContain(form);
    }
  });

  it('refuses a value sealed under a key it does not hold, naming the key id and the variables to set', () => {
    const sealed = new TokenVault({ key: KEY_A }).seal(SECRET);
    const error = thrown(() => new TokenVault({ key: KEY_B }).open(sealed));
    expect(error).toBeInstanceOf(VaultKeyError);
    expect(error).toBeInstanceOf(VaultError);
    expect(error.name).toBe('VaultKeyError');
    expect(error.message).toContain(vaultKeyId(KEY_A));
    expect(error.message).toContain('ENCRYPTION_KEY');
    expect(error.message).toContain('ENCRYPTION_KEY_PREVIOUS');
    expect(error.message).not.toContain(SECRET);
  });

  it('opens values sealed under a previous key and seals only under the current one', () => {
    const old = new TokenVault({ key: KEY_A });
    const sealedUnderA = old.seal(SECRET);
    const vault = new TokenVault({ key: KEY_B, previousKeys: [KEY_A] });
    expect(vault.open(sealedUnderA)).toBe(SECRET);
    expect(vault.keyIdOf(sealedUnderA)).toBe(old.keyId);
    expect(vault.needsRotation(sealedUnderA)).toBe(true);
    const fresh = vault.seal(SECRET);
    expect(vault.keyIdOf(fresh)).toBe(vaultKeyId(KEY_B));
    expect(vault.needsRotation(fresh)).toBe(false);
    expect(vault.keyIds).toEqual([vaultKeyId(KEY_B), vaultKeyId(KEY_A)]);
  });

  it('reseals a previous-key value under the current key and leaves a current one as it is', () => {
    const sealedUnderA = new TokenVault({ key: KEY_A }).seal(SECRET);
    const vault = new TokenVault({ key: KEY_B, previousKeys: [KEY_A] });
    const resealed = vault.reseal(sealedUnderA);
    expect(vault.keyIdOf(resealed)).toBe(vault.keyId);
    expect(new TokenVault({ key: KEY_B }).open(resealed)).toBe(SECRET);
    expect(vault.reseal(resealed)).toBe(resealed);
  });

  describe('refuses every single-bit change', () => {
    const vault = new TokenVault({ key: KEY_A });
    const sealed = vault.seal(SECRET);
    const parts = split(sealed);

    it.each([
      ['nonce', 2],
      ['ciphertext', 3],
      ['tag', 4],
    ] as const)('of the %s with VaultTamperedError', (_name, index) => {
      const bytes = unb64(parts[index]);
      let checked = 0;
      for (let bit = 0; bit < bytes.length * 8; bit += 1) {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        const modified = [...parts];
        modified[index] = b64(flipped);
        const error = thrown(() => vault.open(modified.join('.')));
        expect(error).toBeInstanceOf(VaultTamperedError);
        expect(error.message).not.toContain(SECRET);
        checked += 1;
      }
      expect(checked).toBe(bytes.length * 8);
    });

    it('of the key id: an id the vault does not hold is a key error', () => {
      const id = Buffer.from(parts[1], 'hex');
      for (let bit = 0; bit < 64; bit += 1) {
        const flipped = Buffer.from(id);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        const modified = [...parts];
        modified[1] = flipped.toString('hex');
        expect(() => vault.open(modified.join('.'))).toThrow(VaultKeyError);
      }
    });
  });

  it('refuses a changed character in the unused bits of the last base64url character', () => {
    const vault = new TokenVault({ key: KEY_A });
    const parts = split(vault.seal(SECRET));
    // 16 tag bytes are 22 characters, the last carrying 2 bits of data and 4 unused ones.
    const last = parts[4].at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(unb64(parts[4].slice(0, -1) + sibling)).toEqual(unb64(parts[4]));
    parts[4] = parts[4].slice(0, -1) + sibling;
    expect(() => vault.open(parts.join('.'))).toThrow(VaultTamperedError);
  });

  it('refuses a value relabelled with another held key id (the key id is authenticated)', () => {
    const vault = new TokenVault({ key: KEY_B, previousKeys: [KEY_A] });
    const parts = split(vault.seal(SECRET));
    parts[1] = vaultKeyId(KEY_A);
    expect(() => vault.open(parts.join('.'))).toThrow(VaultTamperedError);

    // Also when the value really was encrypted with the other key's bytes: the AAD still names the original id.
    const underA = split(new TokenVault({ key: KEY_A }).seal(SECRET));
    underA[1] = vaultKeyId(KEY_B);
    expect(() => vault.open(underA.join('.'))).toThrow(VaultTamperedError);
  });

  it('binds an optional context: the same one opens, another or none is refused', () => {
    const vault = new TokenVault({ key: KEY_A });
    const sealed = vault.seal(SECRET, '["discogs_tokens","alice","access_token"]');
    expect(vault.open(sealed, '["discogs_tokens","alice","access_token"]')).toBe(SECRET);
    for (const other of [undefined, '', '["discogs_tokens","bob","access_token"]']) {
      expect(() => vault.open(sealed, other)).toThrow(VaultTamperedError);
    }
    expect(() => vault.open(vault.seal(SECRET), 'any')).toThrow(VaultTamperedError);
    const rotated = new TokenVault({ key: KEY_B, previousKeys: [KEY_A] }).reseal(
      sealed,
      '["discogs_tokens","alice","access_token"]',
    );
    expect(new TokenVault({ key: KEY_B }).open(rotated, '["discogs_tokens","alice","access_token"]')).toBe(SECRET);
  });

  it('refuses parts moved between two values', () => {
    const vault = new TokenVault({ key: KEY_A });
    const one = split(vault.seal(SECRET));
    const two = split(vault.seal(SECRET));
    for (const index of [2, 3, 4]) {
      const mixed = [...one];
      mixed[index] = two[index]!;
      expect(() => vault.open(mixed.join('.'))).toThrow(VaultTamperedError);
    }
  });

  it('refuses a truncated tag instead of checking fewer bits', () => {
    const vault = new TokenVault({ key: KEY_A });
    const parts = split(vault.seal(SECRET));
    parts[4] = b64(unb64(parts[4]).subarray(0, 12));
    expect(() => vault.open(parts.join('.'))).toThrow(VaultFormatError);
  });

  it.each([
    ['empty text', ''],
    ['a plaintext token', SECRET],
    ['too few parts', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAA'],
    ['too many parts', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA.x'],
    ['another version', 'v2.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short key id', 'v1.0123.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an upper-case key id', 'v1.0123456789ABCDEF.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['standard base64 characters', 'v1.0123456789abcdef.AAAAAAAAAAAAAAA+.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['base64 padding', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.AA==.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an 8-byte nonce', 'v1.0123456789abcdef.AAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a 15-byte tag', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAA'],
    ['an impossible base64url length', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.AAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses a malformed value (%s) with VaultFormatError', (_name, value) => {
    const vault = new TokenVault({ key: KEY_A });
    expect(() => vault.open(value)).toThrow(VaultFormatError);
    expect(() => vault.keyIdOf(value)).toThrow(VaultFormatError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new TokenVault({ key: Buffer.alloc(16) })).toThrow(VaultKeyError);
    expect(() => new TokenVault({ key: KEY_A, previousKeys: [Buffer.alloc(31)] })).toThrow(/ENCRYPTION_KEY_PREVIOUS/);
  });

  it('holds private copies of its keys and never shows them', () => {
    const key = randomBytes(32);
    const vault = new TokenVault({ key: Buffer.from(key) });
    const sealed = vault.seal(SECRET);
    const shown = `${inspect(vault, { showHidden: true, depth: 5 })} ${JSON.stringify(vault)}`;
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
      expect(shown).not.toContain(form);
    }
    expect(vault.open(sealed)).toBe(SECRET);
  });

  describe('fromConfig', () => {
    it('says how to set ENCRYPTION_KEY when it is missing', () => {
      const error = thrown(() => TokenVault.fromConfig({ encryptionKey: undefined }));
      expect(error).toBeInstanceOf(VaultKeyError);
      expect(error.message).toMatch(/^ENCRYPTION_KEY is not set: /);
      expect(error.message).toContain('64 hex characters');
      expect(() => TokenVault.fromConfig({ encryptionKey: undefined, previousEncryptionKey: KEY_A })).toThrow(
        /ENCRYPTION_KEY is not set/,
      );
    });

    it('seals under ENCRYPTION_KEY and still opens ENCRYPTION_KEY_PREVIOUS values', () => {
      const config = parseConfig({
        NODE_ENV: 'test',
        ENCRYPTION_KEY: KEY_B.toString('hex'),
        ENCRYPTION_KEY_PREVIOUS: KEY_A.toString('base64'),
      });
      const vault = TokenVault.fromConfig({
        encryptionKey: config.encryptionKey,
        previousEncryptionKey: config.matches.previousEncryptionKey,
      });
      expect(vault.keyId).toBe(vaultKeyId(KEY_B));
      expect(vault.open(new TokenVault({ key: KEY_A }).seal(SECRET))).toBe(SECRET);
      expect(TokenVault.fromConfig({ encryptionKey: KEY_B }).keyIds).toEqual([vaultKeyId(KEY_B)]);
    });

    it('treats a previous key equal to the current one as the same key', () => {
      const vault = TokenVault.fromConfig({ encryptionKey: KEY_A, previousEncryptionKey: Buffer.from(KEY_A) });
      expect(vault.keyIds).toEqual([vaultKeyId(KEY_A)]);
    });
  });
});

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for the Discogs tokens: AES-256-GCM with a fresh random 96-bit nonce per value and the full
 * 128-bit tag checked on every open.
 *
 * A sealed value is text, safe to store in a `text` column and self-describing:
 *
 *     v1.<keyId>.<nonce>.<ciphertext>.<tag>
 *
 * `keyId` is 16 hex characters (the first 8 bytes of SHA-256 of `'backbeat-vault-key-id'` followed by the key): it
 * tells which key sealed the value without revealing anything usable about the key, so `backbeat keys rotate` knows
 * which values still need re-sealing and an unknown key is reported by id. The nonce, ciphertext and tag are
 * unpadded base64url. `v1.<keyId>` is the AES-GCM additional authenticated data, so a value relabelled with another
 * key's id (or another version) fails authentication instead of being opened under a different key. A caller may bind
 * a context as well (the store binds table, row and column): the same context is then needed to open the value, so a
 * sealed value copied into another row or column is refused rather than opened as someone else's token.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
const KEY_ID_CONTEXT = Buffer.from('backbeat-vault-key-id', 'utf8');

/** Any refusal of the vault. Messages name key ids and formats, never a plaintext or a key. */
export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No key, a key of the wrong size, or a value sealed under a key the vault does not hold. */
export class VaultKeyError extends VaultError {}

/** The value is well formed but fails authentication: modified, truncated, or sealed elsewhere. */
export class VaultTamperedError extends VaultError {}

/** The value is not a sealed value at all (wrong shape, version, alphabet or lengths). */
export class VaultFormatError extends VaultError {}

export interface TokenVaultOptions {
  /** The current key (`ENCRYPTION_KEY`): every seal uses it. */
  key: Buffer;
  /** Keys it replaced (`ENCRYPTION_KEY_PREVIOUS`): values they sealed still open until rotated. */
  previousKeys?: readonly Buffer[];
}

interface ParsedValue {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** The public id of `key`: the first 8 bytes of SHA-256(`'backbeat-vault-key-id'` ‖ key), as hex. */
export function vaultKeyId(key: Buffer): string {
  return createHash('sha256').update(KEY_ID_CONTEXT).update(key).digest().subarray(0, 8).toString('hex');
}

function checkKey(key: Buffer, name: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    const size = Buffer.isBuffer(key) ? `${key.length} bytes` : 'not bytes';
    throw new VaultKeyError(`${name} must be ${KEY_BYTES} bytes (64 hex characters or base64); got ${size}`);
  }
}

/** The authenticated data: the version and key id, then (NUL-separated, so it cannot blur into the id) the context. */
function aad(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(context === undefined ? `${VERSION}.${keyId}` : `${VERSION}.${keyId}\0${context}`, 'utf8');
}

/**
 * Decodes one base64url part. Only the canonical encoding is accepted: Node's decoder ignores the unused low bits of
 * the last character, so a changed character there would otherwise decode to the same bytes and open unnoticed.
 */
function decodePart(text: string, part: string, bytes?: number): Buffer {
  if (!BASE64URL_PATTERN.test(text)) throw new VaultFormatError(`sealed value: the ${part} is not base64url`);
  const decoded = Buffer.from(text, 'base64url');
  if (decoded.toString('base64url') !== text) {
    if (text.length % 4 === 1) throw new VaultFormatError(`sealed value: the ${part} has an impossible length`);
    throw new VaultTamperedError(`sealed value: the ${part} is not canonical base64url (the value was modified)`);
  }
  if (bytes !== undefined && decoded.length !== bytes) {
    throw new VaultFormatError(`sealed value: the ${part} is ${decoded.length} bytes, expected ${bytes}`);
  }
  return decoded;
}

function parse(sealed: string): ParsedValue {
  if (typeof sealed !== 'string') throw new VaultFormatError('sealed value: expected a string');
  const parts = sealed.split('.');
  if (parts.length !== 5) {
    throw new VaultFormatError(`sealed value: expected 5 dot-separated parts (${VERSION}.keyId.nonce.data.tag)`);
  }
  const [version, keyId, nonce, ciphertext, tag] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw new VaultFormatError(`sealed value: unknown format version (expected ${VERSION})`);
  if (!KEY_ID_PATTERN.test(keyId)) throw new VaultFormatError('sealed value: the key id is not 16 hex characters');
  return {
    keyId,
    nonce: decodePart(nonce, 'nonce', NONCE_BYTES),
    ciphertext: decodePart(ciphertext, 'ciphertext'),
    tag: decodePart(tag, 'tag', TAG_BYTES),
  };
}

/**
 * Seals and opens secrets with AES-256-GCM under the current key, and opens values sealed under previous keys so a
 * key change never locks stored tokens out before `backbeat keys rotate` re-seals them.
 */
export class TokenVault {
  readonly #key: Buffer;
  readonly #keyId: string;
  /** Every key the vault can open with, by id (the current one included). */
  readonly #keys = new Map<string, Buffer>();

  constructor(options: TokenVaultOptions) {
    checkKey(options.key, 'ENCRYPTION_KEY');
    (options.previousKeys ?? []).forEach((key) => checkKey(key, 'ENCRYPTION_KEY_PREVIOUS'));
    // Copies, so a caller zeroing or reusing its buffer cannot change the vault's keys.
    this.#key = Buffer.from(options.key);
    this.#keyId = vaultKeyId(this.#key);
    this.#keys.set(this.#keyId, this.#key);
    for (const key of options.previousKeys ?? []) {
      const id = vaultKeyId(key);
      if (!this.#keys.has(id)) this.#keys.set(id, Buffer.from(key));
    }
  }

  /**
   * The vault of the configuration: `encryptionKey` seals, `previousEncryptionKey` (when set) still opens.
   * Throws {@link VaultKeyError} when `encryptionKey` is missing.
   */
  static fromConfig(config: {
    encryptionKey: Buffer | undefined;
    previousEncryptionKey?: Buffer | undefined;
  }): TokenVault {
    if (!config.encryptionKey) {
      throw new VaultKeyError(
        'ENCRYPTION_KEY is not set: Discogs tokens are stored encrypted and need it. Set ENCRYPTION_KEY to 32 random ' +
          'bytes as 64 hex characters or base64 (for example the output of `openssl rand -hex 32`).',
      );
    }
    return new TokenVault({
      key: config.encryptionKey,
      previousKeys: config.previousEncryptionKey ? [config.previousEncryptionKey] : [],
    });
  }

  /** The id of the current key, as written in every value this vault seals. */
  get keyId(): string {
    return this.#keyId;
  }

  /** The ids of every key this vault opens with, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Encrypts `plaintext` under the current key with a fresh random nonce. `context`, when given, is authenticated
   * (not stored): `open` must be given the same one.
   */
  seal(plaintext: string, context?: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('TokenVault.seal expects a string');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.#keyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.#keyId, nonce, ciphertext, tag]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts a value sealed by any key this vault holds, with the `context` it was sealed with.
   * Throws {@link VaultFormatError} for a value that is not a sealed value, {@link VaultKeyError} when its key is not
   * configured, {@link VaultTamperedError} when it fails authentication (modified, or another context).
   */
  open(sealed: string, context?: string): string {
    const value = parse(sealed);
    const key = this.#keys.get(value.keyId);
    if (!key) {
      throw new VaultKeyError(
        `sealed value: key ${value.keyId} is not configured (configured: ${this.keyIds.join(', ')}). Set ` +
          'ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS to the key that sealed it.',
      );
    }
    // The tag length is fixed: GCM would otherwise accept a truncated tag, which is far easier to forge.
    const decipher = createDecipheriv('aes-256-gcm', key, value.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(value.keyId, context));
    decipher.setAuthTag(value.tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(value.ciphertext), decipher.final()]);
    } catch {
      throw new VaultTamperedError(
        `sealed value under key ${value.keyId} failed authentication: it was modified, is corrupt, or was moved from another place`,
      );
    }
    return plaintext.toString('utf8');
  }

  /** The id of the key that sealed `sealed` (throws {@link VaultFormatError} when it is not a sealed value). */
  keyIdOf(sealed: string): string {
    return parse(sealed).keyId;
  }

  /** True when `sealed` is not under the current key, i.e. `backbeat keys rotate` has to re-seal it. */
  needsRotation(sealed: string): boolean {
    return this.keyIdOf(sealed) !== this.#keyId;
  }

  /** Opens `sealed` and seals it again under the current key; a value already under it is returned unchanged. */
  reseal(sealed: string, context?: string): string {
    if (!this.needsRotation(sealed)) return sealed;
    return this.seal(this.open(sealed, context), context);
  }
}

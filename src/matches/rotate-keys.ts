import type { Config } from '../config.ts';
import type { Database } from '../infra/db.ts';
import { DiscogsTokenStore, type RotateProgress, type RotateResult } from './token-store.ts';
import { TokenVault } from './vault.ts';

export interface RotateKeysResult extends RotateResult {
  /** The id of `ENCRYPTION_KEY`, under which every stored value now is. */
  keyId: string;
}

/** The part of the configuration key rotation reads. */
export type RotateKeysConfig = Pick<Config, 'encryptionKey'> & {
  matches: Pick<Config['matches'], 'previousEncryptionKey'>;
};

/**
 * `backbeat keys rotate`: re-seals every stored Discogs token and pending OAuth secret under `ENCRYPTION_KEY`,
 * opening the old values with `ENCRYPTION_KEY_PREVIOUS`, in one transaction. Afterwards ENCRYPTION_KEY_PREVIOUS can
 * be removed. Throws `VaultKeyError` when ENCRYPTION_KEY is unset (nothing is touched) or when a value was
 * sealed under neither key (nothing is changed; the message names the missing key's id).
 */
export async function rotateKeys(options: {
  db: Database;
  config: RotateKeysConfig;
  onProgress?: RotateProgress;
  /** The time expired OAuth requests are judged by (they are removed rather than re-sealed). */
  clock?: () => Date;
}): Promise<RotateKeysResult> {
  const vault = TokenVault.fromConfig({
    encryptionKey: options.config.encryptionKey,
    previousEncryptionKey: options.config.matches.previousEncryptionKey,
  });
  const store = new DiscogsTokenStore({ db: options.db, vault, clock: options.clock });
  const result = await store.rotate(options.onProgress);
  return { ...result, keyId: vault.keyId };
}

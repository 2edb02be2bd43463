import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from './db.ts';

export interface ResolvedSecret {
  value: string;
  /** True when this call created it (the caller prints it once). */
  generated: boolean;
  /** Where it is kept, for the start-up message. */
  location: string;
}

/**
 * Returns the configured secret, or the one Backbeat generated earlier, or generates and stores a new one:
 * as a file (mode 0600) under `dataDir/secrets/` in embedded mode, in the `app_secrets` table in scaled mode so that
 * every process on the same database agrees (first writer wins, `ON CONFLICT DO NOTHING`).
 */
export async function resolveSecret(options: {
  name: string;
  configured: string | undefined;
  store: { kind: 'file'; dataDir: string } | { kind: 'database'; db: Database };
}): Promise<ResolvedSecret> {
  const { name, configured, store } = options;
  if (configured) return { value: configured, generated: false, location: 'environment' };
  const fresh = randomBytes(32).toString('base64url');
  if (store.kind === 'file') {
    const dir = join(store.dataDir, 'secrets');
    const file = join(dir, name);
    try {
      const existing = readFileSync(file, 'utf8').trim();
      if (existing) return { value: existing, generated: false, location: file };
    } catch {
      // not there yet: generated below
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      // another process wrote it first: use theirs
      return { value: readFileSync(file, 'utf8').trim(), generated: false, location: file };
    }
    return { value: fresh, generated: true, location: file };
  }
  const inserted = await queryRows<{ value: string }>(
    store.db,
    sql`INSERT INTO app_secrets (name, value) VALUES (${name}, ${fresh}) ON CONFLICT (name) DO NOTHING RETURNING value`,
  );
  if (inserted.length > 0) return { value: fresh, generated: true, location: 'database table app_secrets' };
  const rows = await queryRows<{ value: string }>(store.db, sql`SELECT value FROM app_secrets WHERE name = ${name}`);
  return { value: rows[0]!.value, generated: false, location: 'database table app_secrets' };
}

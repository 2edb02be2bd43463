import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.ts';
import { languageName } from './domain/music.ts';

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig({});
    expect(config.port).toBe(5006);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.upstreams.jiosaavn).toBe('https://www.jiosaavn.com');
    expect(config.upstreams.musicbrainz).toBe('https://musicbrainz.org');
    expect(config.releases).toMatchObject({
      fetchCron: '*/10 * * * *',
      languages: ['hindi', 'malayalam', 'tamil', 'telugu', 'punjabi'],
      pages: 2,
      pageSize: 50,
      newWindowDays: 7,
      recentWindowDays: 30,
    });
    expect(config.dataDir.endsWith('data')).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
    [{ JIOSAAVN_BASE_URL: 'ftp://x' }, 'JIOSAAVN_BASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ FETCH_CRON: 'every minute' }, 'FETCH_CRON'],
    [{ RELEASE_LANGUAGES: 'hindi,klingon' }, 'RELEASE_LANGUAGES'],
    [{ ENCRYPTION_KEY: 'short' }, 'ENCRYPTION_KEY'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ FETCH_ON_START: 'maybe' }, 'FETCH_ON_START'],
    [{ RELEASE_PAGE_SIZE: '0' }, 'RELEASE_PAGE_SIZE'],
  ])('refuses %j naming %s', (env, variable) => {
    let error: unknown;
    try {
      parseConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
  });

  it('maps two-letter language codes and drops duplicates', () => {
    expect(parseConfig({ RELEASE_LANGUAGES: 'ml, ta,tamil' }).releases.languages).toEqual(['malayalam', 'tamil']);
    expect(languageName('PA')).toBe('punjabi');
    expect(languageName('xx')).toBeUndefined();
  });

  it('accepts a 32-byte encryption key as hex or base64', () => {
    expect(parseConfig({ ENCRYPTION_KEY: 'ab'.repeat(32) }).encryptionKey?.length).toBe(32);
    expect(parseConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).encryptionKey?.length).toBe(32);
  });

  it('strips trailing slashes from base URLs', () => {
    expect(parseConfig({ SPOTIFY_API_URL: 'http://127.0.0.1:9000/' }).upstreams.spotifyApi).toBe(
      'http://127.0.0.1:9000',
    );
  });
});

describe('loadConfig', () => {
  it('reads .env from the working directory, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-env-'));
    writeFileSync(join(dir, '.env'), 'PORT=7001\nLOG_LEVEL=debug\n');
    const saved = { PORT: process.env.PORT, LOG_LEVEL: process.env.LOG_LEVEL };
    process.env.LOG_LEVEL = 'warn';
    delete process.env.PORT;
    try {
      const config = loadConfig(process.env, dir);
      expect(config.port).toBe(7001);
      expect(config.logLevel).toBe('warn');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('.env.example', () => {
  it('documents every variable config.ts reads', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const names = [...source.matchAll(/\(env, '([A-Z_]+)'/g)].map((m) => m[1]!);
    names.push('RELEASE_LANGUAGES', 'ENCRYPTION_KEY');
    expect(names.length).toBeGreaterThan(20);
    for (const name of new Set(names)) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv as parseEnvFile } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_DEFAULTS, ENV_VARIABLES, loadConfig, parseConfig } from './config.ts';
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

  it('names every bad variable in one error, in schema order', () => {
    let error: unknown;
    try {
      parseConfig({ LOG_LEVEL: 'loud', PORT: 'eighty', HOST: 'localhost', RELEASE_PAGES: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message, variable } = error as ConfigError;
    expect(issues).toEqual([
      { variable: 'PORT', message: 'expected an integer, got "eighty"' },
      { variable: 'LOG_LEVEL', message: 'expected one of fatal, error, warn, info, debug, trace, silent, got "loud"' },
      { variable: 'RELEASE_PAGES', message: 'expected an integer from 1 to 50, got 0' },
    ]);
    expect(variable).toBe('PORT');
    expect(message).toBe(
      '3 invalid variables: PORT: expected an integer, got "eighty"; ' +
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"; ' +
        'RELEASE_PAGES: expected an integer from 1 to 50, got 0',
    );
  });

  it('reports one problem per variable and names every unknown language', () => {
    expect(() => parseConfig({ PORT: '-5' })).toThrow('PORT: expected an integer from 0 to 65535, got -5');
    expect(() => parseConfig({ RELEASE_LANGUAGES: 'hindi,klingon,elvish' })).toThrow(
      'RELEASE_LANGUAGES: unknown languages "klingon", "elvish"',
    );
    expect(() => parseConfig({ RELEASE_LANGUAGES: ' , ' })).toThrow('RELEASE_LANGUAGES: names no language');
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      'DATABASE_URL: expected a postgres: or postgresql: URL, got "mysql:"',
    );
  });

  it('treats blank variables as unset and ignores unknown ones', () => {
    const config = parseConfig({ PORT: '  ', DATABASE_URL: '', SOMETHING_ELSE: 'x', LOG_LEVEL: ' debug ' });
    expect(config.port).toBe(5006);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.logLevel).toBe('debug');
  });

  it('reads booleans in several spellings', () => {
    expect(parseConfig({ FETCH_ON_START: 'No' }).releases.fetchOnStart).toBe(false);
    expect(parseConfig({ FETCH_ON_START: 'on' }).releases.fetchOnStart).toBe(true);
  });

  it('maps two-letter language codes and drops duplicates', () => {
    expect(parseConfig({ RELEASE_LANGUAGES: 'ml, ta,tamil' }).releases.languages).toEqual(['malayalam', 'tamil']);
    expect(languageName('PA')).toBe('punjabi');
    expect(languageName('xx')).toBeUndefined();
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(languageName(key), key).toBeUndefined();
    }
    expect(() => parseConfig({ RELEASE_LANGUAGES: '__proto__' })).toThrow(/RELEASE_LANGUAGES/);
  });

  it('accepts a 32-byte encryption key as hex or base64', () => {
    expect(parseConfig({ ENCRYPTION_KEY: 'ab'.repeat(32) }).encryptionKey?.length).toBe(32);
    expect(parseConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).encryptionKey?.length).toBe(32);
  });

  it('trusts no proxy unless TRUST_PROXY names them: hops, addresses and ranges, or true', () => {
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(parseConfig({ TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1/128,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1/128',
      'loopback',
    ]);
    expect(() => parseConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow('TRUST_PROXY: "10.0.0.0/33" has a bad prefix');
    expect(() => parseConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(
      'TRUST_PROXY: "proxy.local" is not an IP address or CIDR range',
    );
  });

  it('reads the client limits', () => {
    expect(parseConfig({})).toMatchObject({ guestTokensPerHour: 20, metricsToken: undefined });
    expect(parseConfig({}).releases).toMatchObject({ sseMaxConnections: 10_000, sseMaxPerIp: 20 });
    expect(() => parseConfig({ SSE_MAX_PER_IP: '0' })).toThrow('SSE_MAX_PER_IP');
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN');
  });

  it('strips trailing slashes from base URLs', () => {
    expect(parseConfig({ SPOTIFY_API_URL: 'http://127.0.0.1:9000/' }).upstreams.spotifyApi).toBe(
      'http://127.0.0.1:9000',
    );
  });
});

describe('loadConfig', () => {
  const envDir = (content: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-env-'));
    writeFileSync(join(dir, '.env'), content);
    return dir;
  };

  it('reads .env from the working directory, with the environment winning', () => {
    const dir = envDir('# comment\nPORT=7001\nLOG_LEVEL=debug\nREDIS_PREFIX="quoted value"\nexport HOST=10.0.0.1\n');
    const config = loadConfig({ LOG_LEVEL: 'warn' }, dir);
    expect(config.port).toBe(7001);
    expect(config.logLevel).toBe('warn');
    expect(config.redisPrefix).toBe('quoted value');
  });

  it('works without a .env file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-env-'));
    expect(loadConfig({ PORT: '7002' }, dir).port).toBe(7002);
  });

  it('lets overrides win over both, and mode defaults fill only what nobody set', () => {
    const dir = envDir('PORT=7001\nLOG_LEVEL=debug\nDATABASE_URL=postgres://db/x\n');
    const defaults = { HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    const config = loadConfig({ HOST: '' }, dir, { PORT: '7003', DATABASE_URL: '' }, defaults);
    expect(config).toMatchObject({ port: 7003, host: '127.0.0.1', logLevel: 'debug', databaseUrl: undefined });
    expect(loadConfig({ HOST: '::1' }, dir, {}, defaults).host).toBe('::1');
  });

  it('reports bad variables from .env like any other', () => {
    const dir = envDir('PORT=eighty\nFETCH_ON_START=maybe\n');
    expect(() => loadConfig({}, dir)).toThrow(
      '2 invalid variables: PORT: expected an integer, got "eighty"; FETCH_ON_START: expected true or false, got "maybe"',
    );
  });
});

describe('.env.example', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const documented = new Map(
    [...example.matchAll(/^(#? ?)([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [
      m[2]!,
      { commented: m[1] !== '', value: m[3]! },
    ]),
  );

  it('documents every variable config.ts reads, and no other', () => {
    expect(ENV_VARIABLES.length).toBeGreaterThan(20);
    for (const name of ENV_VARIABLES) expect(documented.has(name), name).toBe(true);
    expect([...documented.keys()].filter((name) => !(ENV_VARIABLES as string[]).includes(name))).toEqual([]);
  });

  it('shows each default as the value of an uncommented line', () => {
    for (const [name, fallback] of Object.entries(ENV_DEFAULTS)) {
      expect(documented.get(name), name).toEqual({ commented: false, value: fallback });
    }
    // The example file itself is a valid configuration.
    expect(() => parseConfig(parseEnvFile(example))).not.toThrow();
  });
});

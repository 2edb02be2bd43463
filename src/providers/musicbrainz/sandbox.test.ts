import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MUSICBRAINZ_RATE_LIMIT_MESSAGE,
  MusicBrainzEmulation,
  foldText,
  parseLucene,
  searchWords,
  type MusicBrainzOptions,
} from './sandbox.ts';
import { chartCatalog, type CatalogAlbum, type ChartTrap, type MbReleaseGroup } from '../../sandbox/chart-catalog.ts';
import { createSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { anyNumber, anyString, stringMatching } from '../../sandbox/test-matchers.ts';

const SEED = 20_241_220;
const AGENT = 'BackbeatTest/1.0 ( https://example.org/backbeat )';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface GroupItem {
  id: string;
  score: number;
  title: string;
  'first-release-date': string;
  'primary-type': string;
  'secondary-types'?: string[];
  'artist-credit': { name: string; joinphrase?: string; artist: { id: string; name: string } }[];
  releases: { id: string; title: string }[];
}

interface GroupAnswer {
  created: string;
  count: number;
  offset: number;
  'release-groups': GroupItem[];
}

interface ReleaseAnswer {
  count: number;
  offset: number;
  releases: { id: string; score: number; title: string; 'release-group': { id: string } }[];
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox with only MusicBrainz; no rate limit unless asked for. */
function setup(options: Partial<MusicBrainzOptions> = {}) {
  const musicbrainz = new MusicBrainzEmulation({ seed: SEED, minIntervalMs: 0, ...options });
  const sandbox = createSandboxServer({ emulations: [musicbrainz] });
  open.push(sandbox);
  return { sandbox, musicbrainz };
}

function get(sandbox: SandboxServer, url: string, headers: Record<string, string | undefined> = {}) {
  return sandbox.app.inject({ url, headers: { 'user-agent': AGENT, ...headers } });
}

async function searchGroups(sandbox: SandboxServer, query: string, limit = 25): Promise<GroupAnswer> {
  const response = await get(
    sandbox,
    `/ws/2/release-group?${new URLSearchParams({ query, fmt: 'json', limit: String(limit) })}`,
  );
  expect(response.statusCode, query).toBe(200);
  return response.json<GroupAnswer>();
}

/** A Lucene phrase, as a careful client writes it: quotes and backslashes escaped. */
function phrase(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** A Lucene term with every special character escaped. */
function escaped(text: string): string {
  return text.replace(/[+\-&|!(){}[\]^"~*?:\\/]/g, '\\$&');
}

/** The query a careful client sends for an album: its title and its first artist. */
function albumQuery(album: CatalogAlbum): string {
  return `releasegroup:${phrase(album.name)} AND artist:${phrase(album.artists[0]?.name ?? '')}`;
}

function albums(trap: ChartTrap): CatalogAlbum[] {
  return chartCatalog(SEED).albums.filter((album) => album.trap === trap);
}

function decoys(album: CatalogAlbum, role: MbReleaseGroup['role']): MbReleaseGroup[] {
  return chartCatalog(SEED).releaseGroups.filter((group) => group.albumId === album.id && group.role === role);
}

function credit(item: GroupItem): string {
  return item['artist-credit'].map((part) => `${part.name}${part.joinphrase ?? ''}`).join('');
}

describe(MusicBrainzEmulation.name, () => {
  describe('release-group search', () => {
    it('answers the recorded shape: created, count, offset and release groups with scores 0–100, best 100', async () => {
      const { sandbox } = setup();
      const recorded = JSON.parse(
        readFileSync(
          new URL('../../../test/fixtures/musicbrainz/release-group-search-hexndeifl-2021-05-18.json', import.meta.url),
          'utf8',
        ),
      ) as GroupAnswer;
      const answer = await searchGroups(sandbox, 'summer');
      expect(Object.keys(answer)).toEqual(Object.keys(recorded));
      expect(answer.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(answer.count).toBeGreaterThan(answer['release-groups'].length - 1);
      const [top] = answer['release-groups'];
      expect(Object.keys(top ?? {})).toEqual(Object.keys(recorded['release-groups'][0] ?? {}));
      expect(top).toMatchObject({
        id: stringMatching(UUID),
        score: 100,
        'primary-type': anyString(),
        releases: [
          {
            id: stringMatching(UUID),
            'status-id': '4e304316-386d-3409-af2e-78857eec5cfe',
            status: 'Official',
            title: anyString(),
          },
        ],
      });
      const scores = answer['release-groups'].map((group) => group.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      for (const score of scores) expect(score).toBeGreaterThan(0);
    });

    it('answers an empty list, not an error, when nothing matches', async () => {
      const { sandbox } = setup();
      expect(await searchGroups(sandbox, 'releasegroup:zzyzxq')).toMatchObject({
        count: 0,
        offset: 0,
        'release-groups': [],
      });
    });

    it('pages with limit and offset', async () => {
      const { sandbox } = setup();
      const all = await searchGroups(sandbox, 'the', 100);
      expect(all.count).toBeGreaterThan(30);
      const response = await get(sandbox, '/ws/2/release-group?query=the&fmt=json&limit=10&offset=10');
      const page = response.json<GroupAnswer>();
      expect(page).toMatchObject({ count: all.count, offset: 10 });
      expect(page['release-groups'].map((group) => group.id)).toEqual(
        all['release-groups'].slice(10, 20).map((group) => group.id),
      );
      const defaults = await searchGroups(sandbox, 'the');
      expect(defaults['release-groups']).toHaveLength(25);
    });

    it.each([
      ['plain', 0],
      ['non_latin', 0],
      ['featuring', 0],
      ['punctuation', 0],
      ['editions', 0],
      ['same_title_other_artist', 1],
    ] as const)('finds the true group of every %s album, ranked #%i at best', async (trap, rank) => {
      const { sandbox } = setup();
      for (const album of albums(trap)) {
        const groups = (await searchGroups(sandbox, albumQuery(album)))['release-groups'];
        const index = groups.findIndex((group) => group.id === album.releaseGroupId);
        expect(index, `${albumQuery(album)} → ${groups.map((group) => group.title).join(' | ')}`).toBe(rank);
      }
    });

    it('same_title_other_artist: a group by another artist with the exact title scores as high and comes first', async () => {
      const { sandbox } = setup();
      for (const album of albums('same_title_other_artist')) {
        const groups = (await searchGroups(sandbox, albumQuery(album)))['release-groups'];
        const truth = groups.find((group) => group.id === album.releaseGroupId);
        const [top] = groups;
        expect(top?.id).not.toBe(album.releaseGroupId);
        expect(top?.title).toBe(album.name);
        expect(top?.score).toBe(truth?.score);
        expect(top?.['artist-credit'][0]?.artist.id).not.toBe(truth?.['artist-credit'][0]?.artist.id);
        // By title alone, the unrelated artist's group ties as well.
        const byTitle = (await searchGroups(sandbox, `releasegroup:${phrase(album.name)}`))['release-groups'];
        const tied = byTitle.filter((group) => group.score === 100).map((group) => group.id);
        expect(tied).toContain(album.releaseGroupId);
        for (const decoy of decoys(album, 'same_title')) expect(tied).toContain(decoy.id);
      }
    });

    it('editions: the plain-titled group beats its live and compilation decoys for the suffixed Spotify name', async () => {
      const { sandbox } = setup();
      for (const album of albums('editions')) {
        const groups = (await searchGroups(sandbox, albumQuery(album)))['release-groups'];
        expect(groups[0]?.id).toBe(album.releaseGroupId);
        expect(groups[0]?.releases.length).toBeGreaterThanOrEqual(2);
        const live = groups.find((group) => group.id === decoys(album, 'live')[0]?.id);
        expect(live).toMatchObject({ 'secondary-types': ['Live'] });
        expect(live?.score).toBeLessThan(100);
        expect(live?.score).toBeGreaterThan(80);
        const compilation = decoys(album, 'compilation')[0];
        if (compilation !== undefined) {
          const listed = groups.find((group) => group.id === compilation.id);
          expect(listed).toMatchObject({ 'secondary-types': ['Compilation'] });
          expect(listed?.score).toBeLessThan(100);
        }
      }
    });

    it('absent: answers only partial matches — the artist’s other album, other albums sharing a title word', async () => {
      const { sandbox } = setup();
      for (const album of albums('absent')) {
        const artist = album.artists[0]?.name ?? '';
        const byTitle = (await searchGroups(sandbox, `releasegroup:${phrase(album.name)}`))['release-groups'];
        expect(byTitle.length).toBeGreaterThan(0);
        for (const group of byTitle) expect(foldText(group.title)).not.toBe(foldText(album.name));
        expect(byTitle.map((group) => group.id)).toContain(decoys(album, 'shared_word')[0]?.id);
        expect(byTitle[0]?.score).toBe(100);
        const loose = (await searchGroups(sandbox, `releasegroup:${phrase(album.name)} artist:${phrase(artist)}`))[
          'release-groups'
        ];
        expect(loose.map((group) => group.id)).toContain(decoys(album, 'artist_other_album')[0]?.id);
        for (const group of loose) {
          expect(foldText(group.title) === foldText(album.name) && credit(group) === artist).toBe(false);
        }
      }
    });

    it('featuring: found by the lead artist, by both names, and by the printed credit', async () => {
      const { sandbox } = setup();
      for (const album of albums('featuring')) {
        const [lead, guest] = album.artists.map((artist) => artist.name);
        const groups = (await searchGroups(sandbox, albumQuery(album)))['release-groups'];
        const printed = credit(groups[0] as GroupItem);
        expect([`${lead} feat. ${guest}`, `${lead} & ${guest}`]).toContain(printed);
        for (const query of [
          `releasegroup:${phrase(album.name)} AND artist:(${escaped(lead ?? '')} ${escaped(guest ?? '')})`,
          `releasegroup:${phrase(album.name)} AND artist:${phrase(printed)}`,
          `${escaped(album.name)} ${escaped(guest ?? '')}`,
        ]) {
          expect((await searchGroups(sandbox, query))['release-groups'][0]?.id, query).toBe(album.releaseGroupId);
        }
      }
    });

    it('punctuation: escaped terms find the album; unescaped special characters never fail a query', async () => {
      const { sandbox } = setup();
      for (const album of albums('punctuation')) {
        const artist = album.artists[0]?.name ?? '';
        const terms = `releasegroup:(${escaped(album.name)}) AND artist:(${escaped(artist)})`;
        expect((await searchGroups(sandbox, terms))['release-groups'][0]?.id, terms).toBe(album.releaseGroupId);
        const raw = await get(
          sandbox,
          `/ws/2/release-group?${new URLSearchParams({ query: `${album.name} ${artist}`, fmt: 'json' })}`,
        );
        expect(raw.statusCode, album.name).toBe(200);
      }
      for (const query of [
        'AC/DC',
        '"unterminated',
        '((a',
        'a)) OR',
        'AND',
        '~^:',
        '\\',
        '[2020 TO',
        'x:',
        '-',
        '!!',
        '*:*',
      ]) {
        const response = await get(sandbox, `/ws/2/release-group?${new URLSearchParams({ query, fmt: 'json' })}`);
        expect(response.statusCode, query).toBe(200);
        expect(response.json()).toMatchObject({ count: anyNumber() });
      }
    });

    it('folds case and accents', async () => {
      const { sandbox } = setup();
      const album = albums('plain').find((candidate) => /[aeiou]/.test(candidate.name)) as CatalogAlbum;
      const accented = album.name.toUpperCase().replace(/A/g, 'Á').replace(/E/g, 'È').replace(/O/g, 'Ö');
      const groups = (await searchGroups(sandbox, `releasegroup:${phrase(accented)}`))['release-groups'];
      expect(groups[0]?.id).toBe(album.releaseGroupId);
    });

    it('honours AND, OR, NOT, +, - and field groups as Lucene does', async () => {
      const { sandbox } = setup();
      const a = albums('plain')[0] as CatalogAlbum;
      const words = (album: CatalogAlbum) => searchWords(`${album.name} ${album.artists[0]?.name}`);
      // Another album sharing no word with the first, so a partial match cannot blur the test.
      const b = albums('plain').find((album) => !words(album).some((word) => words(a).includes(word))) as CatalogAlbum;
      const ids = async (query: string) =>
        (await searchGroups(sandbox, query, 100))['release-groups'].map((group) => group.id);
      const either = await ids(`releasegroup:${phrase(a.name)} OR releasegroup:${phrase(b.name)}`);
      expect(either).toEqual(expect.arrayContaining([a.releaseGroupId, b.releaseGroupId]));
      const without = await ids(
        `releasegroup:${phrase(a.name)} NOT arid:${JSON.stringify(chartGroup(a).credits[0]?.artist.id)}`,
      );
      expect(without).not.toContain(a.releaseGroupId);
      const minus = await ids(`releasegroup:${phrase(a.name)} -rgid:${a.releaseGroupId}`);
      expect(minus).not.toContain(a.releaseGroupId);
      const both = await ids(`+releasegroup:${phrase(a.name)} +artist:${phrase(b.artists[0]?.name ?? '')}`);
      expect(both).not.toContain(a.releaseGroupId);
      expect(await ids(`rgid:${a.releaseGroupId}`)).toEqual([a.releaseGroupId]);
      expect(await ids(`rgid:${a.releaseGroupId} AND primarytype:single AND primarytype:album`)).toEqual([]);
    });
  });

  describe('release search', () => {
    it('finds the edition release by its suffixed title, in the recorded release shape', async () => {
      const { sandbox } = setup();
      const recorded = JSON.parse(
        readFileSync(
          new URL(
            '../../../test/fixtures/musicbrainz/release-search-rumours-fleetwood-mac-2026-05-26.json',
            import.meta.url,
          ),
          'utf8',
        ),
      ) as { releases: Record<string, unknown>[] };
      for (const album of albums('editions')) {
        const query = `release:${phrase(album.name)} AND artist:${phrase(album.artists[0]?.name ?? '')}`;
        const response = await get(sandbox, `/ws/2/release?${new URLSearchParams({ query, fmt: 'json' })}`);
        expect(response.statusCode).toBe(200);
        const answer = response.json<ReleaseAnswer>();
        const [top] = answer.releases;
        expect(top).toMatchObject({ title: album.name, score: 100, 'release-group': { id: album.releaseGroupId } });
        const optional = new Set(['packaging-id', 'artist-credit-id', 'packaging', 'label-info']);
        const expected = Object.keys(recorded.releases[0] ?? {}).filter((key) => !optional.has(key));
        expect(Object.keys(top ?? {})).toEqual(expected);
      }
    });
  });

  describe('requests it refuses', () => {
    it('refuses a missing or anonymous User-Agent with 403', async () => {
      const { sandbox, musicbrainz } = setup();
      for (const agent of [undefined, '', 'node', 'undici', 'python-requests/2.31']) {
        const response = await get(sandbox, '/ws/2/release-group?query=summer&fmt=json', { 'user-agent': agent });
        expect(response.statusCode, String(agent)).toBe(403);
        expect(response.json()).toEqual({ error: anyString() });
      }
      expect(musicbrainz.stats().blocked).toBe(5);
      expect((await get(sandbox, '/ws/2/release-group?query=summer&fmt=json')).statusCode).toBe(200);
    });

    it('answers JSON only: fmt=json or Accept: application/json, else 400 {error, help}', async () => {
      const { sandbox } = setup();
      for (const url of ['/ws/2/release-group?query=summer', '/ws/2/release-group?query=summer&fmt=xml']) {
        const response = await get(sandbox, url);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({ error: anyString(), help: stringMatching(/musicbrainz\.org/) });
      }
      const accepted = await get(sandbox, '/ws/2/release?query=summer', { accept: 'application/json' });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json()).toMatchObject({ count: anyNumber() });
    });

    it('answers 400 without a query or with a limit that is not a number', async () => {
      const { sandbox } = setup();
      for (const url of [
        '/ws/2/release-group?fmt=json',
        '/ws/2/release?fmt=json&query=%20',
        '/ws/2/release?fmt=json&query=a&limit=ten',
      ]) {
        const response = await get(sandbox, url);
        expect(response.statusCode, url).toBe(400);
        expect(response.json()).toEqual({ error: anyString(), help: anyString() });
      }
    });
  });

  describe('rate limit', () => {
    const URL_ = '/ws/2/release-group?query=summer&fmt=json';

    it('answers 503 to a request less than a second after the previous one; every request counts', async () => {
      const clock = { now: 10_000 };
      const { sandbox, musicbrainz } = setup({ now: () => clock.now, minIntervalMs: 1000 });
      const statuses: number[] = [];
      for (const at of [10_000, 10_999, 11_999, 12_999, 13_500, 15_000]) {
        clock.now = at;
        const response = await get(sandbox, URL_);
        statuses.push(response.statusCode);
        if (response.statusCode === 503) expect(response.json()).toEqual({ error: MUSICBRAINZ_RATE_LIMIT_MESSAGE });
      }
      // 10 999 is too soon; 11 999 is a full second after the refused request, which counted as the previous one.
      expect(statuses).toEqual([200, 503, 200, 200, 503, 200]);
      expect(musicbrainz.stats()).toEqual({
        requests: 6,
        minGapMs: 501,
        throttled: 2,
        blocked: 0,
        minIntervalMs: 1000,
      });
      expect(musicbrainz.queries().map((entry) => [entry.status, entry.gapMs])).toEqual([
        [200, null],
        [503, 999],
        [200, 1000],
        [200, 1000],
        [503, 501],
        [200, 1500],
      ]);
      expect(musicbrainz.queries()[0]).toEqual({
        at: stringMatching(/Z$/),
        endpoint: 'release-group',
        query: 'summer',
        url: URL_,
        status: 200,
        gapMs: null,
      });
    });

    it('measures real arrival times when no clock is injected', async () => {
      const { sandbox, musicbrainz } = setup({ minIntervalMs: 100 });
      expect((await get(sandbox, URL_)).statusCode).toBe(200);
      expect((await get(sandbox, URL_)).statusCode).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 130));
      expect((await get(sandbox, URL_)).statusCode).toBe(200);
      const { minGapMs, throttled } = musicbrainz.stats();
      expect(throttled).toBe(1);
      expect(minGapMs).toBeGreaterThan(0);
      expect(minGapMs).toBeLessThan(100);
    });

    it('counts requests a fault answered, and renders a 503 fault as the rate-limit answer', async () => {
      const clock = { now: 0 };
      const { sandbox, musicbrainz } = setup({ now: () => clock.now });
      sandbox.faults.add({ target: 'musicbrainz', kind: 'status', times: 1 });
      const faulted = await get(sandbox, URL_);
      expect(faulted.statusCode).toBe(503);
      expect(faulted.json()).toEqual({ error: MUSICBRAINZ_RATE_LIMIT_MESSAGE });
      clock.now = 400;
      expect((await get(sandbox, URL_)).statusCode).toBe(200);
      expect(musicbrainz.queries().map((entry) => entry.status)).toEqual([503, 200]);
      expect(musicbrainz.stats()).toMatchObject({ requests: 2, minGapMs: 400, throttled: 0 });
    });

    it('serves its figures at /__sandbox/musicbrainz/* and in the sandbox stats; resets forget them', async () => {
      const clock = { now: 0 };
      const { sandbox, musicbrainz } = setup({ now: () => clock.now, minIntervalMs: 1000 });
      await get(sandbox, URL_);
      clock.now = 250;
      await get(sandbox, URL_);
      const figures = { requests: 2, minGapMs: 250, throttled: 1, blocked: 0, minIntervalMs: 1000 };
      expect((await sandbox.app.inject({ url: '/__sandbox/musicbrainz/stats' })).json()).toEqual(figures);
      const log = (await sandbox.app.inject({ url: '/__sandbox/musicbrainz/queries' })).json<{ queries: unknown[] }>();
      expect(log.queries).toHaveLength(2);
      expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).json()).toEqual({
        requests: { 'musicbrainz:release-group': 2 },
        total: 2,
        emulations: { musicbrainz: figures },
      });

      await sandbox.app.inject({ method: 'POST', url: '/__sandbox/stats/reset' });
      expect(musicbrainz.stats()).toEqual({
        requests: 0,
        minGapMs: null,
        throttled: 0,
        blocked: 0,
        minIntervalMs: 1000,
      });
      expect(musicbrainz.queries()).toEqual([]);
      // The rate limit still measures from the request before the stats reset.
      clock.now = 500;
      expect((await get(sandbox, URL_)).statusCode).toBe(503);
      expect(musicbrainz.stats().minGapMs).toBeNull();

      // A sandbox reset forgets the previous request too.
      await sandbox.app.inject({ method: 'POST', url: '/__sandbox/reset' });
      clock.now = 600;
      expect((await get(sandbox, URL_)).statusCode).toBe(200);
    });
  });
});

function chartGroup(album: CatalogAlbum): MbReleaseGroup {
  const group = chartCatalog(SEED).releaseGroups.find((candidate) => candidate.id === album.releaseGroupId);
  if (group === undefined) throw new Error(`${album.name} has no group`);
  return group;
}

describe(parseLucene.name, () => {
  it('reads fields, phrases, escapes and Lucene’s AND/OR/NOT rules (default OR)', () => {
    expect(parseLucene('a OR b AND -c')).toEqual({
      kind: 'bool',
      boost: 1,
      clauses: [
        { occur: 'should', query: { kind: 'text', field: undefined, raw: 'a', terms: [{ word: 'a' }], boost: 1 } },
        { occur: 'must', query: { kind: 'text', field: undefined, raw: 'b', terms: [{ word: 'b' }], boost: 1 } },
        { occur: 'must_not', query: { kind: 'text', field: undefined, raw: 'c', terms: [{ word: 'c' }], boost: 1 } },
      ],
    });
    expect(parseLucene('releasegroup:"Songs for \\"Nobody\\""^2')).toMatchObject({
      clauses: [{ query: { field: 'releasegroup', raw: 'songs for "nobody"', boost: 2 } }],
    });
    expect(parseLucene('ARTIST:AC\\/DC')).toMatchObject({
      clauses: [{ query: { field: 'artist', terms: [{ word: 'ac' }, { word: 'dc' }] } }],
    });
    expect(parseLucene('Part 1\\: The')).toMatchObject({ clauses: [{}, { query: { raw: '1:' } }, {}] });
    // Unescaped, the colon makes "1" a field name.
    expect(parseLucene('Part 1: The')).toMatchObject({ clauses: [{}, { query: { field: '1', raw: 'the' } }] });
    expect(parseLucene('firstreleasedate:[2020 TO *]')).toMatchObject({
      clauses: [{ query: { kind: 'range', field: 'firstreleasedate', lower: '2020', upper: '*' } }],
    });
    expect(parseLucene('sum*er~')).toMatchObject({ clauses: [{ query: { terms: [{ pattern: anyRegExp() }] } }] });
    expect(parseLucene('summr~1')).toMatchObject({ clauses: [{ query: { terms: [{ word: 'summr', maxEdits: 1 }] } }] });
  });

  it.each(['', '"', '(', ')', 'AND OR NOT', '&&', '||', '\\', '^', '~', ':', '[', '{a TO', '+-!'])(
    'never throws on %j',
    (query) => {
      expect(() => parseLucene(query)).not.toThrow();
    },
  );
});

describe(searchWords.name, () => {
  it.each([
    ['Beyoncé', ['beyonce']],
    ['What’s Going On?', ['whats', 'going', 'on']],
    ['AC/DC', ['ac', 'dc']],
    ['夜空のメロディー', ['夜', '空', 'の', 'メ', 'ロ', 'デ', 'ィ', 'ー']],
    ['봄날의 기억', ['봄날의', '기억']],
    ['Звёзды над городом', ['звезды', 'над', 'городом']],
    ['أغاني الليل', ['أغاني', 'الليل']],
  ])('splits %j into %j', (text, words) => {
    expect(searchWords(text)).toEqual(words);
  });
});

function anyRegExp(): RegExp {
  return expect.any(RegExp) as RegExp;
}

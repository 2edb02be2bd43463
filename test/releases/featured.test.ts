import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/infra/db.ts';
import { releasePresenter } from '../../src/releases/present.ts';
import { ReleasesRepository, type SongWrite } from '../../src/releases/repository.ts';
import { MODES } from '../support/services.ts';
import { openTestDb, resetDatabase, type TestDb } from '../support/stack.ts';

const RUN1 = new Date('2024-12-20T10:00:00Z');
const RUN2 = new Date('2024-12-20T10:10:00Z');
const present = releasePresenter(7);

function song(externalId: string, album: string, extra: Partial<SongWrite> = {}): SongWrite {
  return {
    source: 'jiosaavn',
    externalId,
    title: `Song ${externalId}`,
    artists: ['Artist'],
    album,
    albumKey: `jiosaavn:${album}`,
    albumExternalId: album,
    language: 'hindi',
    releaseDate: '2024-12-19',
    imageUrl: null,
    url: null,
    durationSeconds: 200,
    kind: 'song',
    metadata: {},
    fingerprint: `fp-${externalId}`,
    ...extra,
  };
}

/**
 * The featured rule as the database applies it (`ReleasesRepository.ingestPage`): one featured song per album,
 * sticky once chosen, the first-detected song when an album has none (ties: upstream order).
 */
describe.each(MODES)('featured song per album (%s)', (mode) => {
  let db: TestDb;
  let repo: ReleasesRepository;

  beforeAll(async () => {
    db = await openTestDb(mode, 'featured');
    repo = new ReleasesRepository(db.handle.db);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await resetDatabase(db.handle);
  });

  const ingest = (songs: SongWrite[], now: Date) =>
    repo.ingestPage(songs, { runId: '00000000-0000-4000-8000-000000000001', now, payloadOf: (s) => present(s, now) });

  async function featuredOf(album: string): Promise<string[]> {
    const rows = await queryRows<{ external_id: string }>(
      db.handle.db,
      sql`SELECT external_id FROM songs WHERE album_key = ${`jiosaavn:${album}`} AND featured ORDER BY id`,
    );
    return rows.map((r) => r.external_id);
  }

  it('features the first song of a new album in upstream order, one per album, and says so once', async () => {
    const out = await ingest([song('b2', 'B'), song('a1', 'A'), song('a2', 'A'), song('b1', 'B')], RUN1);
    expect(out.newlyFeatured.map((s) => s.externalId)).toEqual(['b2', 'a1']);
    expect(out.events.map((e) => [e.type, e.payload.title])).toEqual([
      ['new_release', 'Song b2'],
      ['new_release', 'Song a1'],
    ]);
    expect(await featuredOf('A')).toEqual(['a1']);
    expect(await featuredOf('B')).toEqual(['b2']);
  });

  it('is sticky: a later run listing another song of the album first changes nothing', async () => {
    await ingest([song('a2', 'A')], RUN1);
    const later = await ingest([song('a1', 'A'), song('a2', 'A')], RUN2);
    expect(later.inserted.map((s) => s.externalId)).toEqual(['a1']);
    expect(later.newlyFeatured).toEqual([]);
    expect(later.events).toEqual([]);
    expect(await featuredOf('A')).toEqual(['a2']);
  });

  it('keeps the featured song when its metadata changes, and pushes one release_updated', async () => {
    await ingest([song('a1', 'A'), song('a2', 'A')], RUN1);
    const changed = await ingest([song('a1', 'A', { title: 'Renamed', fingerprint: 'fp-new' })], RUN2);
    expect(changed.updated.map((s) => s.externalId)).toEqual(['a1']);
    expect(changed.events.map((e) => [e.type, e.payload.title])).toEqual([['release_updated', 'Renamed']]);
    expect(await featuredOf('A')).toEqual(['a1']);
  });

  it('re-running the same page changes nothing', async () => {
    const page = [song('a1', 'A'), song('a2', 'A'), song('b1', 'B')];
    await ingest(page, RUN1);
    const again = await ingest(page, RUN2);
    expect(again).toEqual({ inserted: [], updated: [], newlyFeatured: [], events: [] });
  });

  it('the database refuses a second featured song for an album', async () => {
    await ingest([song('a1', 'A'), song('a2', 'A')], RUN1);
    await expect(
      db.handle.db.execute(sql`UPDATE songs SET featured = true WHERE external_id = 'a2'`),
    ).rejects.toThrow();
    expect(await featuredOf('A')).toEqual(['a1']);
  });
});
